#!/usr/bin/env bash
# A Rendezvous cluster of N node processes on this machine: each node runs the fat jar with its own
# ports, config, SQLite file, log and pid file under the run directory, and the nodes find each
# other through Hazelcast's TCP-IP member list on 127.0.0.1.
#
# Ports: node I (1..8) listens on PORT_BASE + 100*I + slot, the slot echoing the default port:
#   s2 +00 (8000)  hazelcast +01 (5701)  eventbus +17 (17001)  ws +65 (8765)
#   lobby +75 (57775)  pairing +77 (7700, TCP and UDP)  udp +78 (3478)  ops +80 (8080)
# so with the default PORT_BASE=26000 node 1 has STUN on 26178, REST on 26100, ops on 26180.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_DIR=${RUN_DIR:-$ROOT/deploy/local/run}
JAR=${JAR:-$ROOT/node/target/rendezvous.jar}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseParallelGC -Xms384m -Xmx384m}
PORT_BASE=${PORT_BASE:-}
CLUSTER_NAME=${CLUSTER_NAME:-rendezvous-local}
READY_TIMEOUT=${READY_TIMEOUT:-120}
STOP_TIMEOUT=${STOP_TIMEOUT:-45}
MAX_NODES=8

usage() {
  cat >&2 <<EOF
usage: $0 COMMAND [ARG]
  start N       start nodes 1..N (those not running yet) and wait until every one is ready
  stop [I]      SIGTERM every node (or node I) and wait until it has left the cluster and exited
  kill9 I       SIGKILL node I: no shutdown hook, as if the machine died
  restart I     stop node I if it runs, start it again with its config and data, wait until ready
  list          one line per node: index, pid, state (ready, starting, dead, stopped), ports
  status        like list; exits 1 unless every node is ready
  ports I       node I's ports as name=port lines
  log I         the path of node I's log
  clean         stop every node and delete the run directory
environment: RUN_DIR ($RUN_DIR), JAR, JAVA, JAVA_OPTS ($JAVA_OPTS), PORT_BASE (26000, or the run's),
  CLUSTER_NAME ($CLUSTER_NAME), READY_TIMEOUT ($READY_TIMEOUT s), STOP_TIMEOUT ($STOP_TIMEOUT s);
  RENDEZVOUS_* variables reach every node as config overrides (README, "Configuration").
EOF
  exit 2
}

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

# Slot order matches the header comment; names are what `ports` prints.
PORT_NAMES=(s2 hazelcast eventbus ws lobby pairing udp ops)
PORT_SLOTS=(0 1 17 65 75 77 78 80)

port_of() { # INDEX NAME
  local k
  for k in "${!PORT_NAMES[@]}"; do
    if [[ ${PORT_NAMES[$k]} == "$2" ]]; then
      echo $((PORT_BASE + 100 * $1 + PORT_SLOTS[k]))
      return
    fi
  done
  die "no port named $2"
}

check_index() {
  if ! [[ $1 =~ ^[1-9][0-9]*$ ]] || (($1 > MAX_NODES)); then
    die "node index must be 1..$MAX_NODES, got '$1'"
  fi
}

node_dir() { echo "$RUN_DIR/node$1"; }

# The pid of node I when that process is alive and really is node I (its command line names node
# I's config), so a stale pid file never makes us signal an unrelated process.
node_pid() {
  local pidfile pid
  pidfile="$(node_dir "$1")/node.pid"
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  if [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] \
    && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$(node_dir "$1")/node.json"; then
    echo "$pid"
  fi
}

is_ready() {
  curl -fs -m 2 -o /dev/null "http://127.0.0.1:$(port_of "$1" ops)/health/ready"
}

write_config() { # INDEX N
  local i=$1 n=$2 dir members="" j
  dir=$(node_dir "$i")
  for ((j = 1; j <= n; j++)); do
    members+="${members:+, }\"127.0.0.1:$(port_of "$j" hazelcast)\""
  done
  mkdir -p "$dir/data"
  cat >"$dir/node.json" <<EOF
{
  "ops": { "host": "127.0.0.1", "port": $(port_of "$i" ops) },
  "udp": { "host": "127.0.0.1", "port": $(port_of "$i" udp) },
  "registry": { "httpHost": "127.0.0.1", "httpPort": $(port_of "$i" s2), "dbPath": "$dir/data/rendezvous.db" },
  "lobby": { "host": "127.0.0.1", "port": $(port_of "$i" lobby) },
  "pairing": { "host": "127.0.0.1", "port": $(port_of "$i" pairing) },
  "ws": { "host": "127.0.0.1", "port": $(port_of "$i" ws) },
  "cluster": {
    "enabled": true, "name": "$CLUSTER_NAME", "join": "tcp-ip", "host": "127.0.0.1",
    "port": $(port_of "$i" hazelcast), "eventBusPort": $(port_of "$i" eventbus),
    "members": [$members]
  }
}
EOF
}

launch() { # INDEX: starts node I's process in its own session, so a Ctrl-C here does not reach it
  local i=$1 dir pid
  dir=$(node_dir "$i")
  [[ -f $dir/node.json ]] || die "node $i has no config in $dir; start it with '$0 start N'"
  [[ -f $JAR ]] || die "missing $JAR: build it with 'mvn -B -q package -DskipTests'"
  echo "=== $(date -u +%FT%TZ) cluster.sh starts node $i" >>"$dir/node.log"
  # PORT is the WebSocket port override (SPEC S3): an inherited one would give every node the same.
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  env -u PORT -u RENDEZVOUS_CONFIG setsid "$JAVA" $JAVA_OPTS -jar "$JAR" --config "$dir/node.json" \
    >>"$dir/node.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/node.pid"
  # Until the forked shell has exec'd, its command line is this script's, and node_pid would take the
  # node for gone: wait (bounded) for the exec before anyone asks.
  local deadline=$((SECONDS + 5))
  while [[ -e /proc/$pid ]] && [[ -z $(node_pid "$i") ]] && ((SECONDS < deadline)); do
    sleep 0.05
  done
}

wait_ready() { # INDEX...: until each is ready; fails at once when one exits
  local deadline=$((SECONDS + READY_TIMEOUT)) pending=("$@") left i
  while ((${#pending[@]} > 0)); do
    left=()
    for i in "${pending[@]}"; do
      if [[ -z $(node_pid "$i") ]]; then
        echo "node $i exited while starting; the end of $(node_dir "$i")/node.log:" >&2
        tail -n 30 "$(node_dir "$i")/node.log" >&2
        return 1
      fi
      is_ready "$i" || left+=("$i")
    done
    pending=("${left[@]+"${left[@]}"}")
    ((${#pending[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      echo "not ready within $READY_TIMEOUT s: node(s) ${pending[*]}" >&2
      return 1
    fi
    sleep 0.5
  done
}

# SIGTERM to the given nodes together, then wait for each (the node flushes SQLite and leaves the
# cluster); one still running after STOP_TIMEOUT gets SIGKILL and makes this fail.
stop_nodes() {
  local i pid rc=0 deadline
  declare -A pids=()
  for i in "$@"; do
    pid=$(node_pid "$i")
    if [[ -n $pid ]]; then
      pids[$i]=$pid
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  for i in "${!pids[@]}"; do
    while [[ -e /proc/${pids[$i]} ]] && ((SECONDS < deadline)); do
      sleep 0.2
    done
    if [[ -e /proc/${pids[$i]} ]]; then
      echo "node $i did not stop within $STOP_TIMEOUT s of SIGTERM; killing it" >&2
      kill -KILL "${pids[$i]}" 2>/dev/null || true
      rc=1
    else
      echo "node $i stopped"
    fi
    rm -f "$(node_dir "$i")/node.pid"
  done
  return $rc
}

known_nodes() { # indexes with a directory under RUN_DIR, ascending
  local d
  [[ -d $RUN_DIR ]] || return 0
  for d in "$RUN_DIR"/node*/; do
    [[ -d $d ]] || continue
    d=${d%/}
    d=${d##*/node}
    [[ $d =~ ^[0-9]+$ ]] && echo "$d"
  done | sort -n
}

cmd_start() {
  local n=${1:-} i started=()
  if ! [[ $n =~ ^[1-9][0-9]*$ ]] || ((n > MAX_NODES)); then
    die "start needs a node count 1..$MAX_NODES"
  fi
  echo "$PORT_BASE" >"$RUN_DIR/port-base"
  for ((i = 1; i <= n; i++)); do
    if [[ -n $(node_pid "$i") ]]; then
      echo "node $i already running (pid $(node_pid "$i"))"
      continue
    fi
    write_config "$i" "$n"
    launch "$i"
    started+=("$i")
  done
  ((${#started[@]} == 0)) || wait_ready "${started[@]}"
  cmd_list
}

cmd_list() {
  local i pid state name strict=${1:-} bad=0 count=0
  printf '%-5s %-8s %-9s' node pid state
  for name in "${PORT_NAMES[@]}"; do printf ' %-9s' "$name"; done
  echo
  for i in $(known_nodes); do
    pid=$(node_pid "$i")
    if [[ -n $pid ]]; then
      if is_ready "$i"; then state=ready; else state=starting; fi
    elif [[ -f $(node_dir "$i")/node.pid ]]; then
      state=dead # a pid file without its process: killed or crashed
    else
      state=stopped
    fi
    [[ $state == ready ]] || bad=1
    count=$((count + 1))
    printf '%-5s %-8s %-9s' "$i" "${pid:--}" "$state"
    for name in "${PORT_NAMES[@]}"; do printf ' %-9s' "$(port_of "$i" "$name")"; done
    echo
  done
  if [[ $strict == strict ]] && ((count == 0 || bad)); then
    return 1
  fi
}

cmd_kill9() {
  local i=$1 pid deadline
  pid=$(node_pid "$i")
  [[ -n $pid ]] || die "node $i is not running"
  kill -KILL "$pid"
  deadline=$((SECONDS + 10))
  while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.1; done
  [[ ! -e /proc/$pid ]] || die "node $i (pid $pid) survived SIGKILL for 10 s"
  echo "node $i killed (pid $pid)"
}

cmd_restart() {
  local i=$1
  [[ -z $(node_pid "$i") ]] || stop_nodes "$i"
  launch "$i"
  wait_ready "$i"
  echo "node $i ready (pid $(node_pid "$i"))"
}

command -v curl >/dev/null || die "needs curl"
RUN_DIR=$(mkdir -p "$RUN_DIR" && cd "$RUN_DIR" && pwd)
# Later commands of a run use the base its `start` used, unless PORT_BASE says otherwise.
if [[ -z $PORT_BASE ]]; then
  PORT_BASE=$(cat "$RUN_DIR/port-base" 2>/dev/null || echo 26000)
fi
if ! [[ $PORT_BASE =~ ^[0-9]+$ ]] || ((PORT_BASE < 1024 || PORT_BASE + 100 * MAX_NODES + 99 > 65535)); then
  die "PORT_BASE must leave room for $MAX_NODES nodes below 65536"
fi

case ${1:-} in
  start) cmd_start "${2:-}" ;;
  stop)
    if [[ -n ${2:-} ]]; then
      check_index "$2"
      stop_nodes "$2"
    else
      # shellcheck disable=SC2046 # one word per index
      stop_nodes $(known_nodes)
    fi
    ;;
  kill9) check_index "${2:-}" && cmd_kill9 "$2" ;;
  restart) check_index "${2:-}" && cmd_restart "$2" ;;
  list) cmd_list ;;
  status) cmd_list strict ;;
  ports)
    check_index "${2:-}"
    for name in "${PORT_NAMES[@]}"; do echo "$name=$(port_of "$2" "$name")"; done
    ;;
  log) check_index "${2:-}" && echo "$(node_dir "$2")/node.log" ;;
  clean)
    # shellcheck disable=SC2046
    stop_nodes $(known_nodes)
    rm -rf "$RUN_DIR"
    ;;
  *) usage ;;
esac
