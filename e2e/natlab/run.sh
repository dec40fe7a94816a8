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

# pair: a is the initiator naming b's public IP, b the receiver; each sends one line
pair_case() { # expectation direct|none, udp|tcp
  local expect=$1 proto=$2 flag="" ra=0 rb=0 t0 elapsed
  [ "$proto" = tcp ] && flag=--tcp
  t0=$(ms)
  (sleep 6; echo "line from a") | cli a pair "$SERVER" "uuid-$proto-$expect" --initiator "$NAT_B" $flag --timeout 10s --linger 3s \
    >"$WORK/pair-a.out" 2>"$WORK/pair-a.err" &
  local pa=$!
  sleep 1.5
  (sleep 4; echo "line from b") | cli b pair "$SERVER" "uuid-$proto-$expect" $flag --timeout 10s --linger 4s \
    >"$WORK/pair-b.out" 2>"$WORK/pair-b.err" || rb=$?
  wait "$pa" || ra=$?
  elapsed=$(( $(ms) - t0 ))
  if [ "$expect" = direct ]; then
    if [ $ra = 0 ] && [ $rb = 0 ] \
      && grep -q "^connected directly to $NAT_B:[0-9]* ($proto)" "$WORK/pair-a.out" \
      && grep -q "^connected directly to $NAT_A:[0-9]* ($proto)" "$WORK/pair-b.out" \
      && grep -q "^peer: line from b" "$WORK/pair-a.out" && grep -q "^peer: line from a" "$WORK/pair-b.out"; then
      ok "pair $proto cone/cone: direct path between the two NAT addresses, lines both ways ($(connect_ms pair-b) to connect)"
    else
      bad "pair $proto cone/cone (exit a=$ra b=$rb)"; tail -n +1 "$WORK"/pair-*.out "$WORK"/pair-*.err
    fi
  else
    if [ $ra = 3 ] && [ $rb = 3 ] && grep -q "^no direct path: " "$WORK/pair-a.out" \
      && grep -q "^no direct path: " "$WORK/pair-b.out" && [ "$elapsed" -lt 60000 ]; then
      ok "pair $proto symmetric: both fail cleanly in $elapsed ms: $(grep '^no direct path' "$WORK/pair-b.out" | cut -c1-100)..."
    else
      bad "pair $proto symmetric (exit a=$ra b=$rb, $elapsed ms)"; tail -n +1 "$WORK"/pair-*.out "$WORK"/pair-*.err
    fi
  fi
}

# lobby: a hosts and starts once b has joined; each must greet the other directly
lobby_case() { # expectation direct|none
  local expect=$1 ra=0 rb=0 t0 elapsed
  t0=$(ms)
  cli a lobby "$SERVER" host "game$expect" alice --players 2 --timeout 25s >"$WORK/lobby-a.out" 2>"$WORK/lobby-a.err" &
  local pa=$!
  sleep 1
  cli b lobby "$SERVER" join "game$expect" bob --timeout 25s >"$WORK/lobby-b.out" 2>"$WORK/lobby-b.err" || rb=$?
  wait "$pa" || ra=$?
  elapsed=$(( $(ms) - t0 ))
  if [ "$expect" = direct ]; then
    if [ $ra = 0 ] && [ $rb = 0 ] \
      && grep -q "^connected directly to bob at $NAT_B:" "$WORK/lobby-a.out" \
      && grep -q "^connected directly to alice at $NAT_A:" "$WORK/lobby-b.out"; then
      ok "lobby cone/cone: host and player greet each other directly ($(connect_ms lobby-b) to connect)"
    else
      bad "lobby cone/cone (exit a=$ra b=$rb)"; tail -n +1 "$WORK"/lobby-*.out "$WORK"/lobby-*.err
    fi
  else
    if [ $ra = 3 ] && [ $rb = 3 ] && grep -q "^no direct path" "$WORK/lobby-b.out" && [ "$elapsed" -lt 60000 ]; then
      ok "lobby symmetric: both fail cleanly in $elapsed ms: $(grep '^no direct path' "$WORK/lobby-b.out" | cut -c1-100)..."
    else
      bad "lobby symmetric (exit a=$ra b=$rb, $elapsed ms)"; tail -n +1 "$WORK"/lobby-*.out "$WORK"/lobby-*.err
    fi
  fi
}

connect_ms() { grep -o 'after [0-9]* ms' "$WORK/$1.out" | head -1 | cut -d' ' -f2 | sed 's/$/ ms/'; }

echo "== cone / cone"
"$LAB" up cone cone
start_server
chat_case direct
pair_case direct udp
pair_case direct tcp
lobby_case direct
stop_server
"$LAB" down >/dev/null

echo "== symmetric / symmetric"
"$LAB" up symmetric symmetric
start_server
chat_case none
pair_case none udp
pair_case none tcp
lobby_case none
stop_server
"$LAB" down >/dev/null

echo "natlab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
