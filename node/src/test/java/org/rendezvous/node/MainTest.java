package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.FreePorts;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
  void membersOfAHealthyClusterStartWithoutAWarning() throws Exception {
    List<NodeProcess> nodes = NodeProcess.twoMembers(dir, new JsonObject());
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1)) {
      NodeProcess.startCluster(a, b);
      for (NodeProcess n : nodes) {
        String log = n.log();
        assertTrue(log.contains(" INFO "), log);
        assertFalse(log.contains(" WARNING ") || log.contains(" SEVERE "), log);
      }
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
        + " (registry.dbPath): "), r.output());
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
    }
  }
}
