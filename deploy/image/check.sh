#!/usr/bin/env bash
# Checks the image that build.sh made, without a container engine: verifies the OCI layout, unpacks
# its layers into a scratch root filesystem, and runs the image's own entrypoint there (chroot, as
# the image's non-root user, loopback ports) as a one-member cluster; then sends a STUN Binding, asks
# the HTTP surfaces, sees the other listeners bound, and stops the node with SIGTERM.
# Needs root (chroot), python3, curl, ss (iproute2), unshare and mount (util-linux).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=image.env
source "$HERE/image.env"
IMAGE=${IMAGE:-$HERE/target/$IMAGE_NAME-image.tar}
# The node's ports: PORT_BASE + the slots deploy/local/cluster.sh uses (its nodes stay below 26900).
PORT_BASE=${PORT_BASE:-26900}
S2_PORT=$PORT_BASE HZ_PORT=$((PORT_BASE + 1)) BUS_PORT=$((PORT_BASE + 17)) WS_PORT=$((PORT_BASE + 65))
LOBBY_PORT=$((PORT_BASE + 75)) PAIRING_PORT=$((PORT_BASE + 77)) UDP_PORT=$((PORT_BASE + 78)) OPS_PORT=$((PORT_BASE + 80))

die() {
  echo "image-check: $*" >&2
  exit 1
}
[[ $(id -u) == 0 ]] || die "needs root (it chroots into the image)"
for tool in python3 curl tar unshare chroot mount ss; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
[[ -f $IMAGE ]] || die "missing $IMAGE: run deploy/image/build.sh first"
# Something already on these ports would be checked instead of the image.
busy=$(ss -Hltun "( sport = :$S2_PORT or sport = :$HZ_PORT or sport = :$BUS_PORT or sport = :$WS_PORT or \
  sport = :$LOBBY_PORT or sport = :$PAIRING_PORT or sport = :$UDP_PORT or sport = :$OPS_PORT )")
[[ -z $busy ]] || die "ports $PORT_BASE..$OPS_PORT are in use (set PORT_BASE):
$busy"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rendezvous-image-check.XXXXXX")
ROOTFS="$WORK/rootfs"
NODE_PID=
cleanup() {
  if [[ -n $NODE_PID ]] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  # The node's /proc and /dev mounts lived in its own mount namespace, gone with it; --one-file-system
  # guards the host's /dev should one ever be visible here.
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
ok() {
  echo "ok   $1"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL $1"
  failed=$((failed + 1))
}
check() { # NAME OUTPUT REGEX
  if grep -Eq "$3" <<<"$2"; then ok "$1"; else
    fail "$1: expected /$3/ in:"
    sed 's/^/     /' <<<"$2"
  fi
}

mkdir -p "$WORK/layout" "$ROOTFS"
tar -xf "$IMAGE" -C "$WORK/layout"
if out=$(python3 "$HERE/image_check.py" layout "$WORK/layout" "$WORK/spec"); then
  ok "OCI layout is consistent"
  sed 's/^/     /' <<<"$out"
else
  fail "OCI layout: $out"
  echo "image-check: $passed passed, $failed failed"
  exit 1
fi
while IFS= read -r layer; do
  tar -xzf "$layer" -C "$ROOTFS" --numeric-owner
done <"$WORK/spec/layers"
# What a container runtime would mount: name servers. Loopback, so nothing leaves the machine.
echo "nameserver 127.0.0.1" >"$ROOTFS/etc/resolv.conf"
user=$(<"$WORK/spec/user")
mapfile -d '' argv <"$WORK/spec/argv"
mapfile -d '' image_env <"$WORK/spec/env"

check "the image holds the jar" "$(ls -l "$ROOTFS$APP_JAR")" "rendezvous.jar$"
check "the image's user $user is in its /etc/passwd" "$(cat "$ROOTFS/etc/passwd")" "^$APP_USER:x:${user%%:*}:"
check "the data directory belongs to that user" "$(stat -c %u "$ROOTFS$DATA_DIR")" "^${user%%:*}$"

# Runs a command of the image inside it, as its user, with the image's environment and the given
# VAR=value overrides. /proc and /dev are mounted in a private mount namespace, so they vanish with
# the process; every step execs, so the caller's $! is the command's own pid.
in_image() { # [VAR=value...] -- ARGV...
  local vars=()
  while [[ $1 != -- ]]; do vars+=("$1"); shift; done
  shift
  # shellcheck disable=SC2016 # expanded by the inner shell
  exec unshare --mount --propagation private -- bash -c \
    'mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" && shift && exec "$@"' _ "$ROOTFS" \
    env -i "${image_env[@]}" "${vars[@]}" "$(command -v chroot)" --userspec="$user" "$ROOTFS" "$@"
}
out=$(in_image -- "$JAVA_DIR/bin/java" -version 2>&1 || true)
check "the image's Java runtime runs in it" "$out" 'version "[0-9]+'

# The image's entrypoint and environment, plus overrides that keep every listener on loopback and
# make it a cluster of one (so Hazelcast and the clustered event bus run in the image's runtime).
overrides=(
  RENDEZVOUS_OPS_HOST=127.0.0.1 "RENDEZVOUS_OPS_PORT=$OPS_PORT"
  RENDEZVOUS_UDP_HOST=127.0.0.1 "RENDEZVOUS_UDP_PORT=$UDP_PORT"
  RENDEZVOUS_REGISTRY_HTTP_HOST=127.0.0.1 "RENDEZVOUS_REGISTRY_HTTP_PORT=$S2_PORT"
  RENDEZVOUS_LOBBY_HOST=127.0.0.1 "RENDEZVOUS_LOBBY_PORT=$LOBBY_PORT"
  RENDEZVOUS_PAIRING_HOST=127.0.0.1 "RENDEZVOUS_PAIRING_PORT=$PAIRING_PORT"
  RENDEZVOUS_WS_HOST=127.0.0.1 "RENDEZVOUS_WS_PORT=$WS_PORT" "PORT=$WS_PORT"
  RENDEZVOUS_CLUSTER_ENABLED=true "RENDEZVOUS_CLUSTER_NAME=image-check-$$" RENDEZVOUS_CLUSTER_HOST=127.0.0.1
  "RENDEZVOUS_CLUSTER_PORT=$HZ_PORT" "RENDEZVOUS_CLUSTER_MEMBERS=127.0.0.1:$HZ_PORT"
  "RENDEZVOUS_CLUSTER_EVENT_BUS_PORT=$BUS_PORT" RENDEZVOUS_CLUSTER_WAIT_BEFORE_JOIN_SECONDS=0
)
in_image "${overrides[@]}" -- "${argv[@]}" >"$WORK/node.log" 2>&1 &
NODE_PID=$!

deadline=$((SECONDS + 120))
until curl -fs -m 2 -o /dev/null "http://127.0.0.1:$OPS_PORT/health/ready"; do
  if ! kill -0 "$NODE_PID" 2>/dev/null || ((SECONDS >= deadline)); then
    fail "the node in the image did not get ready; its log:"
    sed 's/^/     /' "$WORK/node.log"
    echo "image-check: $passed passed, $failed failed"
    exit 1
  fi
  sleep 0.5
done
ok "the node started from the image's entrypoint is ready"
check "it runs the image's Java runtime" "$(readlink "/proc/$NODE_PID/exe")" "^$ROOTFS$JAVA_DIR/bin/java$"
check "it runs chrooted into the image" "$(readlink "/proc/$NODE_PID/root")" "^$ROOTFS$"
check "it runs as the image's user" "$(awk '/^Uid:/ {print $2}' "/proc/$NODE_PID/status")" "^${user%%:*}$"
check "it is a clustered node" "$(curl -fs "http://127.0.0.1:$OPS_PORT/api/cluster")" '"clustered":true.*"ready":true'
# The image's jar carries Netty's native library; a node that could not load it would run on the JDK's NIO.
check "its sockets use a native transport" "$(curl -fs "http://127.0.0.1:$OPS_PORT/api/cluster")" '"transport":"(epoll|io_uring)"'
out=$(python3 "$HERE/image_check.py" stun 127.0.0.1 "$UDP_PORT" 2>&1 || true)
check "a STUN Binding request gets our own address back" "$out" '^XOR-MAPPED-ADDRESS 127\.0\.0\.1:[0-9]+$'
out=$(curl -s -H 'content-type: application/json' -d '{"peer_id":"image-check","username":"check","port":4242}' \
  "http://127.0.0.1:$S2_PORT/register")
check "S2 POST /register answers" "$out" '"status":"success"'
out=$(curl -s "http://127.0.0.1:$S2_PORT/peer/image-check")
check "S2 GET /peer/{id} returns it" "$out" '"ip":"127\.0\.0\.1","port":4242'
check "ops /metrics answers" "$(curl -fs "http://127.0.0.1:$OPS_PORT/metrics")" '^rendezvous_'
listening=$(ss -Hltun "( sport = :$LOBBY_PORT or sport = :$PAIRING_PORT or sport = :$WS_PORT )")
check "S4 lobby listens on UDP $LOBBY_PORT" "$listening" "^udp .*127\.0\.0\.1\]?:$LOBBY_PORT "
check "S1 pairing listens on UDP and TCP $PAIRING_PORT" "$(grep -c ":$PAIRING_PORT " <<<"$listening")" '^2$'
check "S3 WebSocket signaling listens on TCP $WS_PORT" "$listening" "^tcp .*127\.0\.0\.1\]?:$WS_PORT "

kill -TERM "$NODE_PID"
rc=0
for _ in $(seq 1 450); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$NODE_PID" 2>/dev/null; then
  fail "the node did not exit within 45 s of SIGTERM"
else
  wait "$NODE_PID" || rc=$?
  NODE_PID=
  check "SIGTERM stops it cleanly" "$(cat "$WORK/node.log")" 'stopped cleanly'
  check "and it exits 0" "$rc" '^0$'
  check "the SQLite file on the data volume belongs to the image's user" \
    "$(stat -c %u "$ROOTFS$DATA_DIR/rendezvous.db" 2>&1)" "^${user%%:*}$"
  check "the registered peer is in it" "$(cat "$ROOTFS$DATA_DIR"/rendezvous.db* | grep -ac image-check)" '^[1-9]' 
fi

if grep -q -E ' (WARNING|SEVERE) ' "$WORK/node.log"; then
  echo "the node's warnings:"
  grep -E ' (WARNING|SEVERE) ' "$WORK/node.log" | cut -c1-300 | sed 's/^/     /'
fi
echo "image-check: $passed passed, $failed failed"
((failed == 0))
