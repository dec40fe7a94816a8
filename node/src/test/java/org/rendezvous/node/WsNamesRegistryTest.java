package org.rendezvous.node;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;
import org.rendezvous.registry.RegistryClient;
import org.rendezvous.testkit.FreePorts;
import org.rendezvous.testkit.Poll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * S3 names reach the registry (the WebSocket service's {@link RegistryClient#WS_SEEN} events):
 * first and last seen are kept in SQLite on every node, and survive a restart.
 */
class WsNamesRegistryTest {

  @TempDir
  Path dir;

  private RendezvousNode a;
  private RendezvousNode b;

  @AfterEach
  void stop() throws Exception {
    NodeFixture.stop(b);
    NodeFixture.stop(a);
  }

  private static void seen(RendezvousNode node, String event, String user, String idJson, long ts) {
    node.vertx().eventBus().send(RegistryClient.WS_SEEN, new JsonObject().put("event", event).put("username", user)
        .put("user_id_json", idJson).put("node", node.nodeId()).put("ts", ts), new DeliveryOptions().setLocalOnly(true));
  }

  private static String row(Path db, String user) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT user_id_json, first_seen, last_seen FROM ws_users WHERE username = '" + user + "'")) {
      return rs.next() ? rs.getString(1) + "," + rs.getLong(2) + "," + rs.getLong(3) : null;
    }
  }

  @Test
  void namesAreKeptWithFirstAndLastSeenOnEveryNodeAndAfterRestart() throws Exception {
    String cluster = NodeFixture.uniqueClusterName();
    int hzA = FreePorts.tcp();
    int hzB = FreePorts.tcp();
    Files.createDirectories(dir.resolve("a"));
    Files.createDirectories(dir.resolve("b"));
    a = NodeFixture.start(NodeFixture.clustered(dir.resolve("a"), cluster, hzA, List.of(hzA, hzB)));
    b = NodeFixture.start(NodeFixture.clustered(dir.resolve("b"), cluster, hzB, List.of(hzA, hzB)));
    Poll.until(30_000, "two members", () -> b.clusterManager().getNodes().size() == 2 ? true : null);
    long t0 = System.currentTimeMillis(); // within registry.wsNameRetentionSeconds, as real sightings are
    seen(a, "register", "carol", "\"c-1\"", t0);
    seen(a, "leave", "carol", "\"c-1\"", t0 + 4_000);
    seen(b, "register", "carol", "42", t0 + 8_000); // re-registered on the other node with a numeric id
    for (String n : List.of("a", "b")) {
      Path db = dir.resolve(n).resolve("rendezvous.db");
      String both = "42," + t0 + "," + (t0 + 8_000);
      assertEquals(both, Poll.until(10_000, "carol in " + n, () -> {
        String r = row(db, "carol");
        return both.equals(r) ? r : null;
      }));
    }
    NodeFixture.stop(b);
    b = null;
    NodeFixture.stop(a);
    a = null;
    a = NodeFixture.start(NodeFixture.singleNode(dir.resolve("a")));
    seen(a, "leave", "carol", "42", t0 + 11_000);
    Path db = dir.resolve("a").resolve("rendezvous.db");
    String later = "42," + t0 + "," + (t0 + 11_000);
    assertEquals(later, Poll.until(10_000, "last seen moves on after the restart", () -> {
      String r = row(db, "carol");
      return later.equals(r) ? r : null;
    }));
  }

  @Test
  void aNameSqliteWouldStoreChangedIsCountedNotKept() throws Exception {
    a = NodeFixture.start(NodeFixture.singleNode(Files.createDirectories(dir.resolve("a"))));
    seen(a, "register", "x\ud800y", "\"1\"", System.currentTimeMillis()); // half a surrogate pair: SQLite would keep "x?y"
    seen(a, "register", "dan", "\"2\"", System.currentTimeMillis());
    Path db = dir.resolve("a").resolve("rendezvous.db");
    Poll.until(10_000, "the name after it stored", () -> row(db, "dan"));
    assertNull(row(db, "x?y"));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT group_concat(username) FROM ws_users")) {
      assertEquals("dan", rs.getString(1), "no row at all for the unstorable name, in any form");
    }
    assertEquals(1, Metrics.of(a.vertx()).value("rendezvous_registry_ws_names_unstorable_total"));
  }
}
