#!/usr/bin/env bash
# STUN Binding, Rendezvous against coturn, side by side in one run with the same load generator:
# answered bindings per second and server CPU microseconds per binding.
# Usage: bench/stun-binding.sh [SECONDS_MEASURED_PER_RUN (default 10)]
# Writes bench/results/stun-binding.md and prints it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${1:-10}
WARMUP=5
ROUNDS=2
SOCKETS=4
WINDOW=16
COMMAND="bench/stun-binding.sh${1:+ $1}"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 && $DURATION -le 600 ]] || { echo "duration must be 1..600 seconds" >&2; exit 2; }
command -v turnserver >/dev/null || { echo "coturn is missing: apt-get install -y coturn" >&2; exit 1; }

require_free_ports
build
DIR="$WORK/stun-binding"
rm -rf "$DIR" && mkdir -p "$DIR" "$RESULTS"

write_node_config "$DIR/node.json" "$DIR/rendezvous.db" "$LIFTED_RATE_LIMIT"
start_node "$DIR/node.json" "$DIR/node.log"

# coturn as a plain STUN server: UDP on loopback only, no TURN, TLS, DTLS, TCP, CLI or RFC 5780;
# its own throwaway user database (never read for a Binding) instead of the system one.
COTURN_FLAGS=(-n --stun-only -L 127.0.0.1 -p "$COTURN_PORT" --no-tcp --no-tls --no-dtls --no-cli --no-rfc5780
  --userdb "$DIR/coturn-userdb.sqlite" --pidfile "$DIR/coturn.pid" --log-file "$DIR/coturn.log" --simple-log --no-stdout-log)
turnserver "${COTURN_FLAGS[@]}" >"$DIR/coturn.out" 2>&1 &
COTURN_PID=$!
STARTED_PIDS+=("$COTURN_PID")
for ((i = 0; ; i++)); do
  timeout 2 turnutils_stunclient -p "$COTURN_PORT" 127.0.0.1 >/dev/null 2>&1 && break
  kill -0 "$COTURN_PID" 2>/dev/null && ((i < 30)) || { echo "coturn did not answer; see $DIR/coturn.log" >&2; exit 1; }
  sleep 0.5
done
COTURN_VERSION=$(sed -n 's/^Version //p' "$DIR/coturn.log" | head -1)
COTURN_THREADS=$(sed -n 's/.*Total General servers: //p' "$DIR/coturn.log" | head -1)

# measure LABEL PORT PID: one generator run (warm-up, then the measured window) against one server.
ROWS=()
RDV_CPU=()
COTURN_CPU=()
measure() {
  local out
  out=$(generator StunBindingLoad --label "$1" --port "$2" --sockets "$SOCKETS" --window "$WINDOW" \
    --warmup "$WARMUP" --duration "$DURATION" --server-pid "$3" --clk-tck "$CLK_TCK")
  echo "$out" >&2
  ROWS+=("| $1 | $ROUND | $(field "$out" answeredPerSecond | cut -d. -f1) | $(field "$out" serverCpuMicrosPerBinding) | $(field "$out" serverUserMicrosPerBinding) + $(field "$out" serverKernelMicrosPerBinding) | $(field "$out" serverCpuPercent | cut -d. -f1) % | $(field "$out" answered) | $(field "$out" lost) | $(field "$out" rejected) |")
  LAST_CPU=$(field "$out" serverCpuMicrosPerBinding)
}
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  measure Rendezvous "$UDP_PORT" "$NODE_PID"
  RDV_CPU+=("$LAST_CPU")
  measure coturn "$COTURN_PORT" "$COTURN_PID"
  COTURN_CPU+=("$LAST_CPU")
done

mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.3f", s / NR }'; }
RDV_MEAN=$(mean "${RDV_CPU[@]}")
COTURN_MEAN=$(mean "${COTURN_CPU[@]}")
if awk -v r="$RDV_MEAN" -v c="$COTURN_MEAN" 'BEGIN { exit !(r <= c) }'; then VERDICT="met"; else VERDICT="missed"; fi

{
  echo "# STUN Binding: Rendezvous and coturn"
  echo
  echo "Command: \`$COMMAND\` (from the repository root)"
  echo
  echo "Each run: \`StunBindingLoad\` with $SOCKETS UDP sockets × $WINDOW Binding requests in flight (20-byte RFC 5389"
  echo "requests, random transaction ids), ${WARMUP} s warm-up then ${DURATION} s measured. Answered = Binding success"
  echo "responses matching an outstanding transaction id whose XOR-MAPPED-ADDRESS is the sender's address."
  echo "Server CPU = utime (user) + stime (kernel) of the server process, all threads, from /proc/PID/stat at the"
  echo "edges of the measured window, divided by the bindings answered in it; server CPU % = CPU time / wall time"
  echo "(100 % = one core). The generator runs on the same $(nproc)-core machine."
  echo "$RATE_LIMIT_NOTE"
  echo
  echo "| server | round | answered bindings/s | server CPU µs per binding | of which user + kernel | server CPU | answered | lost | rejected |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Mean server CPU per binding: Rendezvous $RDV_MEAN µs, coturn $COTURN_MEAN µs."
  echo "Target (Rendezvous uses no more CPU per binding than coturn): **$VERDICT**."
  echo
  echo "Servers:"
  echo "- Rendezvous: \`java -jar node/target/rendezvous.jar --config node.json\` (default JVM flags), UDP 127.0.0.1:$UDP_PORT, config:"
  echo "  \`$(tr -d '\n' <"$DIR/node.json" | sed "s|$ROOT/||g")\`"
  echo "- coturn $COTURN_VERSION ($COTURN_THREADS UDP server threads): \`turnserver ${COTURN_FLAGS[*]//"$ROOT/"/}\`"
  echo
  echo "Machine:"
  machine_facts
} | tee "$RESULTS/stun-binding.md"
