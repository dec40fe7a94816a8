#!/usr/bin/env bash
# A node whose UDP answers come faster than its link carries them: what the kernel cannot take is queued up to a
# bound (1 MiB a socket), the rest dropped and counted, and the node keeps answering. The node runs in a network
# namespace of its own whose loopback is shaped (tc tbf, 80 Mbit/s, a queue deeper than the socket's send buffer,
# so the socket itself fills, as behind a pod's egress limit). A client in the same namespace fills the S0 registry,
# then asks LIST (one 64 KB answer each) 3,000 times at once: 190 MB of answers for a link that carries 10 MB/s.
# Checked: drops are counted; a STUN request right after gets its answer within seconds (an unbounded queue would
# hold it behind the whole backlog); the node stays live. Needs root, iproute2 (ip, tc), python3, curl, the node jar.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_JAR=${NODE_JAR:-$PWD/node/target/rendezvous.jar}
[ -f "$NODE_JAR" ] || { echo "missing $NODE_JAR: build first" >&2; exit 1; }
NS=rz-egress-$$
WORK=$(mktemp -d)
NODE_PID=
cleanup() {
  if [ -n "$NODE_PID" ]; then
    kill "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  # Whatever still runs in the namespace (a node that outlived its parent) goes with it.
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }
passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }

ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns tc qdisc add dev lo root tbf rate 80mbit burst 256kb limit 256mb

# Per-source limits lifted: every datagram comes from 127.0.0.1, and the reply budget would otherwise stop the flood
# long before the link does. Direct memory enough for the whole flood, so an unbounded queue holds it all.
# Not through in_ns: a function run in the background is a subshell, whose pid is not the node's.
ip netns exec "$NS" java -XX:MaxDirectMemorySize=512m -Xmx256m \
  -Drendezvous.registry.dbPath="$WORK/node.db" \
  -Drendezvous.udp.host=127.0.0.1 -Drendezvous.udp.rateLimitPerSecond=1000000 -Drendezvous.udp.rateLimitBurst=1000000 \
  -Drendezvous.udp.replyBudgetBytesPerSecond=1000000000 \
  -jar "$NODE_JAR" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 300); do
  in_ns curl -fs "http://127.0.0.1:8080/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
in_ns curl -fs "http://127.0.0.1:8080/health/ready" >/dev/null || { cat "$WORK/node.log"; echo "node not ready" >&2; exit 1; }

dropped() {
  in_ns curl -fs --max-time 20 "http://127.0.0.1:8080/metrics" \
    | awk '/^rendezvous_udp_send_dropped_total\{listener="udp"\}/ { print $2 }'
}

in_ns python3 - "$WORK/client.out" <<'PY'
import os, socket, struct, sys, time

server = ("127.0.0.1", 3478)
out = open(sys.argv[1], "w")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
for i in range(1200):  # 1,200 names of about 60 bytes: a LIST answer at its 65,507-byte most
    s.sendto(("user-%04d-" % i + "x" * 40).encode(), server)
    if i % 100 == 99:
        time.sleep(0.05)
s.settimeout(2)
deadline = time.time() + 60
size = 0
while time.time() < deadline and size < 60000:
    s.sendto(b"LIST", server)
    try:
        size = len(s.recv(70000))
    except socket.timeout:
        pass
    time.sleep(0.2)
print("list bytes", size, file=out)
if size < 60000:
    sys.exit("the LIST answer never reached 60000 bytes: %d" % size)

flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # never read: its answers pile up in the server's socket
for _ in range(3000):
    flood.sendto(b"LIST", server)
print("flood sent", file=out)

# Right after: a STUN Binding request every 0.5 s until one is answered.
stun = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
stun.settimeout(0.5)
t0 = time.time()
answered = None
while time.time() - t0 < 20 and answered is None:
    tid = os.urandom(12)
    stun.sendto(struct.pack("!HHI", 0x0001, 0, 0x2112A442) + tid, server)
    try:
        while True:
            data = stun.recv(2048)
            if len(data) >= 20 and struct.unpack("!H", data[:2])[0] == 0x0101 and data[8:20] == tid:
                answered = time.time() - t0
                break
    except socket.timeout:
        pass
print("stun answered after", "%.1f" % answered if answered is not None else "never", file=out)
PY
cat "$WORK/client.out"

after=$(grep "stun answered after" "$WORK/client.out" | awk '{print $4}')
# What waits before it: the kernel's send buffer (up to twice net.core.wmem_max) and the 1 MiB queue, under a second
# at 10 MB/s; behind an unbounded queue it would wait for most of the 190 MB.
if [ "$after" != never ] && python3 -c "import sys; sys.exit(0 if float('$after') < 5 else 1)"; then
  ok "a STUN request sent right after 190 MB of LIST answers was answered within $after s"
else
  bad "the STUN request right after the flood was answered: $after (want < 5 s)"
fi
n=$(dropped || true)
if [ -n "$n" ] && [ "$n" -gt 0 ]; then
  ok "answers beyond the 1 MiB queue were dropped and counted: rendezvous_udp_send_dropped_total{listener=\"udp\"} $n"
else
  bad "no drop counted (rendezvous_udp_send_dropped_total: '${n}')"
fi
if in_ns curl -fs --max-time 20 "http://127.0.0.1:8080/health/live" >/dev/null && kill -0 "$NODE_PID" 2>/dev/null \
  && ! grep -q "OutOfDirectMemoryError\|OutOfMemoryError" "$WORK/node.log"; then
  ok "the node is live and ran out of no memory"
else
  bad "the node is not live, or ran out of memory"; tail -50 "$WORK/node.log"
fi

echo "udp-egress: $passed passed, $failed failed"
[ "$failed" = 0 ]
