#!/usr/bin/env bash
# Builds the node's container image without a Docker daemon or a base image, from this machine's own
# parts: a jlink'ed runtime of the local JDK, the shared libraries that runtime and the jar's native
# code link against, /etc files with a non-root user, and the fat jar.
# Output: deploy/image/target/rendezvous-image.tar, an OCI image layout that `docker load`,
# `podman load`, `skopeo copy oci-archive:…` and `ctr images import` all take.
# Needs: node/target/rendezvous.jar (mvn -B -q package -DskipTests), a JDK with jmods, GNU tar.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TAG=${IMAGE_TAG:-} # a tag given in the environment (e.g. the commit) wins over image.env's version
# shellcheck source=image.env
source "$HERE/image.env"
IMAGE_TAG=${TAG:-$IMAGE_TAG}
if ! [[ $IMAGE_TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "build.sh: IMAGE_TAG '$IMAGE_TAG' is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})" >&2
  exit 2
fi
JAR=${JAR:-$ROOT/node/target/rendezvous.jar}
OUT=${OUT:-$HERE/target}
JDK=${JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")}
# Every timestamp in the image: the last commit's, so the same inputs give the same layer digests.
EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)}

die() {
  echo "build.sh: $*" >&2
  exit 1
}

[[ -f $JAR ]] || die "missing $JAR: build it with 'mvn -B -q package -DskipTests'"
[[ -f $JDK/jmods/java.base.jmod ]] || die "no jmods in $JDK (set JDK to a full JDK; Debian: openjdk-17-jdk-headless)"
for tool in tar gzip sha256sum ldd; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
case $(uname -m) in
  x86_64) ARCH=amd64 JAR_ARCH=x86_64 NETTY_ARCH=x86_64 ;;
  aarch64) ARCH=arm64 JAR_ARCH=aarch64 NETTY_ARCH=aarch_64 ;; # Netty names its libraries …_aarch_64.so
  *) die "unsupported machine $(uname -m)" ;;
esac

WORK="$OUT/work"
rm -rf "$WORK"
mkdir -p "$WORK"
BASE="$WORK/rootfs-base" # layer 1: runtime, libraries, /etc, directories
APP="$WORK/rootfs-app"   # layer 2: the jar, the part that changes with every build
mkdir -p "$BASE" "$APP"

# --- the Java runtime: the modules the jar's classes use, plus the ones reached only by reflection.
echo "jdeps + jlink from $JDK..." >&2
CLASSES="$WORK/classes"
mkdir -p "$CLASSES"
(cd "$CLASSES" && "$JDK/bin/jar" xf "$JAR")
# jdeps resolves module-info files it finds; the shaded jar's are leftovers of its dependencies.
find "$CLASSES" -name module-info.class -delete
rm -rf "$CLASSES/META-INF/versions"
modules=$("$JDK/bin/jdeps" --ignore-missing-deps --print-module-deps "$CLASSES")
# Reached by reflection only: jdk.management (Hazelcast's OS metrics, the jar's Add-Opens), jdk.net
# (Hazelcast's TCP keep-alive options), jdk.naming.dns (JNDI DNS); jdk.crypto.ec for TLS.
modules="$modules,jdk.management,jdk.net,jdk.naming.dns,jdk.crypto.ec"
"$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$BASE$JAVA_DIR"
echo "runtime modules: $modules" >&2

# --- shared libraries: what ldd finds for the runtime and for the native code in the jar.
natives=()
while IFS= read -r so; do
  natives+=("$CLASSES/$so")
done < <(cd "$CLASSES" && find . -name '*.so' -printf '%P\n' \
  | grep -E "^(org/sqlite/native/Linux/$JAR_ARCH/|META-INF/native/.*_$NETTY_ARCH\.so$|lib/linux-$JAR_ARCH/)")
((${#natives[@]} > 0)) || die "found no native libraries for $JAR_ARCH in the jar"
mapfile -t elves < <(find "$BASE$JAVA_DIR" -type f \( -name '*.so' -o -path '*/bin/*' \))
libs=$(for f in "${elves[@]}" "${natives[@]}"; do ldd "$f" 2>/dev/null || true; done \
  | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | grep -v "^$BASE" | sort -u)
# The usr-merge symlinks (/lib -> usr/lib …) as on this machine, so the loader's paths hold.
for d in bin sbin lib lib32 lib64; do
  if [[ -L /$d ]]; then ln -s "$(readlink "/$d")" "$BASE/$d"; fi
done
for lib in $libs; do
  real_dir=$(readlink -f "$(dirname "$lib")")
  mkdir -p "$BASE$real_dir"
  cp -L "$lib" "$BASE$real_dir/$(basename "$lib")"
done
echo "libraries: $(tr '\n' ' ' <<<"$libs")" >&2

# --- /etc, the default config, the directories.
mkdir -p "$BASE/etc" "$BASE$(dirname "$CONFIG_FILE")" "$BASE$DATA_DIR" "$BASE/tmp" "$BASE/proc" "$BASE/dev" "$BASE/sys"
cat >"$BASE/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
$APP_USER:x:$APP_UID:$APP_UID:Rendezvous node:$DATA_DIR:/sbin/nologin
EOF
cat >"$BASE/etc/group" <<EOF
root:x:0:
$APP_USER:x:$APP_UID:
EOF
echo "hosts: files dns" >"$BASE/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$BASE/etc/hosts"
# Single node out of the box; on Kubernetes the ConfigMap is mounted over this directory.
cp "$HERE/node.json" "$BASE$CONFIG_FILE"
chmod -R u=rwX,go=rX "$BASE/etc"
chmod 1777 "$BASE/tmp"
chmod 0750 "$BASE$DATA_DIR"
mkdir -p "$APP$(dirname "$APP_JAR")"
cp "$JAR" "$APP$APP_JAR"
chmod 0644 "$APP$APP_JAR"

# --- layers: reproducible tars (sorted, fixed times, numeric owners), gzip'ed without names.
layer() { # ROOTFS NAME [PATH OWNED BY THE APP USER]
  local dir=$1 owned=${3:-} tarfile="$WORK/$2.tar"
  # shellcheck disable=SC2054 # the commas belong to --pax-option
  local common=(--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
    --mtime="@$EPOCH" --numeric-owner --no-recursion -C "$dir")
  (cd "$dir" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | { if [[ -n $owned ]]; then grep -v "^${owned#/}\(/\|$\)"; else cat; fi; }) \
    | tar -cf "$tarfile" "${common[@]}" --owner=0 --group=0 -T -
  if [[ -n $owned ]]; then
    (cd "$dir" && find "${owned#/}" -printf '%p\n' | LC_ALL=C sort) \
      | tar -rf "$tarfile" "${common[@]}" --owner="$APP_UID" --group="$APP_UID" -T -
  fi
  gzip -n -6 -c "$tarfile" >"$tarfile.gz"
}
layer "$BASE" base "$DATA_DIR"
layer "$APP" app

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
json_str() { # a JSON string literal (our values hold no control characters)
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}
json_list() { # a JSON array of strings
  local out="" a
  for a in "$@"; do out+="${out:+, }$(json_str "$a")"; done
  printf '[%s]' "$out"
}

LAYOUT="$WORK/layout"
mkdir -p "$LAYOUT/blobs/sha256"
blob() { # FILE: moves it into the layout under its digest, prints the digest
  local d
  d=$(sha "$1")
  mv "$1" "$LAYOUT/blobs/sha256/$d"
  echo "$d"
}
base_diff=$(sha "$WORK/base.tar")
app_diff=$(sha "$WORK/app.tar")
base_blob=$(blob "$WORK/base.tar.gz")
app_blob=$(blob "$WORK/app.tar.gz")
created=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)

read -r -a jvm_flags <<<"$JVM_FLAGS"
read -r -a ports <<<"$EXPOSED_PORTS"
exposed=""
for p in "${ports[@]}"; do exposed+="${exposed:+, }$(json_str "$p"): {}"; done
cat >"$WORK/config.json" <<EOF
{
  "created": "$created",
  "architecture": "$ARCH",
  "os": "linux",
  "config": {
    "User": "$APP_UID:$APP_UID",
    "Env": $(json_list "PATH=$JAVA_DIR/bin:/usr/bin:/bin" "JAVA_HOME=$JAVA_DIR" "LANG=C.UTF-8"),
    "Entrypoint": $(json_list "$JAVA_DIR/bin/java" "${jvm_flags[@]}" -jar "$APP_JAR"),
    "Cmd": $(json_list --config "$CONFIG_FILE"),
    "WorkingDir": "$DATA_DIR",
    "ExposedPorts": { $exposed },
    "Volumes": { "$DATA_DIR": {} },
    "StopSignal": "SIGTERM",
    "Labels": {
      "org.opencontainers.image.title": "$IMAGE_NAME",
      "org.opencontainers.image.version": "$IMAGE_TAG"
    }
  },
  "rootfs": { "type": "layers", "diff_ids": ["sha256:$base_diff", "sha256:$app_diff"] },
  "history": [
    { "created": "$created", "created_by": "deploy/image/build.sh: Java runtime, libraries, /etc" },
    { "created": "$created", "created_by": "deploy/image/build.sh: rendezvous.jar" }
  ]
}
EOF
config_size=$(size "$WORK/config.json")
config_blob=$(blob "$WORK/config.json")
cat >"$WORK/manifest.json" <<EOF
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:$config_blob", "size": $config_size },
  "layers": [
    { "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:$base_blob", "size": $(size "$LAYOUT/blobs/sha256/$base_blob") },
    { "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:$app_blob", "size": $(size "$LAYOUT/blobs/sha256/$app_blob") }
  ]
}
EOF
manifest_size=$(size "$WORK/manifest.json")
manifest_blob=$(blob "$WORK/manifest.json")
cat >"$LAYOUT/index.json" <<EOF
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:$manifest_blob",
      "size": $manifest_size,
      "annotations": {
        "org.opencontainers.image.ref.name": "$IMAGE_TAG",
        "io.containerd.image.name": "docker.io/library/$IMAGE_NAME:$IMAGE_TAG"
      }
    }
  ]
}
EOF
echo '{"imageLayoutVersion": "1.0.0"}' >"$LAYOUT/oci-layout"
# docker load's own index, beside the OCI one.
cat >"$LAYOUT/manifest.json" <<EOF
[{"Config": "blobs/sha256/$config_blob", "RepoTags": ["$IMAGE_NAME:$IMAGE_TAG"],
  "Layers": ["blobs/sha256/$base_blob", "blobs/sha256/$app_blob"]}]
EOF

IMAGE="$OUT/$IMAGE_NAME-image.tar"
(cd "$LAYOUT" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) \
  | tar -cf "$IMAGE" --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$EPOCH" --numeric-owner --owner=0 --group=0 --no-recursion -C "$LAYOUT" -T -
rm -rf "$WORK"
echo "$IMAGE ($IMAGE_NAME:$IMAGE_TAG, manifest sha256:$manifest_blob, $(($(size "$IMAGE") / 1048576)) MiB)"
