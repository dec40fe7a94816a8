package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.FreePorts;
import org.rendezvous.testkit.Poll;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the node process ends when it cannot start: exit code and a message naming the setting; and that a healthy
 * start logs no warning.
 */
class MainTest {

  @TempDir
  Path dir;

  private record Run(int exit, String output) {
  }

  private Run run(Path configFile) throws Exception {
    Process p = new ProcessBuilder(NodeProcess.command(configFile)).redirectErrorStream(true)
        .redirectOutput(dir.resolve("out.txt").toFile()).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the node process ended");
    return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt")));
  }

  private Path config(JsonObject json) throws Exception {
    return Files.writeString(dir.resolve("node.json"), json.encode());
  }

  @Test
  void membersOfAHealthyClusterStartWithoutTheWarningsOfAMisconfiguredOne() throws Exception {
    List<NodeProcess> nodes = NodeProcess.twoMembers(dir, new JsonObject());
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1)) {
      NodeProcess.startCluster(a, b);
      for (NodeProcess n : nodes) {
        String log = n.log();
        assertTrue(log.contains(" ready: "), log);
        // Warnings of a slow machine (a blocked thread, a late heartbeat) may come and go; these would come every time.
        for (String everyStart : List.of("CP Subsystem is not enabled", "without proper access to required Java packages",
            "is not a setting of this version", " SEVERE ")) {
          assertFalse(log.contains(everyStart), everyStart + " in\n" + log);
        }
      }
    }
  }

  @Test
  void aSigtermFirstDrainsServingAsNotReadyThenStopsAndExitsZero() throws Exception {
    try (NodeProcess n = new NodeProcess(Files.createDirectories(dir.resolve("drain")),
        new JsonObject().put("node", new JsonObject().put("drainSeconds", 10)))) {
      n.start();
      long t0 = System.nanoTime();
      CompletableFuture<Integer> exit = n.terminateLater();
      Poll.until(5_000, "not ready once asked to stop", () -> n.readiness() == 503 ? true : null);
      assertEquals(404, n.s2("GET", "/peer/nobody", null), "S2 still answers during the drain");
      assertFalse(exit.isDone(), "still running during the drain");
      assertEquals(0, exit.get(90, TimeUnit.SECONDS), n.log());
      assertTrue(System.nanoTime() - t0 >= TimeUnit.SECONDS.toNanos(10), "not before the drain's end");
      assertTrue(n.log().contains("draining for 10 s") && n.log().contains("stopped cleanly"), n.log());
    }
  }

  @Test
  void aSigtermWhileStartingStillStopsTheNodeGracefully() throws Exception {
    // A clustered node waits before joining, so the signal lands while it starts.
    List<NodeProcess> nodes = NodeProcess.twoMembers(dir, new JsonObject()
        .put("cluster", new JsonObject().put("waitBeforeJoinSeconds", 4))
        .put("node", new JsonObject().put("drainSeconds", 30).put("stopTimeoutSeconds", 120)));
    try (NodeProcess n = nodes.get(0)) {
      n.launch();
      Poll.until(30_000, "the node starting", () -> n.log().contains(" starting") ? true : null);
      int exit = n.terminateLater().get(90, TimeUnit.SECONDS);
      String log = n.log();
      assertEquals(0, exit, log);
      assertTrue(log.indexOf(" ready: ") < log.indexOf("shutting down") && log.contains("stopped cleanly"),
          "started, then stopped: " + log);
      assertFalse(log.contains("draining"), "a node that was never ready has nothing to drain: " + log);
    }
  }

  @Test
  void aBadSettingEndsTheProcessWithOneLineNamingIt() throws Exception {
    Run r = run(config(new JsonObject().put("registry", new JsonObject().put("commitDelayMs", "fast"))));
    assertEquals(2, r.exit(), r.output());
    assertEquals("error: config registry.commitDelayMs must be a whole number, got \"fast\"\n", r.output());

    Run level = run(config(new JsonObject().put("node", new JsonObject().put("logLevel", "VERBOSE"))));
    assertEquals(2, level.exit(), level.output());
    assertTrue(level.output().startsWith("error: config node.logLevel must be"), level.output());
  }

  @Test
  void aMissingConfigFileIsSaidSo() throws Exception {
    Run r = run(dir.resolve("nope.json"));
    assertEquals(2, r.exit(), r.output());
    assertEquals("error: config file " + dir.resolve("nope.json") + " does not exist\n", r.output());
  }

  @Test
  void aDatabaseThatCannotBeOpenedIsNamedWithItsSetting() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
    Path db = notADirectory.resolve("rendezvous.db");
    Run r = run(config(new JsonObject().put("registry", new JsonObject().put("dbPath", db.toString())
        .put("httpHost", "127.0.0.1").put("httpPort", FreePorts.tcp()))));
    assertEquals(1, r.exit(), r.output());
    assertTrue(r.output().contains("the registry service did not start: cannot open the SQLite file " + db
        + " (registry.dbPath): not a directory: " + notADirectory), r.output());
    assertFalse(r.output().contains("\tat "), "one line, no stack trace: " + r.output());
  }

  @Test
  void aPortInUseIsNamedWithTheSettingThatChoseIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      JsonObject cfg = new JsonObject()
          .put("ops", new JsonObject().put("host", "127.0.0.1").put("port", FreePorts.tcp()))
          .put("udp", new JsonObject().put("host", "127.0.0.1").put("port", FreePorts.udp()))
          .put("lobby", new JsonObject().put("host", "127.0.0.1").put("port", FreePorts.udp()))
          .put("pairing", new JsonObject().put("host", "127.0.0.1").put("port", FreePorts.tcpAndUdp()))
          .put("ws", new JsonObject().put("host", "127.0.0.1").put("port", FreePorts.tcp()))
          .put("registry", new JsonObject().put("dbPath", dir.resolve("r.db").toString())
              .put("httpHost", "127.0.0.1").put("httpPort", port));
      Run r = run(config(cfg));
      assertEquals(1, r.exit(), r.output());
      assertTrue(r.output().contains("the registry service did not start: 127.0.0.1:" + port
          + " is already in use (registry.httpPort)"), r.output());
      assertFalse(r.output().contains("\tat "), "one line, no stack trace: " + r.output());
    }
  }
}
