package org.rendezvous.registry;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.RawHttp;
import org.rendezvous.testkit.RawHttp.Response;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rendezvous.registry.SqliteRows.column;

/**
 * What keeps the registry's heap bounded whatever its entries hold, over real HTTP, the real bus and a real
 * SQLite file: a size budget for all kinds together (registry.maxMemoryBytes) and a retention for S3 names.
 */
class RegistryMemoryTest {

  /** A third, 4,000 bytes, for each kind. */
  private static final long BUDGET = 12_000;

  @TempDir
  Path dir;

  private static long metric(SoloRegistry solo, String name, String... labels) {
    return Metrics.of(solo.vertx()).value(name, labels);
  }

  private static Response register(SoloRegistry solo, String peerId, String username) throws Exception {
    String body = new JsonObject().put("peer_id", peerId).put("username", username).put("port", 5000).encode();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), solo.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("POST /register HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      return RawHttp.read(s.getInputStream());
    }
  }

  private static void wsSeen(SoloRegistry solo, String name, String userIdJson, long ts) {
    solo.vertx().eventBus().send(RegistryClient.WS_SEEN, new JsonObject().put("username", name)
        .put("user_id_json", userIdJson).put("ts", ts));
  }

  @Test
  void aKindAtItsShareOfTheBudgetRefusesNewAndGrowingEntriesWhileTheOtherKindsGoOn() throws Exception {
    try (SoloRegistry solo = SoloRegistry.deploy(dir, new JsonObject().put("maxMemoryBytes", BUDGET))) {
      String longName = "n".repeat(600); // each peer takes over a third of its kind's share; the counts stay far away
      int accepted = 0;
      Response refused = null;
      for (int i = 0; i < 10 && refused == null; i++) {
        Response r = register(solo, "peer-" + i, longName);
        if (r.status() == 200) {
          accepted++;
        } else {
          refused = r;
        }
      }
      assertTrue(accepted >= 1 && refused != null, "accepted " + accepted + " before a refusal");
      assertEquals(503, refused.status());
      assertEquals("{\"detail\":\"Registry full\"}", refused.text());
      assertEquals(accepted, metric(solo, "rendezvous_s2_peers", "state", "all"));
      assertEquals(200, register(solo, "peer-0", longName).status(), "a known id registers again as it was");
      assertEquals(503, register(solo, "peer-0", "n".repeat(1_000)).status(), "but not grown past the peers' share");
      assertEquals(2, metric(solo, "rendezvous_registry_full_total", "kind", "s2_peer"));

      // The other kinds have their own shares: a peer flood does not lock them out, and each is bounded alike.
      new RegistryClient(solo.vertx().eventBus()).heartbeat("m".repeat(600), "192.0.2.1", 4000);
      Poll.until(5_000, "the S0 user stored", () -> metric(solo, "rendezvous_s0_users") == 1 ? true : null);
      long now = System.currentTimeMillis();
      for (int i = 0; i < 4; i++) {
        wsSeen(solo, "name-" + i, "\"" + "i".repeat(600) + "\"", now);
      }
      Poll.until(5_000, "two S3 names kept, two refused", () ->
          metric(solo, "rendezvous_s3_known_names") == 2 && metric(solo, "rendezvous_registry_full_total", "kind", "s3_name") == 2
              ? true : null);
      assertEquals(0, metric(solo, "rendezvous_registry_full_total", "kind", "s0_user"));
      long used = metric(solo, "rendezvous_registry_memory_bytes");
      assertTrue(used > 0 && used <= BUDGET, "estimated " + used);
    }
  }

  @Test
  void s3NamesNotSeenForTheirRetentionAreRemovedFromMemoryAndTheFile() throws Exception {
    Path db = dir.resolve("r.db");
    try (SoloRegistry solo = SoloRegistry.deploy(dir, new JsonObject().put("wsNameRetentionSeconds", 2))) {
      long now = System.currentTimeMillis();
      wsSeen(solo, "stale", "\"old-id\"", now - 60_000);
      wsSeen(solo, "fresh", "\"new-id\"", now);
      Poll.until(10_000, "only the fresh name kept, in memory and in SQLite", () -> {
        return metric(solo, "rendezvous_s3_known_names") == 1
            && column(db, "SELECT username FROM ws_users").equals(List.of("fresh")) ? true : null;
      });
      Poll.until(10_000, "the fresh name expired in its turn once older than 2 s", () -> {
        return metric(solo, "rendezvous_s3_known_names") == 0
            && column(db, "SELECT username FROM ws_users").isEmpty() ? true : null;
      });
      assertTrue(System.currentTimeMillis() - now >= 2_000, "not before its retention");
    }
  }
}
