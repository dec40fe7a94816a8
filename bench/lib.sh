# Shared by the benchmark scripts in this directory: paths, the build, starting and stopping the
# servers under test, the machine facts every results file records. Source it; do not run it.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK="$BENCH_DIR/work"            # scratch: configs, SQLite files, server logs (git-ignored)
RESULTS="$BENCH_DIR/results"
NODE_JAR="$ROOT/node/target/rendezvous.jar"
BENCH_JAR="$BENCH_DIR/target/rendezvous-bench.jar"
CLK_TCK=$(getconf CLK_TCK)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg) # other work on the machine skews the figures

# Loopback only, and port numbers unlikely to collide with a developer's node or the test suite;
# checked free before anything starts, since a stray node on them would be measured instead.
UDP_PORT=19478
COTURN_PORT=19479
S2_PORT=19000
OPS_PORT=19080

# Every bench sends from 127.0.0.1, one source address, far above the node's per-source rate limits
# (UDP 3478: 200/s, lobby: 100/s by default): the scripts raise them in the node config, so the limiter
# still checks every datagram but drops none, and say so in their results.
LIFTED_RATE_LIMIT='"rateLimitPerSecond":1000000000,"rateLimitBurst":1000000000'
RATE_LIMIT_NOTE="Per-source rate limits raised to 10^9/s (\`rateLimitPerSecond\`, \`rateLimitBurst\` in the node config): all load comes from one address, 127.0.0.1; the limiter still checks every datagram."

STARTED_PIDS=()

# SIGTERM to everything this script started (the node flushes SQLite on it), SIGKILL after 30 s.
stop_started() {
  local pid i
  for pid in "${STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    for ((i = 0; i < 300; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}
trap stop_started EXIT
trap 'exit 130' INT TERM

# Fails unless none of the bench ports is in use (on any address).
require_free_ports() {
  local busy
  busy=$(ss -Hlun "( sport = :$UDP_PORT or sport = :$COTURN_PORT )"; ss -Hltn "( sport = :$S2_PORT or sport = :$OPS_PORT )")
  if [[ -n $busy ]]; then
    echo "bench ports already in use (UDP $UDP_PORT/$COTURN_PORT, TCP $S2_PORT/$OPS_PORT):" >&2
    echo "$busy" >&2
    return 1
  fi
}

# Builds the node's fat jar and the load generators' jar (offline first, then with the network).
build() {
  echo "building node and bench jars..." >&2
  (cd "$ROOT" && { mvn -B -q -o -pl node,bench -am package -DskipTests || mvn -B -q -pl node,bench -am package -DskipTests; }) >&2
}

# Runs one load generator class of org.rendezvous.bench with the given arguments.
generator() {
  local class=$1
  shift
  java -cp "$BENCH_JAR" "org.rendezvous.bench.$class" "$@"
}

# field JSON NAME: a number or string from a generator's flat one-line JSON.
field() {
  sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1"
}

# The JVM flags nodes run with here: the ones README, deploy/local and the image give a node
# (NODE_JVM_FLAGS overrides them, e.g. to compare collectors).
NODE_JVM_FLAGS=${NODE_JVM_FLAGS--XX:+UseParallelGC -Xms1g -Xmx1g}

# start_node CONFIG_FILE LOG_FILE: starts a node, sets NODE_PID, waits (≤ 60 s) until it is ready; sets
# NODE_TRANSPORT to the socket transport its ready line names (node.transport: io_uring, epoll or nio).
NODE_TRANSPORT=""
start_node() {
  # shellcheck disable=SC2086 # a list of flags
  java $NODE_JVM_FLAGS -jar "$NODE_JAR" --config "$1" >"$2" 2>&1 &
  NODE_PID=$!
  STARTED_PIDS+=("$NODE_PID")
  local i
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$NODE_PID" 2>/dev/null; then
      echo "the node exited while starting; its log ($2):" >&2
      tail -20 "$2" >&2
      return 1
    fi
    if curl -sf "http://127.0.0.1:$OPS_PORT/health/ready" >/dev/null 2>&1; then
      NODE_TRANSPORT=$(sed -n 's/.* ready: .*, transport \([a-z_]*\).*/\1/p' "$2" | tail -1)
      ss -Hlunp "sport = :$UDP_PORT" | grep -q "pid=$NODE_PID," && return 0
      echo "UDP $UDP_PORT is not held by the node just started (pid $NODE_PID)" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "the node was not ready within 60 s; see $2" >&2
  return 1
}

# write_node_config FILE DB_PATH [EXTRA_UDP_JSON]: a single-node config on the bench ports.
write_node_config() {
  cat >"$1" <<JSON
{"ops":{"host":"127.0.0.1","port":$OPS_PORT},
 "udp":{"host":"127.0.0.1","port":$UDP_PORT${3:+,$3}},
 "registry":{"dbPath":"$2","httpHost":"127.0.0.1","httpPort":$S2_PORT,"commitDelayMs":50}}
JSON
}

# Markdown bullet list of what the figures depend on.
machine_facts() {
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- nproc: $(nproc)"
  echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "- kernel: $(uname -r)"
  echo "- load average (1, 5, 15 min) when the script started: $LOAD_AT_START"
  echo "- java -version: $(java -version 2>&1 | tr '\n' ' ' | sed 's/ *$//')"
  [[ -z $NODE_TRANSPORT ]] || echo "- node socket transport (node.transport, default auto): $NODE_TRANSPORT"
  echo "- git commit of the tree measured: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- . ':(exclude)bench/results' 2>/dev/null || echo ' (with uncommitted changes)')"
}
