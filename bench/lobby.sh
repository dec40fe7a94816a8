#!/usr/bin/env bash
# S4 lobby sessions under load: SESSIONS sessions of 4 players, every player pinging every 0.5 s
# (2,000 sessions = 8,000 players = 16,000 pings/s), first on one node, then spread over a 3-node
# local cluster (player j of session s talks to node (s + j) mod 3; a session lives on its host's
# node). Measures server CPU per ping, reply latency p50/p99, lost pings and spurious player timeouts.
# Usage: bench/lobby.sh [SECONDS_MEASURED (default 30)] [SESSIONS (default 2000)] [CLUSTER_SESSIONS (default
# SESSIONS; a comma-separated list runs each in turn on the same cluster)]
# Writes bench/results/lobby.md and prints it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${1:-30}
SESSIONS=${2:-2000}
CLUSTER_SESSIONS=${3:-$SESSIONS}
PLAYERS=4
RAMP=20   # the sessions open over this many seconds (all at once would be a join storm, not the steady state)
WARMUP=30 # after every player is in: the JIT compilers of 3 JVMs on 2 cores are busy for about a minute
COMMAND="bench/lobby.sh${1:+ $1}${2:+ $2}${3:+ $3}"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 && $DURATION -le 600 ]] || { echo "duration must be 1..600 seconds" >&2; exit 2; }
for n in $SESSIONS ${CLUSTER_SESSIONS//,/ }; do
  [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 4000 ]] || { echo "sessions must be 1..4000" >&2; exit 2; }
done

# Issue 3's port range, loopback only; node i of the cluster uses index i (the single node index 0).
LOBBY_PORTS=(23775 23776 23777)
OPS_PORTS=(23080 23081 23082)
STUN_PORTS=(23478 23479 23480)
S2_PORTS=(23000 23001 23002)
PAIRING_PORTS=(23770 23771 23772)
WS_PORTS=(23765 23766 23767)
HZ_PORTS=(23701 23702 23703)

require_free_lobby_ports() {
  local udp tcp busy
  udp=$(printf 'sport = :%s or ' "${LOBBY_PORTS[@]}" "${STUN_PORTS[@]}" "${PAIRING_PORTS[@]}")
  tcp=$(printf 'sport = :%s or ' "${OPS_PORTS[@]}" "${S2_PORTS[@]}" "${PAIRING_PORTS[@]}" "${WS_PORTS[@]}" "${HZ_PORTS[@]}")
  busy=$(ss -Hlun "( ${udp% or } )"; ss -Hltn "( ${tcp% or } )")
  if [[ -n $busy ]]; then
    echo "bench ports already in use:" >&2
    echo "$busy" >&2
    return 1
  fi
}

# write_lobby_config FILE INDEX [CLUSTER_JSON]: every listener of node INDEX on its bench port.
write_lobby_config() {
  local i=$2 cluster=""
  [[ -n ${3:-} ]] && cluster=",
 \"cluster\":$3"
  cat >"$1" <<JSON
{"ops":{"host":"127.0.0.1","port":${OPS_PORTS[$i]}},
 "udp":{"host":"127.0.0.1","port":${STUN_PORTS[$i]}},
 "lobby":{"host":"127.0.0.1","port":${LOBBY_PORTS[$i]},$LIFTED_RATE_LIMIT},
 "pairing":{"host":"127.0.0.1","port":${PAIRING_PORTS[$i]}},
 "ws":{"host":"127.0.0.1","port":${WS_PORTS[$i]}},
 "registry":{"dbPath":"$DIR/node$i.db","httpHost":"127.0.0.1","httpPort":${S2_PORTS[$i]}}$cluster}
JSON
}

# Starts node INDEX from its config; lib.sh's start_node waits on the globals OPS_PORT and UDP_PORT.
start_lobby_node() {
  OPS_PORT=${OPS_PORTS[$1]}
  UDP_PORT=${STUN_PORTS[$1]}
  start_node "$DIR/node$1.json" "$DIR/node$1.log"
}

udp_rcvbuf_errors() {
  awk '/^Udp:/ { n++; if (n == 2) print $6 }' /proc/net/snmp
}

# run_load LABEL SESSIONS PREFIX PORTS PIDS OPS: the generator's JSON line, with the kernel's UDP drops during
# it appended. Each run on one cluster gets its own session-name prefix.
run_load() {
  local before after out
  before=$(udp_rcvbuf_errors)
  out=$(generator LobbyLoad --label "$1" --sessions "$2" --prefix "$3" --ports "$4" --server-pids "$5" --ops-ports "$6" \
    --clk-tck "$CLK_TCK" --players "$PLAYERS" --interval-ms 500 --ramp "$RAMP" --warmup "$WARMUP" --duration "$DURATION")
  after=$(udp_rcvbuf_errors)
  echo "${out%\}},\"kernelUdpDrops\":$((after - before))}"
}

require_free_lobby_ports
DIR="$WORK/lobby"
rm -rf "$DIR" && mkdir -p "$DIR" "$RESULTS"
build
# Run copies: a build elsewhere in the tree must not swap the jars under a running measurement.
cp "$NODE_JAR" "$DIR/rendezvous.jar" && NODE_JAR="$DIR/rendezvous.jar"
cp "$BENCH_JAR" "$DIR/rendezvous-bench.jar" && BENCH_JAR="$DIR/rendezvous-bench.jar"
ulimit -n "$(ulimit -Hn)" # one socket per player

# One node.
write_lobby_config "$DIR/node0.json" 0
start_lobby_node 0
SINGLE=$(run_load single "$SESSIONS" A "${LOBBY_PORTS[0]}" "$NODE_PID" "${OPS_PORTS[0]}")
echo "$SINGLE" >&2
stop_started

# Three nodes, one Hazelcast cluster on loopback.
MEMBERS=$(printf '"127.0.0.1:%s",' "${HZ_PORTS[@]}")
PIDS=()
for i in 0 1 2; do
  write_lobby_config "$DIR/node$i.json" "$i" "{\"enabled\":true,\"name\":\"bench-lobby-$$\",\"host\":\"127.0.0.1\",\"port\":${HZ_PORTS[$i]},\"members\":[${MEMBERS%,}],\"eventBusPort\":0,\"waitBeforeJoinSeconds\":0,\"heartbeatSeconds\":1,\"maxNoHeartbeatSeconds\":10}"
  start_lobby_node "$i"
  PIDS+=("$NODE_PID")
done
for ((t = 0; t < 300; t++)); do
  [[ $(curl -sf "http://127.0.0.1:${OPS_PORTS[0]}/api/cluster" | grep -o '"node":' | wc -l) -ge 3 ]] && break
  sleep 0.2
done
CLUSTER=()
PREFIXES=(B C D E F G)
k=0
for n in ${CLUSTER_SESSIONS//,/ }; do
  CLUSTER+=("$(run_load "cluster-$n" "$n" "${PREFIXES[$k]}" "$(IFS=,; echo "${LOBBY_PORTS[*]}")" "$(IFS=,; echo "${PIDS[*]}")" \
    "$(IFS=,; echo "${OPS_PORTS[*]}")")")
  echo "${CLUSTER[$k]}" >&2
  k=$((k + 1))
  sleep 8 # the previous run's players time out (5 s) and their sessions end before the next run
done
stop_started

row() {
  local out=$1
  echo "| $2 | $(field "$out" sessions) | $(( $(field "$out" players) * 2 )) | $(field "$out" playersIn) of $(field "$out" players) | $(field "$out" joinedAfterMs) ms | $(field "$out" pingsSent) | $(field "$out" repliesPerSecond | cut -d. -f1) | $(field "$out" lost) | $(field "$out" latencyP50Ms) | $(field "$out" latencyP99Ms) | $(field "$out" latencyP999Ms) | $(field "$out" latencyMaxMs) | $(field "$out" serverCpuPercent) | $(field "$out" serverCpuMicrosPerPing) | $(field "$out" playersToldTimeout) | $(field "$out" serverPlayerTimeouts) | $(field "$out" wrongPort) | $(field "$out" kernelUdpDrops) | $(field "$out" errors) |"
}
verdict() {
  local out=$1
  if [[ $(field "$out" playersIn) != "$(field "$out" players)" ]]; then
    echo "**not every player got in**"
  elif [[ $(field "$out" playersToldTimeout) != 0 || $(field "$out" serverPlayerTimeouts) != 0 ]]; then
    echo "**spurious player timeouts**"
  elif [[ $(field "$out" lost) != 0 ]]; then
    echo "zero spurious player timeouts, but **$(field "$out" lost) pings lost**"
  else
    echo "every ping answered, zero spurious player timeouts"
  fi
}

{
  echo "# S4 lobby sessions: $SESSIONS sessions × $PLAYERS players pinging every 0.5 s"
  echo
  echo "Command: \`$COMMAND\` (from the repository root)"
  echo
  echo "\`LobbyLoad\`: one UDP socket per player, one generator thread. Each player behaves like the Godot"
  echo "client: the host resends \`h\` and the others \`c\` every 0.5 s until they get \`i:\`, then every player"
  echo "pings every 0.5 s, the players' turns spread evenly over the 0.5 s (sessions × 4 × 2 pings/s). The"
  echo "sessions open one after another over ${RAMP} s; once every player is in, ${WARMUP} s warm-up, then ${DURATION} s measured."
  echo "Player j of session s talks to node (s + j) mod N, so on 3 nodes three of every four players of a"
  echo "session talk to a node that does not own it: their pings cross the event bus to the owner and the"
  echo "reply comes back to their own node, which sends it from its socket."
  echo
  echo "Latency: from the ping's send to the generator reading the \`i:\` reply; it includes the generator's own"
  echo "queueing (generator and nodes share the machine's 2 cores). Lost: pings still unanswered at the player's"
  echo "next turn. Server CPU: utime + stime of all node processes over the measured window (/proc/PID/stat;"
  echo "100 % = one core), divided by the replies. Player timeouts: players told \`error:player_timeout\` at any"
  echo "time (client view) and the nodes' \`rendezvous_lobby_timeouts_total{kind=\"player\"}\` from the start to the"
  echo "end of the measured window (server view); both must be 0, since every player pings on time. Kernel UDP drops:"
  echo "RcvbufErrors from /proc/net/snmp during the whole run, join phase included (all sockets of the machine)."
  echo "Errors: replies other than \`i:\` by text; \`error:session_full\` answers a \`c\` resent by a player whose"
  echo "first \`c\` already filled the session (the spec checks \"full\" before \"same player\"), during the join only."
  echo
  echo "| run | sessions | target pings/s | players in | all in after | pings sent | replies/s | lost | p50 ms | p99 ms | p99.9 ms | max ms | server CPU % | server CPU µs per ping | players told timeout | server player timeouts | replies from wrong port | kernel UDP drops | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  row "$SINGLE" "1 node"
  for out in "${CLUSTER[@]}"; do
    row "$out" "3-node cluster"
  done
  echo
  echo "- 1 node, $SESSIONS sessions: $(verdict "$SINGLE")."
  for out in "${CLUSTER[@]}"; do
    echo "- 3-node cluster, $(field "$out" sessions) sessions: $(verdict "$out")."
  done
  echo
  echo "$RATE_LIMIT_NOTE"
  echo
  echo "Nodes: \`java -jar rendezvous.jar --config nodeN.json\` (a copy of node/target/rendezvous.jar, default JVM"
  echo "flags); the cluster's config adds a \`cluster\` section (tcp-ip members 127.0.0.1:${HZ_PORTS[0]}..${HZ_PORTS[2]})."
  echo "Node 0's cluster config:"
  echo "\`$(tr -d '\n' <"$DIR/node0.json" | sed "s|$ROOT/||g")\`"
  echo
  echo "Machine:"
  machine_facts
} | tee "$RESULTS/lobby.md"
