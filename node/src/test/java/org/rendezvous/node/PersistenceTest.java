package org.rendezvous.node;

import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registry data survives a graceful stop and a kill -9 of the node process (SPEC §2 rules 5–6).
 */
class PersistenceTest {

  private static final int USERS = 50;
  private static final int PEERS = 20;
  /** A node stopped cleanly by SIGTERM exits 0 (not the JVM's 128 + 15), so supervisors see a clean stop. */
  private static final int SIGTERM_EXIT = 0;

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private static JsonObject registry(JsonObject section) {
    return new JsonObject().put("registry", section);
  }

  private void writeEverything(NodeProcess node) throws Exception {
    try (UdpClient udp = new UdpClient(node.udpPort)) {
      for (int i = 0; i < USERS; i++) {
        udp.send("user-" + i);
      }
    }
    for (int i = 0; i < PEERS; i++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort + "/register"))
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"peer_id\":\"peer-" + i + "\",\"username\":\"name-" + i + "\",\"port\":" + (40000 + i) + "}"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
    }
  }


  /** Everything written is served again by the restarted node. */
  private void assertEverythingServed(NodeProcess node) throws Exception {
    try (UdpClient udp = new UdpClient(node.udpPort)) {
      String list = udp.requestText("LIST");
      Set<String> names = new HashSet<>();
      for (String line : list.split("\n")) {
        names.add(line.split(",")[0]);
      }
      for (int i = 0; i < USERS; i++) {
        assertTrue(names.contains("user-" + i), "user-" + i + " missing after restart");
      }
    }
    JsonObject peers = new JsonObject(http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.httpPort + "/peers")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body());
    assertEquals(PEERS, peers.getInteger("count"));
    JsonArray list = peers.getJsonArray("peers");
    for (int i = 0; i < PEERS; i++) {
      JsonObject p = list.getJsonObject(i);
      assertEquals("peer-" + i, p.getString("peer_id"), "registration order survives the restart");
      assertEquals(40000 + i, p.getInteger("port"));
    }
  }

  private int rowsInFile(Path db, String table) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      return rs.getInt(1);
    }
  }

  @Test
  void sigtermFlushesPendingWritesBeforeExit() throws Exception {
    // A long commit delay: only the shutdown flush can have written the heartbeats.
    try (NodeProcess node = new NodeProcess(dir, registry(new JsonObject().put("commitDelayMs", 5_000)))) {
      node.start();
      try (UdpClient udp = new UdpClient(node.udpPort)) {
        for (int i = 0; i < USERS; i++) {
          udp.send("user-" + i);
        }
      }
      Poll.until(10_000, "heartbeats handled", () -> node.metric("rendezvous_s0_users") == USERS ? true : null);
      assertEquals(0, rowsInFile(node.dbPath(), "users"), "nothing committed yet");
      assertEquals(SIGTERM_EXIT, node.terminate());
      assertEquals(USERS, rowsInFile(node.dbPath(), "users"));
      assertTrue(node.log().contains("stopped cleanly"), node.log());
    }
  }

  @Test
  void usersAndPeersSurviveSigtermAndRestart() throws Exception {
    try (NodeProcess node = new NodeProcess(dir, new JsonObject())) {
      node.start();
      writeEverything(node);
      Poll.until(10_000, "heartbeats handled", () -> node.metric("rendezvous_s0_users") == USERS ? true : null);
      assertEquals(SIGTERM_EXIT, node.terminate());
      node.start();
      assertEverythingServed(node);
    }
  }

  @Test
  void usersAndPeersSurviveKillMinus9AfterTheCommitDelay() throws Exception {
    try (NodeProcess node = new NodeProcess(dir, registry(new JsonObject().put("commitDelayMs", 50)))) {
      node.start();
      writeEverything(node);
      // Peers were acknowledged after their commit; heartbeats are committed within the delay.
      Poll.until(10_000, "users committed to the file", () -> rowsInFile(node.dbPath(), "users") == USERS ? true : null);
      node.kill();
      node.start();
      assertEverythingServed(node);
    }
  }
}
