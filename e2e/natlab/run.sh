#!/usr/bin/env bash
# Hole punching through real NATs: a Rendezvous node in the lab's public namespace, our CLI in two
# clients behind two NATs. Cone/cone must connect directly (and the peers must see each other's
# NAT address, proving the path does not go through the server); symmetric NATs must fail cleanly
# within a bounded time. Needs root, nftables, the two jars (README test command builds them).
set -euo pipefail
cd "$(dirname "$0")/../.."
LAB=e2e/natlab/natlab.sh
NODE_JAR=$PWD/node/target/rendezvous.jar
CLI_JAR=$PWD/client/target/rendezvous-client.jar
for f in "$NODE_JAR" "$CLI_JAR"; do [ -f "$f" ] || { echo "missing $f: build first" >&2; exit 1; }; done
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { kill "$SERVER_PID" 2>/dev/null || true; "$LAB" down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

SERVER=203.0.113.1
NAT_A=198.51.100.2
NAT_B=192.0.2.2
passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
ms() { date +%s%3N; }

start_server() {
  rm -f "$WORK/server.db"*
  "$LAB" exec pub java -Drendezvous.registry.dbPath="$WORK/server.db" -jar "$NODE_JAR" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    "$LAB" exec pub curl -fs "http://127.0.0.1:8080/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$WORK/server.log"; echo "server did not become ready" >&2; exit 1
}

cli() { # host, args...: runs the CLI inside a client namespace
  local host=$1; shift
  "$LAB" exec "$host" java -jar "$CLI_JAR" "$@"
}

# chat: a waits, b connects; each sends one line and must print the other's
chat_case() { # expectation: direct | none
  local expect=$1 t0 ra=0 rb=0
  t0=$(ms)
  (sleep 12; echo "hello from a") | cli a chat --server "http://$SERVER:8000" --username alice --peer-id "alice-$expect" \
    --timeout 10s --linger 4s >"$WORK/chat-a.out" 2>"$WORK/chat-a.err" &
  local pa=$!
  sleep 1
  (sleep 8; echo "hello from b") | cli b chat --server "http://$SERVER:8000" --username bob --connect "alice-$expect" \
    --timeout 10s --linger 6s >"$WORK/chat-b.out" 2>"$WORK/chat-b.err" || rb=$?
  wait "$pa" || ra=$?
  local elapsed=$(( $(ms) - t0 ))
  if [ "$expect" = direct ]; then
    if [ $ra = 0 ] && [ $rb = 0 ] \
      && grep -q "^connected directly to $NAT_B:" "$WORK/chat-a.out" \
      && grep -q "^connected directly to $NAT_A:" "$WORK/chat-b.out" \
      && grep -q "hello from b" "$WORK/chat-a.out" && grep -q "hello from a" "$WORK/chat-b.out"; then
      ok "chat cone/cone: direct path between the two NAT addresses, messages both ways ($(connect_ms chat-b) to connect)"
    else
      bad "chat cone/cone (exit a=$ra b=$rb)"; tail -n +1 "$WORK"/chat-*.out "$WORK"/chat-*.err
    fi
  else
    if [ $rb = 3 ] && grep -q "^no direct path: " "$WORK/chat-b.out" && [ "$elapsed" -lt 40000 ]; then
      ok "chat symmetric: fails cleanly in $elapsed ms: $(grep '^no direct path' "$WORK/chat-b.out" | cut -c1-110)..."
    else
      bad "chat symmetric (exit a=$ra b=$rb, $elapsed ms)"; tail -n +1 "$WORK"/chat-*.out "$WORK"/chat-*.err
    fi
  fi
}

stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }

connect_ms() { grep -o 'after [0-9]* ms' "$WORK/$1.out" | head -1 | cut -d' ' -f2 | sed 's/$/ ms/'; }

echo "== cone / cone"
"$LAB" up cone cone
start_server
chat_case direct
stop_server
"$LAB" down >/dev/null

echo "== symmetric / symmetric"
"$LAB" up symmetric symmetric
start_server
chat_case none
stop_server
"$LAB" down >/dev/null

echo "natlab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
