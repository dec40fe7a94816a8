package org.rendezvous.deploy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.rendezvous.deploy.LocalClusterScript.Run;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.ClusterTestKit;
import org.rendezvous.testkit.Poll;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/local/cluster.sh drives real node processes of the fat jar: start, list/status, ports,
 * kill9, restart and stop do what they say, and the nodes form one cluster.
 */
class ClusterScriptTest {

  /** Nodes 1 and 2 on 265xx and 266xx: inside issue 6's port range, clear of the script's default base. */
  private static final int PORT_BASE = 26400;
  private static final Path JAR = DeployTree.NODE_JAR;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** One row of `cluster.sh list`. */
  record Row(int node, String pid, String state, Map<String, Integer> ports) {
  }

  @Test
  void startsListsKillsRestartsAndStopsNodeProcessesThatFormOneCluster(@TempDir Path runDir) throws Exception {
    assertTrue(Files.isRegularFile(JAR), JAR + " is built by the node module's package phase (mvn -B verify builds it first)");
    Map<String, String> env = new HashMap<>();
    env.put("RUN_DIR", runDir.toString());
    env.put("JAR", JAR.toString());
    env.put("PORT_BASE", Integer.toString(PORT_BASE));
    env.put("CLUSTER_NAME", ClusterTestKit.uniqueClusterName());
    // RENDEZVOUS_* reach every node as overrides: a dead member is noticed in 5 s instead of 10.
    env.put("RENDEZVOUS_CLUSTER_MAX_NO_HEARTBEAT_SECONDS", "5");
    try {
      Run start = run(env, "start", "2");
      assertEquals(0, start.exitCode(), start.output());
      Map<Integer, Row> rows = list(env);
      assertEquals(List.of(1, 2), List.copyOf(rows.keySet()));
      rows.values().forEach(r -> assertEquals("ready", r.state(), "node " + r.node()));
      assertEquals(0, run(env, "status").exitCode());

      // The documented scheme: PORT_BASE + 100 * node + the default port's slot.
      Map<String, Integer> ports = LocalClusterScript.ports(env, 1);
      assertEquals(Map.of("s2", 26500, "hazelcast", 26501, "eventbus", 26517, "ws", 26565, "lobby", 26575,
          "pairing", 26577, "udp", 26578, "ops", 26580), ports);
      assertEquals(ports, rows.get(1).ports());
      int ops1 = ports.get("ops");
      assertEquals(2, readyNodes(ops1), "node 1 sees both nodes");
      assertTrue(Files.isRegularFile(runDir.resolve("node1/data/rendezvous.db")), "each node has its own SQLite file");
      assertTrue(Files.isRegularFile(runDir.resolve("node2/data/rendezvous.db")));

      long killedPid = Long.parseLong(rows.get(2).pid());
      Run kill = run(env, "kill9", "2");
      assertEquals(0, kill.exitCode(), kill.output());
      assertFalse(ProcessHandle.of(killedPid).map(ProcessHandle::isAlive).orElse(false), "SIGKILL ended the process");
      assertEquals("dead", list(env).get(2).state());
      assertEquals("ready", list(env).get(1).state());
      assertEquals(1, run(env, "status").exitCode(), "status fails while a node is down");
      Poll.until(30_000, "node 1 noticing node 2's death", () -> readyNodes(ops1) == 1 ? true : null);

      Run restart = run(env, "restart", "2");
      assertEquals(0, restart.exitCode(), restart.output());
      Row back = list(env).get(2);
      assertEquals("ready", back.state());
      assertNotEquals(Long.toString(killedPid), back.pid());
      Poll.until(30_000, "node 2 back in node 1's view", () -> readyNodes(ops1) == 2 ? true : null);

      List<Long> pids = list(env).values().stream().map(r -> Long.parseLong(r.pid())).toList();
      Run stop = run(env, "stop");
      assertEquals(0, stop.exitCode(), stop.output());
      for (long pid : pids) {
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " exited");
      }
      list(env).values().forEach(r -> assertEquals("stopped", r.state(), "node " + r.node()));
      for (int node : List.of(1, 2)) {
        String log = Files.readString(Path.of(run(env, "log", Integer.toString(node)).output().strip()));
        assertTrue(log.contains("stopped cleanly"), "node " + node + " shut down gracefully on SIGTERM:\n" + log);
      }
    } finally {
      run(env, "clean");
    }
  }

  @Test
  void refusesAnIndexOutsideItsPortScheme(@TempDir Path runDir) throws Exception {
    Map<String, String> env = Map.of("RUN_DIR", runDir.toString(), "PORT_BASE", Integer.toString(PORT_BASE));
    for (String bad : List.of("0", "9", "x")) {
      Run r = run(env, "ports", bad);
      assertEquals(1, r.exitCode(), r.output());
      assertTrue(r.output().contains("node index must be 1..8"), r.output());
    }
    assertEquals(2, run(env, "no-such-command").exitCode());
  }

  private static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    return LocalClusterScript.run(env, args);
  }

  private Map<Integer, Row> list(Map<String, String> env) throws Exception {
    Run r = run(env, "list");
    assertEquals(0, r.exitCode(), r.output());
    List<String> lines = r.output().lines().toList();
    List<String> header = List.of(lines.get(0).trim().split("\\s+"));
    assertEquals(List.of("node", "pid", "state"), header.subList(0, 3));
    Map<Integer, Row> rows = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.trim().split("\\s+");
      Map<String, Integer> ports = new LinkedHashMap<>();
      for (int i = 3; i < header.size(); i++) {
        ports.put(header.get(i), Integer.parseInt(f[i]));
      }
      rows.put(Integer.parseInt(f[0]), new Row(Integer.parseInt(f[0]), f[1], f[2], ports));
    }
    return rows;
  }

  /** How many nodes a node's /api/cluster lists as ready (it asks each over the event bus). */
  private int readyNodes(int opsPort) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/api/cluster"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return (int) new JsonObject(r.body()).getJsonArray("nodes").stream()
        .filter(n -> n instanceof JsonObject o && o.getBoolean("ready", false)).count();
  }
}
