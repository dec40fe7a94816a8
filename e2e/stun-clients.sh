#!/usr/bin/env bash
# Independent STUN clients we did not write get a correct mapped address from a running node:
# coturn's turnutils_stunclient and Debian's stun (stun-client). Needs node/target/rendezvous.jar
# (built by the README's test command) and the two packages (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=node/target/rendezvous.jar
[ -f "$JAR" ] || { echo "missing $JAR: run the build first" >&2; exit 1; }
for tool in turnutils_stunclient stun curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install coturn stun-client curl)" >&2; exit 1; }
done

WORK=$(mktemp -d)
UDP_PORT=${UDP_PORT:-23478}
OPS_PORT=${OPS_PORT:-28080}
HTTP_PORT=${HTTP_PORT:-28000}
NODE_PID=
cleanup() {
  [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

java \
  -Drendezvous.udp.host=127.0.0.1 -Drendezvous.udp.port="$UDP_PORT" \
  -Drendezvous.ops.host=127.0.0.1 -Drendezvous.ops.port="$OPS_PORT" \
  -Drendezvous.registry.httpHost=127.0.0.1 -Drendezvous.registry.httpPort="$HTTP_PORT" \
  -Drendezvous.registry.dbPath="$WORK/rendezvous.db" -jar "$JAR" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$OPS_PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$WORK/node.log"; echo "node died" >&2; exit 1; }
  sleep 0.2
done
curl -fs "http://127.0.0.1:$OPS_PORT/health/ready" >/dev/null || { cat "$WORK/node.log"; echo "node not ready" >&2; exit 1; }

passed=0
failed=0
check() { # name, command output, expected regex
  if grep -Eq "$3" <<<"$2"; then
    echo "ok   $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1: expected /$3/ in:"
    sed 's/^/     /' <<<"$2"
    failed=$((failed + 1))
  fi
}

out=$(timeout 20 turnutils_stunclient -p "$UDP_PORT" 127.0.0.1 2>&1 || true)
check "turnutils_stunclient gets its reflexive address" "$out" 'UDP reflexive addr: 127\.0\.0\.1:[0-9]+'

SRC_PORT=$((UDP_PORT + 1000))
out=$(timeout 30 stun -v "127.0.0.1:$UDP_PORT" -p "$SRC_PORT" 2>&1 || true)
check "stun (stun-client) gets MappedAddress = its own source address" "$out" "MappedAddress = 127\.0\.0\.1:$SRC_PORT\$"
if grep -q "problem parsing" <<<"$out"; then
  echo "FAIL stun (stun-client) reported an attribute it could not parse"; failed=$((failed + 1))
else
  echo "ok   stun (stun-client) parses every response attribute"; passed=$((passed + 1))
fi

metrics=$(curl -fs "http://127.0.0.1:$OPS_PORT/metrics")
check "the node counted the successful bindings" "$metrics" 'rendezvous_stun_responses_total\{port="3478",kind="success"\} [1-9][0-9]*'

echo "stun-clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
