#!/usr/bin/env bash
# S3 WebSocket call signaling: offer → answer relay through Rendezvous and through the PeerJS
# server (npm "peer", bench/ws-peer) with the same generator and 1,000 connected clients; the same
# load across two clustered nodes; then 20,000 registered clients on one node (RSS, heap, and the
# cost of one online_users broadcast to all of them).
# Usage: bench/ws.sh [SECONDS_MEASURED_PER_RUN (default 10)] [CROWD_CLIENTS (default 20000)]
# Writes bench/results/ws.md and prints it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${1:-10}
CROWD=${2:-20000}
WARMUP=10
CLIENTS=1000
PACED=2500 # exchanges/s over all pairs in the paced runs: 5,000 relayed messages/s
COMMAND="bench/ws.sh${1:+ $1}${2:+ $2}"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 && $DURATION -le 600 ]] || { echo "duration must be 1..600 seconds" >&2; exit 2; }
[[ $CROWD =~ ^[0-9]+$ && $CROWD -ge 2 && $CROWD -le 30000 ]] || { echo "crowd must be 2..30000 clients" >&2; exit 2; }

# This benchmark's own loopback ports (issue 4 → 24xxx), two nodes' worth.
WS_A=24765; WS_B=24767; PEERJS_PORT=24766
OPS_A=24080; OPS_B=24081; UDP_A=24478; UDP_B=24479; S2_A=24000; S2_B=24001
LOBBY_A=24775; LOBBY_B=24776; PAIRING_A=24700; PAIRING_B=24701; HZ_A=24570; HZ_B=24571
ALL_TCP=($WS_A $WS_B $PEERJS_PORT $OPS_A $OPS_B $S2_A $S2_B $PAIRING_A $PAIRING_B $HZ_A $HZ_B)
ALL_UDP=($UDP_A $UDP_B $LOBBY_A $LOBBY_B $PAIRING_A $PAIRING_B)
for p in "${ALL_TCP[@]}"; do
  [[ -z $(ss -Hltn "sport = :$p") ]] || { echo "TCP port $p is in use" >&2; exit 1; }
done
for p in "${ALL_UDP[@]}"; do
  [[ -z $(ss -Hlun "sport = :$p") ]] || { echo "UDP port $p is in use" >&2; exit 1; }
done

# 20,000 clients need 20,000 descriptors in the generator and as many in the node (plus the node's own).
ulimit -Hn 65536 2>/dev/null || true
ulimit -Sn "$(ulimit -Hn)"
FD_LIMIT=$(ulimit -n)
CROWD_ASKED=$CROWD
if ((CROWD > FD_LIMIT - 300)); then
  CROWD=$((FD_LIMIT - 300))
  echo "open files are limited to $FD_LIMIT here: the crowd is $CROWD clients, not $CROWD_ASKED" >&2
fi

build
PEER_DIR="$BENCH_DIR/ws-peer"
if [[ ! -x $PEER_DIR/node_modules/.bin/peerjs ]]; then
  echo "installing the PeerJS server (npm ci in bench/ws-peer)..." >&2
  (cd "$PEER_DIR" && npm ci --no-audit --no-fund) >&2
fi
PEER_VERSION=$(node -p "require('$PEER_DIR/node_modules/peer/package.json').version")
DIR="$WORK/ws"
rm -rf "$DIR" && mkdir -p "$DIR" "$RESULTS"
# Run from copies: a build elsewhere in the tree may replace the jars while this script runs.
cp "$NODE_JAR" "$DIR/rendezvous.jar" && NODE_JAR="$DIR/rendezvous.jar"
cp "$BENCH_JAR" "$DIR/rendezvous-bench.jar" && BENCH_JAR="$DIR/rendezvous-bench.jar"

# node_config FILE SUFFIX(A|B) [CLUSTER_JSON]. The per-connection message budget (ws.messagesPerSecond,
# 200/s by default, a flood guard) is lifted: a closed-loop pair exceeds it, and the relay path itself is measured.
# So is the per-source handshake budget (ws.handshakeRateLimit*): every client connects from 127.0.0.1.
node_config() {
  local ws ops udp s2 lobby pairing
  eval "ws=\$WS_$2 ops=\$OPS_$2 udp=\$UDP_$2 s2=\$S2_$2 lobby=\$LOBBY_$2 pairing=\$PAIRING_$2"
  cat >"$1" <<JSON
{"ops":{"host":"127.0.0.1","port":$ops},
 "udp":{"host":"127.0.0.1","port":$udp},
 "lobby":{"host":"127.0.0.1","port":$lobby},
 "pairing":{"host":"127.0.0.1","port":$pairing},
 "ws":{"host":"127.0.0.1","port":$ws,"maxConnections":40000,"messagesPerSecond":1000000,"messageBurst":1000000,
   "handshakeRateLimitPerSecond":1000000000,"handshakeRateLimitBurst":1000000000}${3:+,$3},
 "registry":{"dbPath":"$DIR/$2.db","httpHost":"127.0.0.1","httpPort":$s2}}
JSON
}

# start_ws_node SUFFIX CONFIG: lib.sh's start_node on this node's ports; sets NODE_PID.
start_ws_node() {
  eval "OPS_PORT=\$OPS_$1 UDP_PORT=\$UDP_$1"
  start_node "$2" "$DIR/node-$1-$(date +%s).log"
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$1" 2>/dev/null || true
}

relay() {
  generator WsRelayLoad --clients "$CLIENTS" --warmup "$WARMUP" --duration "$DURATION" --clk-tck "$CLK_TCK" "$@"
}

# count_syscalls PID FILE: in the background, perf stat counts PID's system calls from 3 s into a relay
# run's measured window until 1 s before its end (the relay connects its clients in well under 3 s), as
# "<seconds> <all calls> <reads> <writes>" in FILE; nothing when perf cannot count them here.
SYSCALL_READS="syscalls:sys_enter_read,syscalls:sys_enter_readv,syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg"
SYSCALL_WRITES="syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg"
SYSCALLS_PID=""
count_syscalls() {
  local seconds=$((DURATION - 4))
  rm -f "$2"
  if ((seconds < 1)) || ! perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
    return 0
  fi
  (
    sleep $((WARMUP + 3))
    perf stat -x, -e "raw_syscalls:sys_enter,$SYSCALL_READS,$SYSCALL_WRITES" -p "$1" -- sleep "$seconds" 2>"$2.perf" >/dev/null || exit 0
    awk -F, -v s="$seconds" -v reads="$SYSCALL_READS" -v writes="$SYSCALL_WRITES" '
      BEGIN { n = split(reads, r, ","); for (i = 1; i <= n; i++) isRead[r[i]] = 1
              n = split(writes, w, ","); for (i = 1; i <= n; i++) isWrite[w[i]] = 1 }
      $3 == "raw_syscalls:sys_enter" { all = $1 }
      isRead[$3] { rd += $1 }
      isWrite[$3] { wr += $1 }
      END { if (all > 0) print s, all, rd + 0, wr + 0 }' "$2.perf" >"$2"
  ) &
  SYSCALLS_PID=$!
}
wait_syscalls() {
  [[ -z $SYSCALLS_PID ]] || wait "$SYSCALLS_PID" || true
  SYSCALLS_PID=""
}
# syscalls_per_message FILE RELAY_OUTPUT: "<all> (<reads> reads, <writes> writes)" per relayed message, or "not counted".
syscalls_per_message() {
  [[ -s $1 ]] || { echo "not counted"; return; }
  awk -v rate="$(field "$2" relayedPerSecond)" '{ m = rate * $1
    printf "%.2f (%.2f reads, %.2f writes)", $2 / m, $3 / m, $4 / m }' "$1"
}

# ---- one node against PeerJS, and the same node on io_uring ----
node_config "$DIR/single.json" A
start_ws_node A "$DIR/single.json"
SINGLE_PID=$NODE_PID
SINGLE_TRANSPORT=$NODE_TRANSPORT
# The same node on io_uring (node.transport, not the default: README says why), on node B's ports, measured in
# the same rounds; each server idles while another is measured.
declare -a U_OUT UP_OUT
URING=no
node_config "$DIR/uring.json" B '"node":{"transport":"io_uring"}'
if start_ws_node B "$DIR/uring.json"; then
  URING=yes
  URING_PID=$NODE_PID
else
  echo "the node did not start on io_uring here: its runs are left out" >&2
fi
node "$PEER_DIR/node_modules/peer/dist/bin/peerjs.js" --host 127.0.0.1 --port "$PEERJS_PORT" \
  --alive_timeout 600000 --concurrent_limit 40000 >"$DIR/peerjs.log" 2>&1 &
PEER_PID=$!
STARTED_PIDS+=("$PEER_PID")
for ((i = 0; i < 100; i++)); do
  [[ -n $(ss -Hltn "sport = :$PEERJS_PORT") ]] && break
  sleep 0.1
done
declare -a R_OUT P_OUT RP_OUT PP_OUT
# Round 1 also counts each server's system calls (perf stat on its process, inside the measured window):
# how far a server's kernel time could shrink depends on how many calls it makes per relayed message.
for round in 1 2; do
  ((round == 1)) && count_syscalls "$SINGLE_PID" "$DIR/syscalls-rendezvous.txt"
  R_OUT[$round]=$(relay --protocol rendezvous --port "$WS_A" --server-pids "$SINGLE_PID" --label "rendezvous-$round")
  echo "${R_OUT[$round]}" >&2
  wait_syscalls
  ((round == 1)) && count_syscalls "$PEER_PID" "$DIR/syscalls-peerjs.txt"
  P_OUT[$round]=$(relay --protocol peerjs --port "$PEERJS_PORT" --server-pids "$PEER_PID" --label "peerjs-$round")
  echo "${P_OUT[$round]}" >&2
  wait_syscalls
  if [[ $URING == yes ]]; then
    U_OUT[$round]=$(relay --protocol rendezvous --port "$WS_B" --server-pids "$URING_PID" --label "rendezvous-io_uring-$round")
    echo "${U_OUT[$round]}" >&2
  fi
done
for round in 1 2; do
  RP_OUT[$round]=$(relay --protocol rendezvous --port "$WS_A" --server-pids "$SINGLE_PID" --exchanges-per-second "$PACED" --label "rendezvous-paced-$round")
  echo "${RP_OUT[$round]}" >&2
  PP_OUT[$round]=$(relay --protocol peerjs --port "$PEERJS_PORT" --server-pids "$PEER_PID" --exchanges-per-second "$PACED" --label "peerjs-paced-$round")
  echo "${PP_OUT[$round]}" >&2
  if [[ $URING == yes ]]; then
    UP_OUT[$round]=$(relay --protocol rendezvous --port "$WS_B" --server-pids "$URING_PID" --exchanges-per-second "$PACED" --label "rendezvous-io_uring-paced-$round")
    echo "${UP_OUT[$round]}" >&2
  fi
done
stop_pid "$PEER_PID"
stop_pid "$SINGLE_PID"
[[ $URING == no ]] || stop_pid "$URING_PID"

# ---- two clustered nodes ----
cluster_json() {
  echo "\"cluster\":{\"enabled\":true,\"name\":\"bench-ws-$$\",\"host\":\"127.0.0.1\",\"port\":$1,\"members\":[\"127.0.0.1:$HZ_A\",\"127.0.0.1:$HZ_B\"],\"eventBusPort\":0,\"waitBeforeJoinSeconds\":0,\"heartbeatSeconds\":1,\"maxNoHeartbeatSeconds\":5}"
}
node_config "$DIR/a.json" A "$(cluster_json $HZ_A)"
node_config "$DIR/b.json" B "$(cluster_json $HZ_B)"
start_ws_node A "$DIR/a.json"
PID_A=$NODE_PID
start_ws_node B "$DIR/b.json"
PID_B=$NODE_PID
for ((i = 0; i < 300; i++)); do
  [[ $(curl -sf "http://127.0.0.1:$OPS_A/api/cluster" | grep -o '"id"' | wc -l) -ge 2 ]] && break
  sleep 0.2
done
SAME_OUT=$(relay --protocol rendezvous --port "$WS_A" --port2 "$WS_A" --server-pids "$PID_A,$PID_B" --label cluster-same-node)
echo "$SAME_OUT" >&2
CROSS_OUT=$(relay --protocol rendezvous --port "$WS_A" --port2 "$WS_B" --server-pids "$PID_A,$PID_B" --label cluster-cross-node)
echo "$CROSS_OUT" >&2
SAME_PACED=$(relay --protocol rendezvous --port "$WS_A" --port2 "$WS_A" --server-pids "$PID_A,$PID_B" --exchanges-per-second "$PACED" --label cluster-same-node-paced)
echo "$SAME_PACED" >&2
CROSS_PACED=$(relay --protocol rendezvous --port "$WS_A" --port2 "$WS_B" --server-pids "$PID_A,$PID_B" --exchanges-per-second "$PACED" --label cluster-cross-node-paced)
echo "$CROSS_PACED" >&2
stop_pid "$PID_B"
stop_pid "$PID_A"

# ---- a crowd on one node ----
node_config "$DIR/crowd.json" A
start_ws_node A "$DIR/crowd.json"
CROWD_PID=$NODE_PID
NODE_FD_LIMIT=$(sed -n 's/^Max open files *\([0-9]*\).*/\1/p' "/proc/$CROWD_PID/limits")
CROWD_OUT=$(generator WsCrowd --port "$WS_A" --server-pid "$CROWD_PID" --clients "$CROWD" --clk-tck "$CLK_TCK" --timeout 1200 || true)
echo "$CROWD_OUT" >&2
stop_pid "$CROWD_PID"

# ---- results ----
num() { field "$1" "$2" | awk '{printf "%.0f", $1}'; }
dec() { field "$1" "$2" | awk '{printf "%.1f", $1}'; }
ms() { field "$1" "$2" | awk '{printf "%.2f", $1 / 1000}'; }
row() {
  echo "| $2 | $(num "$1" relayedPerSecond) | $(dec "$1" serverCpuMicrosPerMessage) | $(dec "$1" serverKernelMicrosPerMessage) | $(ms "$1" p50Micros) | $(ms "$1" p99Micros) | $(ms "$1" p999Micros) | $(ms "$1" roundTripP50Micros) | $(ms "$1" roundTripP99Micros) | $(field "$1" errors) | $(field "$1" lostExchanges) |"
}
# Over a pair of rounds (the name of an array indexed 1 and 2 of generator outputs): mean_of RUNS FIELD, the mean
# of FIELD; worst_p99_ms RUNS, the higher p99 in ms. Against PeerJS: ratio MINE PEERS, third_verdict MINE PEERS.
mean_of() {
  local -n runs=$1
  echo "$(field "${runs[1]}" "$2") $(field "${runs[2]}" "$2")" | awk '{printf "%.1f", ($1 + $2) / 2}'
}
worst_p99_ms() {
  local -n runs=$1
  echo "$(field "${runs[1]}" p99Micros) $(field "${runs[2]}" p99Micros)" | awk '{printf "%.2f", ($1 > $2 ? $1 : $2) / 1000}'
}
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1 / $2}'; }
third_verdict() { echo "$1 $2" | awk '{print ($1 <= $2 / 3) ? "met" : "missed"}'; }
R_CPU=$(mean_of R_OUT serverCpuMicrosPerMessage)
P_CPU=$(mean_of P_OUT serverCpuMicrosPerMessage)
R_KERNEL=$(mean_of R_OUT serverKernelMicrosPerMessage)
P_KERNEL=$(mean_of P_OUT serverKernelMicrosPerMessage)
R_P99=$(worst_p99_ms RP_OUT)
CPU_VERDICT=$(third_verdict "$R_CPU" "$P_CPU")
P99_VERDICT=$(echo "$R_P99" | awk '{print ($1 < 5) ? "met" : "missed"}')
RATIO=$(ratio "$R_CPU" "$P_CPU")
RP_CPU=$(mean_of RP_OUT serverCpuMicrosPerMessage)
PP_CPU=$(mean_of PP_OUT serverCpuMicrosPerMessage)
PACED_VERDICT=$(third_verdict "$RP_CPU" "$PP_CPU")
PACED_RATIO=$(ratio "$RP_CPU" "$PP_CPU")
if [[ $URING == yes ]]; then
  U_CPU=$(mean_of U_OUT serverCpuMicrosPerMessage)
  U_KERNEL=$(mean_of U_OUT serverKernelMicrosPerMessage)
  UP_CPU=$(mean_of UP_OUT serverCpuMicrosPerMessage)
  U_P99=$(worst_p99_ms UP_OUT)
  U_RATIO=$(ratio "$U_CPU" "$P_CPU")
  UP_RATIO=$(ratio "$UP_CPU" "$PP_CPU")
  U_VERDICT=$(third_verdict "$U_CPU" "$P_CPU")
  UP_VERDICT=$(third_verdict "$UP_CPU" "$PP_CPU")
fi

{
  echo "# S3 WebSocket call signaling: relay against PeerJS, two nodes, a crowd"
  echo
  echo "Command: \`$COMMAND\` (from the repository root)"
  echo
  echo "## Relay, one node, side by side with PeerJS"
  echo
  echo "\`WsRelayLoad\`: $CLIENTS WebSocket clients in $((CLIENTS / 2)) caller/callee pairs on one generator thread. Each caller"
  echo "sends an offer (about 1 KB of SDP plus its send time) to its callee, the callee answers at once, the caller"
  echo "sends the next offer when the answer arrives: one exchange in flight per pair. Rendezvous: S3 register,"
  echo "then \`offer\`/\`answer\` with \`target_username\`; PeerJS $PEER_VERSION (\`peerjs --alive_timeout 600000\`): \`OFFER\`/\`ANSWER\`"
  echo "with \`dst\`, the same payload. ${WARMUP} s warm-up, ${DURATION} s measured, rounds alternating. *Latency* is one relayed"
  echo "message, client send → client receive through the server (same clock, one process); *round trip* is offer"
  echo "sent → answer received. *Server CPU* is utime+stime of the server process over the measured window"
  echo "(Rendezvous: the whole node JVM with every surface deployed, JIT and GC included) divided by messages relayed;"
  echo "*of which kernel* is the stime part: socket reads and writes, where a loopback write also delivers the data"
  echo "into the receiving client's socket. The node's sockets use its default transport (\`node.transport\` auto: $SINGLE_TRANSPORT here)."
  echo
  echo "| run | relayed msgs/s | server CPU µs/msg | of which kernel | p50 ms | p99 ms | p99.9 ms | round trip p50 ms | round trip p99 ms | errors | lost |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  row "${R_OUT[1]}" "Rendezvous, round 1"
  row "${P_OUT[1]}" "PeerJS, round 1"
  row "${R_OUT[2]}" "Rendezvous, round 2"
  row "${P_OUT[2]}" "PeerJS, round 2"
  echo
  echo "These are saturation runs: $((CLIENTS / 2)) exchanges always in flight on one generator thread, so latency here is"
  echo "mostly queueing (in flight ÷ throughput), not the server's. Latency at a set load is in the paced table."
  echo
  echo "### Paced: $PACED exchanges/s ($((PACED * 2)) relayed messages/s), the same $CLIENTS clients"
  echo
  echo "| run | relayed msgs/s | server CPU µs/msg | of which kernel | p50 ms | p99 ms | p99.9 ms | round trip p50 ms | round trip p99 ms | errors | lost |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  row "${RP_OUT[1]}" "Rendezvous, round 1"
  row "${PP_OUT[1]}" "PeerJS, round 1"
  row "${RP_OUT[2]}" "Rendezvous, round 2"
  row "${PP_OUT[2]}" "PeerJS, round 2"
  echo
  echo "Mean server CPU per relayed message at saturation (each server as fast as it goes, so at different rates):"
  echo "Rendezvous $R_CPU µs ($R_KERNEL µs of it in the kernel), PeerJS $P_CPU µs ($P_KERNEL µs in the kernel); ratio $RATIO."
  echo "At the same paced load ($((PACED * 2)) relayed messages/s through each): Rendezvous $RP_CPU µs, PeerJS $PP_CPU µs; ratio $PACED_RATIO."
  echo "Target ≤ 1/3 of PeerJS's CPU per message: at saturation **$CPU_VERDICT**, at the same paced load **$PACED_VERDICT**."
  echo "Target p99 < 5 ms on one node (paced, worst round $R_P99 ms): **$P99_VERDICT**."
  echo
  echo "System calls per relayed message (round 1, perf stat on the server process, $((DURATION - 4)) s of the measured"
  echo "window ÷ that run's rate): Rendezvous $(syscalls_per_message "$DIR/syscalls-rendezvous.txt" "${R_OUT[1]}"),"
  echo "PeerJS $(syscalls_per_message "$DIR/syscalls-peerjs.txt" "${P_OUT[1]}"). Waiting for readiness (epoll, as PeerJS's libuv"
  echo "does), one read of the sender's frame and one write of the relayed frame are the fewest a relay can make."
  echo "The target's budget is $(echo "$P_CPU" | awk '{printf "%.1f", $1 / 3}') µs per message in all (a third"
  echo "of PeerJS's $P_CPU µs); Rendezvous's kernel part was $R_KERNEL µs of it."
  echo
  echo "### The same node on io_uring"
  echo
  if [[ $URING == yes ]]; then
    echo "\`\"node\":{\"transport\":\"io_uring\"}\` (not the default: its UDP datagrams are read one per request, see README),"
    echo "a second node process measured in the same rounds as the two servers above (each round: Rendezvous,"
    echo "PeerJS, Rendezvous on io_uring), so PeerJS's figures are those above."
    echo
    echo "| run | relayed msgs/s | server CPU µs/msg | of which kernel | p50 ms | p99 ms | p99.9 ms | round trip p50 ms | round trip p99 ms | errors | lost |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    row "${U_OUT[1]}" "Rendezvous io_uring, round 1"
    row "${U_OUT[2]}" "Rendezvous io_uring, round 2"
    row "${UP_OUT[1]}" "Rendezvous io_uring, paced, round 1"
    row "${UP_OUT[2]}" "Rendezvous io_uring, paced, round 2"
    echo
    echo "At saturation: $U_CPU µs ($U_KERNEL µs in the kernel) against PeerJS's $P_CPU µs, ratio $U_RATIO (≤ 1/3: **$U_VERDICT**)."
    echo "At the same paced load: $UP_CPU µs against $PP_CPU µs, ratio $UP_RATIO (≤ 1/3: **$UP_VERDICT**); paced p99, worst round, $U_P99 ms."
    echo "The node hands its reads and writes to the kernel in batches, many to one io_uring_enter call."
  else
    echo "Not measured: the node did not start with \`node.transport\` io_uring on this machine."
  fi
  echo
  echo "Nodes run with \`$NODE_JVM_FLAGS\`, the collector and fixed heap README \"JVM flags\", deploy/local and the image"
  echo "give a node (perf profiles of this relay: G1's concurrent refinement took about 14% of the node's CPU samples;"
  echo "with a heap left to grow, the kernel clearing newly touched heap pages took 12%)."
  echo
  echo "## Relay across two clustered nodes"
  echo
  echo "Two node processes in one Hazelcast cluster on 127.0.0.1. *Same node*: callers and callees on node A"
  echo "(delivered locally). *Cross node*: callers on A, callees on B, so every message crosses the clustered event"
  echo "bus. Server CPU is both processes together."
  echo
  echo "| run | relayed msgs/s | server CPU µs/msg | of which kernel | p50 ms | p99 ms | p99.9 ms | round trip p50 ms | round trip p99 ms | errors | lost |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  row "$SAME_OUT" "cluster, same node"
  row "$CROSS_OUT" "cluster, cross node"
  row "$SAME_PACED" "cluster, same node, paced $PACED/s"
  row "$CROSS_PACED" "cluster, cross node, paced $PACED/s"
  echo
  echo "Cost of the cluster hop (cross node − same node): $(echo "$(field "$CROSS_OUT" serverCpuMicrosPerMessage) $(field "$SAME_OUT" serverCpuMicrosPerMessage)" | awk '{printf "%.1f", $1 - $2}') µs of server CPU and"
  echo "$(echo "$(field "$CROSS_PACED" p50Micros) $(field "$SAME_PACED" p50Micros)" | awk '{printf "%.2f", ($1 - $2) / 1000}') ms of p50 latency per relayed message (paced runs)."
  echo
  echo "## $CROWD registered clients on one node (asked: $CROWD_ASKED)"
  echo
  echo "\`WsCrowd\`: opens $CROWD WebSockets (500 handshakes at a time) to a fresh single node and registers each under a"
  echo "fixed-width name, reading every frame as it comes (lists over 16 KiB are skipped by length, so the generator"
  echo "can tell how many users a list holds). Then RSS (/proc) and heap (\`jcmd GC.heap_info\`, before and after"
  echo "\`GC.run\`) of the node, then one more client joins and leaves: each time until every client holds the new list."
  echo "File descriptors: generator $FD_LIMIT, node $NODE_FD_LIMIT (asked for $CROWD_ASKED clients; the hard limit of"
  echo "open files here cannot be raised, so the crowd is capped at the limit less 300 for each process's own files)."
  echo
  if [[ -n $CROWD_OUT ]]; then
    echo "| measure | value |"
    echo "|---|---|"
    echo "| clients registered | $(field "$CROWD_OUT" clients) in $(dec "$CROWD_OUT" registerSeconds) s |"
    echo "| every client holds the full list | $(dec "$CROWD_OUT" fullListEverywhereSeconds) s after the first connect (server CPU $(dec "$CROWD_OUT" rampServerCpuSeconds) s) |"
    echo "| node RSS | $(num "$CROWD_OUT" serverRssMiB) MiB |"
    echo "| node heap used / live after GC | $(num "$CROWD_OUT" serverHeapUsedMiB) / $(num "$CROWD_OUT" serverLiveHeapMiB) MiB |"
    echo "| one online_users message | $(field "$CROWD_OUT" listBytes) bytes |"
    echo "| broadcast on a join (to $((CROWD + 1)) sockets) | $(num "$CROWD_OUT" joinBroadcastMillis) ms, server CPU $(num "$CROWD_OUT" joinBroadcastServerCpuMillis) ms, $(field "$CROWD_OUT" joinBroadcastBytes) bytes received |"
    echo "| broadcast on a leave (to $CROWD sockets) | $(num "$CROWD_OUT" leaveBroadcastMillis) ms, server CPU $(num "$CROWD_OUT" leaveBroadcastServerCpuMillis) ms, $(field "$CROWD_OUT" leaveBroadcastBytes) bytes received |"
  else
    echo "**The crowd run did not complete** (see the generator's error above in the script's output)."
  fi
  echo
  echo "Raw generator output:"
  echo
  echo '```'
  for o in "${R_OUT[1]}" "${P_OUT[1]}" "${R_OUT[2]}" "${P_OUT[2]}" "${RP_OUT[1]}" "${PP_OUT[1]}" "${RP_OUT[2]}" \
    "${PP_OUT[2]}" "$SAME_OUT" "$CROSS_OUT" "$SAME_PACED" "$CROSS_PACED" "$CROWD_OUT"; do echo "$o"; done
  echo '```'
  echo
  echo "## Machine"
  echo
  machine_facts
  echo "- node: $(node --version), PeerJS server $PEER_VERSION"
} >"$RESULTS/ws.md"
cat "$RESULTS/ws.md"
