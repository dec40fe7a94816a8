#!/usr/bin/env python3
"""Helpers of check.sh: reads and verifies an OCI image layout, and sends one STUN Binding request.

  image_check.py layout LAYOUT_DIR SPEC_DIR  verify every digest, size and diff_id; write what
                                             check.sh needs to run the image into SPEC_DIR
  image_check.py stun HOST PORT              exit 0 when the XOR-MAPPED-ADDRESS is our own address
"""
import gzip
import hashlib
import json
import os
import secrets
import socket
import struct
import sys

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


class Failure(Exception):
    pass


def sha256_of(path, opener=open):
    h = hashlib.sha256()
    with opener(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def blob(layout, descriptor, media_type):
    """The path of a descriptor's blob, after checking its media type, size and digest."""
    if descriptor.get("mediaType") != media_type:
        raise Failure(f"media type {descriptor.get('mediaType')!r}, expected {media_type}")
    algo, _, hexdigest = descriptor["digest"].partition(":")
    if algo != "sha256":
        raise Failure(f"digest algorithm {algo}")
    path = os.path.join(layout, "blobs", "sha256", hexdigest)
    if os.path.getsize(path) != descriptor["size"]:
        raise Failure(f"{descriptor['digest']}: size {os.path.getsize(path)}, descriptor says {descriptor['size']}")
    if sha256_of(path) != hexdigest:
        raise Failure(f"{descriptor['digest']}: content does not match its digest")
    return path


def layout(layout_dir, spec_dir):
    def load(path):
        with open(path) as f:
            return json.load(f)

    if load(os.path.join(layout_dir, "oci-layout")) != {"imageLayoutVersion": "1.0.0"}:
        raise Failure("oci-layout is not version 1.0.0")
    index = load(os.path.join(layout_dir, "index.json"))
    if index.get("schemaVersion") != 2 or len(index.get("manifests", [])) != 1:
        raise Failure("index.json must hold exactly one manifest")
    entry = index["manifests"][0]
    manifest = load(blob(layout_dir, entry, MANIFEST))
    config = load(blob(layout_dir, manifest["config"], CONFIG))
    layers = [blob(layout_dir, d, LAYER) for d in manifest["layers"]]
    print(f"ok   index -> manifest -> config and {len(layers)} layers: every size and sha256 matches")
    diff_ids = config["rootfs"]["diff_ids"]
    if len(diff_ids) != len(layers):
        raise Failure("config lists a different number of diff_ids than the manifest has layers")
    for path, diff_id in zip(layers, diff_ids):
        if "sha256:" + sha256_of(path, gzip.open) != diff_id:
            raise Failure(f"uncompressed layer {os.path.basename(path)} does not match diff_id {diff_id}")
    print("ok   every uncompressed layer matches its diff_id")
    docker = load(os.path.join(layout_dir, "manifest.json"))
    ref = entry["annotations"]["org.opencontainers.image.ref.name"]
    if (len(docker) != 1 or docker[0]["Config"] != "blobs/sha256/" + manifest["config"]["digest"][7:]
            or [os.path.join(layout_dir, p) for p in docker[0]["Layers"]] != layers
            or not any(tag.endswith(":" + ref) for tag in docker[0]["RepoTags"])):
        raise Failure("manifest.json (docker load) disagrees with the OCI index")
    print(f"ok   manifest.json (docker load) names the same config and layers, tag {docker[0]['RepoTags'][0]}")

    c = config["config"]
    if config.get("os") != "linux":
        raise Failure("config os is not linux")
    uid = c.get("User", "0").split(":")[0]
    if not uid.isdigit() or int(uid) == 0:
        raise Failure(f"image user {c.get('User')!r} is not a numeric non-root uid")
    os.makedirs(spec_dir, exist_ok=True)
    with open(os.path.join(spec_dir, "layers"), "w") as f:
        f.writelines(p + "\n" for p in layers)
    with open(os.path.join(spec_dir, "user"), "w") as f:
        f.write(c["User"])
    with open(os.path.join(spec_dir, "argv"), "wb") as f:
        f.write(b"".join(a.encode() + b"\0" for a in c["Entrypoint"] + c.get("Cmd", [])))
    with open(os.path.join(spec_dir, "env"), "wb") as f:
        f.write(b"".join(a.encode() + b"\0" for a in c.get("Env", [])))


def stun(host, port):
    txid = secrets.token_bytes(12)
    request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + txid
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.bind(("127.0.0.1", 0))
        own = s.getsockname()
        for _ in range(3):  # UDP: a lost datagram gets a retry, bounded
            s.sendto(request, (host, port))
            try:
                data, _ = s.recvfrom(2048)
                break
            except socket.timeout:
                continue
        else:
            raise Failure(f"no STUN answer from {host}:{port}")
    kind, length, cookie = struct.unpack("!HHI", data[:8])
    if kind != 0x0101 or cookie != 0x2112A442 or data[8:20] != txid:
        raise Failure(f"not a Binding success for our transaction: type {kind:#06x}")
    pos = 20
    while pos + 4 <= 20 + length:
        attr, alen = struct.unpack("!HH", data[pos:pos + 4])
        value = data[pos + 4:pos + 4 + alen]
        if attr == 0x0020 and value[1] == 0x01:  # XOR-MAPPED-ADDRESS, IPv4
            mapped_port = struct.unpack("!H", value[2:4])[0] ^ 0x2112
            mapped_ip = socket.inet_ntoa(bytes(b ^ m for b, m in zip(value[4:8], b"\x21\x12\xa4\x42")))
            if (mapped_ip, mapped_port) != own:
                raise Failure(f"XOR-MAPPED-ADDRESS {mapped_ip}:{mapped_port}, we are {own[0]}:{own[1]}")
            print(f"XOR-MAPPED-ADDRESS {mapped_ip}:{mapped_port}")
            return
        pos += 4 + alen + (-alen % 4)
    raise Failure("Binding success without an IPv4 XOR-MAPPED-ADDRESS")


if __name__ == "__main__":
    try:
        if len(sys.argv) == 4 and sys.argv[1] == "layout":
            layout(sys.argv[2], sys.argv[3])
        elif len(sys.argv) == 4 and sys.argv[1] == "stun":
            stun(sys.argv[2], int(sys.argv[3]))
        else:
            sys.exit(__doc__)
    except (Failure, OSError, KeyError, ValueError) as e:
        print(f"FAIL {e}")
        sys.exit(1)
