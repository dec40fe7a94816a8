#!/usr/bin/env bash
# S1 UUID pairing: PAIRS pairs arriving at once (2 × PAIRS TCP connections and their UDP probes),
# on one node and across a 3-node local cluster. Per pair: time from the receiver's hello to both
# replies (p50/p99) and pairs per second; target p99 < 100 ms at 1,000 pairs.
# Usage: bench/pairing.sh [PAIRS (default 1000)] [MEASURED_ROUNDS (default 5)]
# Writes bench/results/pairing.md and prints it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PAIRS=${1:-1000}
ROUNDS=${2:-5}
WARMUP_ROUNDS=100
TARGET_P99_MS=100
COMMAND="bench/pairing.sh${1:+ $1}${2:+ $2}"
[[ $PAIRS =~ ^[0-9]+$ && $PAIRS -ge 1 && $PAIRS -le 5000 ]] || { echo "pairs must be 1..5000" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 && $ROUNDS -le 20 ]] || { echo "rounds must be 1..20" >&2; exit 2; }

# Issue 5's port range. Node k of the cluster (1..3) uses BASE + k; the single node uses BASE.
PAIRING_BASE=25700 # TCP and UDP, one number
OPS_BASE=25080
HZ_BASE=25570
BUS_BASE=25170
UDP_BASE=25470
LOBBY_BASE=25770
WS_BASE=25760
HTTP_BASE=25000
ALL_PORTS=()
for k in 0 1 2 3; do
  ALL_PORTS+=($((PAIRING_BASE + k)) $((OPS_BASE + k)) $((HZ_BASE + k)) $((BUS_BASE + k)) $((UDP_BASE + k))
    $((LOBBY_BASE + k)) $((WS_BASE + k)) $((HTTP_BASE + k)))
done

# Fails unless none of the ports this script uses is taken, on TCP or UDP.
require_free_pairing_ports() {
  local filter="" p busy
  for p in "${ALL_PORTS[@]}"; do
    filter+="${filter:+ or }sport = :$p"
  done
  busy=$(ss -Hlun "( $filter )"; ss -Hltn "( $filter )")
  if [[ -n $busy ]]; then
    echo "bench ports already in use:" >&2
    echo "$busy" >&2
    return 1
  fi
}

# write_config FILE K [CLUSTER_JSON]: node K's listeners on the bench ports, loopback only.
write_config() {
  local k=$2
  cat >"$1" <<JSON
{"ops":{"host":"127.0.0.1","port":$((OPS_BASE + k))},
 "pairing":{"host":"127.0.0.1","port":$((PAIRING_BASE + k)),$LIFTED_RATE_LIMIT},
 "udp":{"host":"127.0.0.1","port":$((UDP_BASE + k))},
 "lobby":{"host":"127.0.0.1","port":$((LOBBY_BASE + k))},
 "ws":{"host":"127.0.0.1","port":$((WS_BASE + k))},
 "registry":{"dbPath":"$DIR/node-$k.db","httpHost":"127.0.0.1","httpPort":$((HTTP_BASE + k))}${3:+,
 $3}}
JSON
}

# start_pairing_node K: lib.sh's start_node on node K's ports (it waits on the globals OPS_PORT and UDP_PORT).
start_pairing_node() {
  OPS_PORT=$((OPS_BASE + $1))
  UDP_PORT=$((UDP_BASE + $1))
  start_node "$DIR/node-$1.json" "$DIR/node-$1.log"
  NODE_PIDS[$1]=$NODE_PID
}

cluster_size() {
  curl -sf "http://127.0.0.1:$((OPS_BASE + 1))/api/cluster" | grep -o '"node":' | wc -l
}

require_free_pairing_ports
build
DIR="$WORK/pairing"
rm -rf "$DIR" && mkdir -p "$DIR" "$RESULTS"
LOAD=(--pairs "$PAIRS" --rounds "$ROUNDS" --warmup-rounds "$WARMUP_ROUNDS" --timeout 60 --clk-tck "$CLK_TCK")
NODE_PIDS=()

# single_run LABEL TAG: the load against node 0, its rounds in rounds-TAG.txt; prints the summary (also to stderr).
single_run() {
  local out
  out=$(generator PairingLoad "${LOAD[@]}" --label "$1" --ports "$PAIRING_BASE" --ops-ports "$OPS_BASE" \
    --server-pids "${NODE_PIDS[0]}" 2>"$DIR/rounds-$2.txt") || { cat "$DIR/rounds-$2.txt" >&2; exit 1; }
  cat "$DIR/rounds-$2.txt" >&2
  echo "$out" >&2
  echo "$out"
}

# One node.
write_config "$DIR/node-0.json" 0
start_pairing_node 0
SINGLE=$(single_run "1 node" single)
stop_started

# The same node on io_uring (node.transport; not the default: README says why), on a fresh SQLite file.
write_config "$DIR/node-0.json" 0 '"node":{"transport":"io_uring"}'
rm -f "$DIR/node-0.db"
URING=""
if start_pairing_node 0; then
  URING=$(single_run "1 node on io_uring" single-uring)
else
  echo "the node did not start on io_uring here: its run is left out" >&2
fi
stop_started

# Three nodes in one Hazelcast cluster on 127.0.0.1.
MEMBERS="\"127.0.0.1:$((HZ_BASE + 1))\",\"127.0.0.1:$((HZ_BASE + 2))\",\"127.0.0.1:$((HZ_BASE + 3))\""
for k in 1 2 3; do
  write_config "$DIR/node-$k.json" "$k" "\"cluster\":{\"enabled\":true,\"name\":\"bench-pairing-$$\",\"host\":\"127.0.0.1\",\
\"port\":$((HZ_BASE + k)),\"members\":[$MEMBERS],\"eventBusPort\":$((BUS_BASE + k)),\"waitBeforeJoinSeconds\":0}"
done
for k in 1 2 3; do
  start_pairing_node "$k"
done
for ((i = 0; i < 150; i++)); do
  [[ $(cluster_size) == 3 ]] && break
  sleep 0.2
done
[[ $(cluster_size) == 3 ]] || { echo "the three nodes did not form one cluster" >&2; exit 1; }
CLUSTER=$(generator PairingLoad "${LOAD[@]}" --label "3-node cluster" \
  --ports "$((PAIRING_BASE + 1)),$((PAIRING_BASE + 2)),$((PAIRING_BASE + 3))" \
  --ops-ports "$((OPS_BASE + 1)),$((OPS_BASE + 2)),$((OPS_BASE + 3))" \
  --server-pids "${NODE_PIDS[1]},${NODE_PIDS[2]},${NODE_PIDS[3]}" 2>"$DIR/rounds-cluster.txt") || { cat "$DIR/rounds-cluster.txt" >&2; exit 1; }
cat "$DIR/rounds-cluster.txt" >&2
echo "$CLUSTER" >&2
stop_started

row() {
  local out=$1
  echo "| $(field "$out" label) | $(field "$out" completed) | $(field "$out" wrong) | $(field "$out" missing) | $(field "$out" p50Ms) | $(field "$out" p90Ms) | $(field "$out" p99Ms) | $(field "$out" maxMs) | $(field "$out" worstRoundP99Ms) | $(field "$out" pairsPerSecondMedian | cut -d. -f1) ($(field "$out" pairsPerSecondMin | cut -d. -f1)–$(field "$out" pairsPerSecondMax | cut -d. -f1)) | $(field "$out" initiatorsWaitingAfterMsMedian | cut -d. -f1) ms | $(field "$out" probeP50Ms) / $(field "$out" probeP99Ms) | $(field "$out" serverCpuMicrosPerPair | cut -d. -f1) | $(field "$out" generatorCpuMicrosPerPair | cut -d. -f1) |"
}
# cpu_row JSON: where the CPU went over the measured rounds, the machine's and the nodes' by thread group.
cpu_row() {
  local out=$1 g row
  row="| $(field "$out" label) | $(field "$out" machineUserPercent | cut -d. -f1) | $(field "$out" machineSystemPercent | cut -d. -f1) | $(field "$out" machineIdlePercent | cut -d. -f1) |"
  for g in event_loops acceptor workers Hazelcast JIT GC other; do
    row+=" $(field "$out" "nodeCpuPercent_$g" | cut -d. -f1) |"
  done
  echo "$row"
}
verdict() {
  local out=$1 p99
  p99=$(field "$out" p99Ms)
  if [[ $(field "$out" completed) == $((PAIRS * ROUNDS)) && $p99 != null ]] && awk -v p="$p99" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p < t) }'; then
    echo "met"
  else
    echo "missed"
  fi
}

{
  echo "# S1 pairing: $PAIRS pairs arriving at once"
  echo
  echo "Command: \`$COMMAND\` (from the repository root)"
  echo
  echo "\`PairingLoad\` (bench/src/main/java/org/rendezvous/bench/PairingLoad.java), per round: $PAIRS initiators each"
  echo "send \`ping\` from their own UDP socket to the pairing port and take the \`ip:port\` echo as their address, connect"
  echo "over TCP and send a \`udp\` hello with it; once the nodes' \`rendezvous_pairing_waiting_initiators\` gauges add up"
  echo "to $PAIRS, $PAIRS receivers probe and connect the same way, then one thread writes all $PAIRS receiver hellos back"
  echo "to back while another reads every reply. **Latency** of a pair = from the write of its receiver's hello to"
  echo "the later of its two replies (initiator's and receiver's), each checked byte for byte against the other"
  echo "side's probed address. **Pairs/s** = pairs of the round ÷ (last pair done − first receiver hello). In the"
  echo "cluster, initiator i connects to node i mod 3 and its receiver to the next node, so every pair crosses nodes"
  echo "(the receiver's node reads the owner from the reservation map, then asks the initiator's node over the"
  echo "event bus). $WARMUP_ROUNDS warm-up rounds are not counted: the nodes' JIT compiler keeps compiling for"
  echo "the first tens of thousands of pairs (Hazelcast's paths in the cluster; with -XX:+PrintCompilation a cluster"
  echo "node compiled 50–70 methods a second around round 40 and 10–16 around round 100), a cost a running server"
  echo "has long paid. Then $ROUNDS measured rounds, percentiles over all their pairs. The generator and the nodes share the machine's"
  echo "cores, all traffic on 127.0.0.1. Initiators waiting = from the first initiator hello until the nodes report"
  echo "all of them waiting (polled on /metrics every ~10 ms). Probe = UDP address echo round trip. CPU per pair ="
  echo "utime + stime from /proc/PID/stat over the measured rounds (all nodes together; the generator's own"
  echo "process separately) ÷ pairs: the whole life of a pair (2 connects, 2 probes, 2 hellos, 2 replies, 2 closes)."
  echo
  echo "| setup | pairs ok | wrong | missing | p50 ms | p90 ms | p99 ms | max ms | worst round p99 ms | pairs/s median (min–max) | initiators waiting after | probe p50 / p99 ms | node CPU µs per pair | generator CPU µs per pair |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  row "$SINGLE"
  [[ -z $URING ]] || row "$URING"
  row "$CLUSTER"
  echo
  echo "Target p99 < $TARGET_P99_MS ms with every pair completed: one node **$(verdict "$SINGLE")**, 3-node cluster **$(verdict "$CLUSTER")**."
  if [[ -n $URING ]]; then
    echo "One node with \`\"node\":{\"transport\":\"io_uring\"}\` (not the default, see README \`node.transport\`), run after the"
    echo "default one on a fresh node: **$(verdict "$URING")**."
  else
    echo "The node did not start with \`node.transport\` io_uring here: that run is left out."
  fi
  echo
  echo "Reading the figures: a burst is drained at the rate the CPU allows, so p99 is about the time the whole"
  echo "burst takes. Across nodes a pair costs two Hazelcast map operations (the initiator's putIfAbsent and the"
  echo "receiver's remove, each with a synchronous backup) and an event-bus request and reply over TCP, on three"
  echo "JVMs sharing the two cores with the generator: compare the node CPU per pair."
  echo
  echo "Where the CPU went over the measured rounds. *Machine*: every core and process (the generator's too), from"
  echo "/proc/stat, in percent of the machine's time (system includes interrupts). *Nodes by thread*: each node"
  echo "thread's own utime + stime (/proc/PID/task/TID/stat) summed by the group its name puts it in, in percent of"
  echo "all the nodes' threads together (threads alive at the end of the rounds): Vert.x event loops (every surface's sockets, the clustered event bus, the"
  echo "completion of Hazelcast calls), the TCP acceptor, Vert.x workers (vertx-hazelcast runs a putIfAbsent with"
  echo "a TTL as a blocking call on one), Hazelcast's own threads (I/O, partition operations, responses), the JIT"
  echo "compilers, the garbage collector (with the VM thread), other JVM threads."
  echo
  echo "| setup | machine user % | machine system % | machine idle % | event loops % | acceptor % | Vert.x workers % | Hazelcast % | JIT % | GC % | other % |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  cpu_row "$SINGLE"
  [[ -z $URING ]] || cpu_row "$URING"
  cpu_row "$CLUSTER"
  echo
  echo "$RATE_LIMIT_NOTE"
  echo
  echo "Nodes: \`java $NODE_JVM_FLAGS -jar node/target/rendezvous.jar\` (README \"JVM flags\"), pairing on 127.0.0.1:$PAIRING_BASE (one"
  echo "node) and 127.0.0.1:$((PAIRING_BASE + 1))–$((PAIRING_BASE + 3)) (cluster: Hazelcast TCP-IP members on"
  echo "127.0.0.1:$((HZ_BASE + 1))–$((HZ_BASE + 3)), event bus $((BUS_BASE + 1))–$((BUS_BASE + 3)))."
  echo
  echo "## Machine"
  echo
  machine_facts
  echo
  echo "## Raw generator output"
  echo
  echo "Per setup: the first and the last warm-up round (all of them are in bench/work/pairing/rounds-*.txt),"
  echo "each measured round, then the summary."
  echo
  echo '```'
  for f in single single-uring cluster; do
    [[ -f $DIR/rounds-$f.txt ]] || continue
    grep '^warm-up' "$DIR/rounds-$f.txt" | sed -n '1p;$p'
    grep -v '^warm-up' "$DIR/rounds-$f.txt"
    case $f in single) echo "$SINGLE" ;; single-uring) echo "$URING" ;; *) echo "$CLUSTER" ;; esac
  done
  echo '```'
} >"$RESULTS/pairing.md"
cat "$RESULTS/pairing.md"
