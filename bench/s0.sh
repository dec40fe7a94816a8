#!/usr/bin/env bash
# S0 STUN-lite on one node: LIST replies per second with 1,000 registered users, then heartbeats
# per second accepted (node counters) and persisted (all rows in the SQLite file, time after the
# load stopped), at the highest rate one sender thread reaches and at the 50,000/s target.
# Usage: bench/s0.sh [SECONDS_MEASURED_PER_RUN (default 10)]
# Writes bench/results/s0.md and prints it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${1:-10}
WARMUP=5
LIST_USERS=1000
HB_USERS=50000
HB_SOCKETS=8
TARGET_RATE=50000
COMMAND="bench/s0.sh${1:+ $1}"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 && $DURATION -le 600 ]] || { echo "duration must be 1..600 seconds" >&2; exit 2; }

require_free_ports
build
DIR="$WORK/s0"
rm -rf "$DIR" && mkdir -p "$DIR" "$RESULTS"
DB="$DIR/rendezvous.db"
# The per-destination LIST reply budget (anti-amplification, 64 KiB/s by default) would cap every
# sender on 127.0.0.1 at about two 1,000-user replies a second; lifted so LIST itself is measured,
# like the per-source rate limit (see lib.sh).
write_node_config "$DIR/node.json" "$DB" "\"replyBudgetBytesPerSecond\":1000000000,$LIFTED_RATE_LIMIT"
start_node "$DIR/node.json" "$DIR/node.log"
COMMON=(--port "$UDP_PORT" --ops-port "$OPS_PORT" --server-pid "$NODE_PID" --clk-tck "$CLK_TCK")

# LIST first: it needs a registry holding exactly its own users.
LIST_OUT=$(generator ListLoad "${COMMON[@]}" --users "$LIST_USERS" --sockets 4 --window 4 \
  --warmup "$WARMUP" --duration "$DURATION")
echo "$LIST_OUT" >&2

HB=(--db "$DB" --users "$HB_USERS" --sockets "$HB_SOCKETS")
generator HeartbeatLoad "${COMMON[@]}" "${HB[@]}" --run warm --rate 0 --duration "$WARMUP" >&2
MAX_OUT=$(generator HeartbeatLoad "${COMMON[@]}" "${HB[@]}" --run max --rate 0 --duration "$DURATION")
echo "$MAX_OUT" >&2
TARGET_OUT=$(generator HeartbeatLoad "${COMMON[@]}" "${HB[@]}" --run target --rate "$TARGET_RATE" --duration "$DURATION")
echo "$TARGET_OUT" >&2

hb_row() {
  local out=$1 ms fresh
  ms=$(field "$out" persistedAfterMs)
  fresh="$(field "$out" rowsFresh) of $HB_USERS names fresh"
  if ((ms >= 0)); then
    ms="$ms ms"
  elif (($(field "$out" accepted) < $(field "$out" sent))); then
    ms="n/a: $fresh (a name whose last heartbeat was dropped keeps an older row)"
  else
    ms="**not within 10 s**: $fresh"
  fi
  echo "| $2 | $(field "$out" sentPerSecond | cut -d. -f1) | $(field "$out" acceptedPerSecond | cut -d. -f1) | $(field "$out" sent) | $(field "$out" accepted) | $(field "$out" kernelDropped) | $(field "$out" committedRows) | $(field "$out" lastCommitAfterMs) ms | $ms | $(field "$out" serverCpuMicrosPerHeartbeat) |"
}
T_MS=$(field "$TARGET_OUT" persistedAfterMs)
if [[ $(field "$TARGET_OUT" accepted) == "$(field "$TARGET_OUT" sent)" ]] && ((T_MS >= 0 && T_MS <= 1000)); then
  VERDICT="met"
else
  VERDICT="missed"
fi

{
  echo "# S0 STUN-lite: LIST and heartbeats on one node"
  echo
  echo "Command: \`$COMMAND\` (from the repository root)"
  echo
  echo "## LIST with $LIST_USERS registered users"
  echo
  echo "\`ListLoad\`: 4 UDP sockets × 4 LIST requests in flight, ${WARMUP} s warm-up then ${DURATION} s measured; a reply"
  echo "counts when it holds all $LIST_USERS lines. Server CPU from /proc/PID/stat over the measured window."
  echo
  echo "| users | reply bytes | LIST replies/s | replies | lost | server CPU µs per reply |"
  echo "|---|---|---|---|---|---|"
  echo "| $LIST_USERS | $(field "$LIST_OUT" replyBytes) | $(field "$LIST_OUT" completeRepliesPerSecond | cut -d. -f1) | $(field "$LIST_OUT" completeReplies) | $(field "$LIST_OUT" lost) | $(field "$LIST_OUT" serverCpuMicrosPerReply) |"
  echo
  echo "## Heartbeats"
  echo
  echo "\`HeartbeatLoad\`: $HB_USERS distinct names round-robin from $HB_SOCKETS UDP sockets, one sender thread, ${DURATION} s,"
  echo "after a ${WARMUP} s warm-up run with other names. Accepted = the node's rendezvous_s0_heartbeats_total."
  echo "Dropped by the kernel = UDP RcvbufErrors from /proc/net/snmp (datagrams that found the node's receive"
  echo "buffer full: sent, never accepted). Rows committed = rendezvous_registry_committed_rows_total (a batch"
  echo "keeps one row per name); last commit = when that counter last moved after the load stopped. All rows"
  echo "fresh = time from the load stopping until every one of the $HB_USERS names has a row in the node's SQLite"
  echo "file with last_seen at least the second its last heartbeat was sent in, read from the file itself (a"
  echo "poll counts them inside SQLite in about 20 ms, then pauses 5 ms: late by up to ~25 ms); it can only be"
  echo "judged when no heartbeat was dropped. Server CPU from load start until no commit for 1 s, divided by"
  echo "heartbeats accepted."
  echo
  echo "| run | sent/s | accepted/s | sent | accepted | dropped by the kernel | rows committed | last commit after load stop | all rows fresh in SQLite after load stop | server CPU µs per heartbeat |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  hb_row "$MAX_OUT" "as fast as one thread sends"
  hb_row "$TARGET_OUT" "target $TARGET_RATE/s"
  echo
  echo "Target (≥ $TARGET_RATE heartbeats/s on one node, all rows in SQLite within 1 s of the load stopping),"
  echo "judged on the target run (every heartbeat sent accepted, all rows fresh ≤ 1,000 ms): **$VERDICT**."
  echo
  echo "$RATE_LIMIT_NOTE"
  echo
  echo "Node: \`java -jar node/target/rendezvous.jar --config node.json\` (default JVM flags), config:"
  echo "\`$(tr -d '\n' <"$DIR/node.json" | sed "s|$ROOT/||g")\`"
  echo
  echo "Machine:"
  machine_facts
} | tee "$RESULTS/s0.md"
