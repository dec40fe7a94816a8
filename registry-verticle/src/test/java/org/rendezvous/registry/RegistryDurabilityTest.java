package org.rendezvous.registry;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;
import org.rendezvous.registry.store.RegistryStore;
import org.rendezvous.testkit.Poll;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** What the registry answers and loads around its SQLite file: nothing acknowledged before it is committed. */
class RegistryDurabilityTest {

  @TempDir
  Path dir;

  @Test
  void aSecondDeleteIsAnsweredOnlyOnceTheFirstOnesOfflineStateIsCommitted() throws Exception {
    try (SoloRegistry solo = SoloRegistry.deploy(dir, new JsonObject().put("commitDelayMs", 10))) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      URI base = URI.create("http://127.0.0.1:" + solo.port());
      String body = new JsonObject().put("peer_id", "p-twice").put("username", "t").put("port", 4000).encode();
      assertEquals(200, http.send(HttpRequest.newBuilder(base.resolve("/register")).timeout(Duration.ofSeconds(20))
          .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json").build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      Metrics.Counter failures = Metrics.of(solo.vertx()).counter("rendezvous_registry_commit_failures_total", "");
      HttpRequest delete = HttpRequest.newBuilder(base.resolve("/peer/p-twice")).timeout(Duration.ofSeconds(30)).DELETE().build();

      CompletableFuture<HttpResponse<String>> first;
      CompletableFuture<HttpResponse<String>> second;
      try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("r.db")); Statement st = lock.createStatement()) {
        st.execute("BEGIN IMMEDIATE"); // the node's commits now wait out their busy timeout and fail
        first = http.sendAsync(delete, HttpResponse.BodyHandlers.ofString());
        Poll.until(10_000, "the first DELETE applied in memory", () -> {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/peer/p-twice"))
              .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
          return r.body().contains("Peer is offline") ? true : null;
        });
        second = http.sendAsync(delete, HttpResponse.BodyHandlers.ofString());
        long failed = failures.value();
        Poll.until(30_000, "a commit failing after the second DELETE arrived", () -> failures.value() > failed ? true : null);
        assertFalse(second.isDone(), "the second DELETE is not answered while the offline state is not committed");
        assertFalse(first.isDone());
        st.execute("ROLLBACK");
      }
      assertEquals(200, first.get(30, TimeUnit.SECONDS).statusCode());
      assertEquals(200, second.get(30, TimeUnit.SECONDS).statusCode());
    }
  }

  @Test
  void usersRowsWithAnEmptyColumnAreSkippedAtLoadNotFatal() throws Exception {
    Path db = dir.resolve("seed.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      // the original's table, whose columns allow NULL
      st.execute("CREATE TABLE users (username TEXT PRIMARY KEY, ip TEXT, port INTEGER, last_seen INTEGER)");
      st.execute("INSERT INTO users VALUES ('ann', '198.51.100.1', 1000, 1790000000)");
      st.execute("INSERT INTO users VALUES ('no-seen', '198.51.100.2', 1001, NULL)");
      st.execute("INSERT INTO users VALUES ('no-port', '198.51.100.3', NULL, 1790000000)");
      st.execute("INSERT INTO users VALUES ('no-ip', NULL, 1003, 1790000000)");
      st.execute("INSERT INTO users VALUES (NULL, '198.51.100.4', 1004, 1790000000)");
      st.execute("INSERT INTO users VALUES ('bob', '198.51.100.5', 1005, 1790000001)");
    }
    assertEquals(List.of("ann", "bob"), loaded(db).users().stream().map(UserRecord::username).toList());
  }

  /** What a node starting on {@code db} holds once the file is opened (and migrated) and loaded. */
  private static RegistryIndex loaded(Path db) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      RegistryStore store = RegistryStore.open(vertx, db.toString()).await(30, TimeUnit.SECONDS);
      RegistryIndex index = new RegistryIndex();
      store.loadInto(index).await(30, TimeUnit.SECONDS);
      store.close().await(30, TimeUnit.SECONDS);
      return index;
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void peersOfAFileFromBeforeFirstSeenTimesAreOrderedByTheirLastRegistrationAsOnEveryNode() throws Exception {
    Path db = dir.resolve("v2.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      // schema version 2, as the previous release left it: no first registration times, rowids of this file only
      st.execute("CREATE TABLE users (username TEXT PRIMARY KEY, ip TEXT, port INTEGER, last_seen INTEGER)");
      st.execute("CREATE TABLE peers (peer_id TEXT PRIMARY KEY, username TEXT NOT NULL, ip TEXT NOT NULL,"
          + " port INTEGER NOT NULL, online INTEGER NOT NULL, last_seen_us INTEGER NOT NULL,"
          + " version INTEGER NOT NULL, origin TEXT NOT NULL)");
      st.execute("CREATE TABLE ws_users (username TEXT PRIMARY KEY, user_id_json TEXT NOT NULL,"
          + " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL)");
      st.execute("INSERT INTO peers VALUES ('zed', 'z', '198.51.100.1', 1, 1, 1790000000000000, 1790000000000000, 'n')");
      st.execute("INSERT INTO peers VALUES ('amy', 'a', '198.51.100.2', 2, 1, 1790000000000000, 1790000000000000, 'n')");
      st.execute("UPDATE peers SET last_seen_us = 1790000009000000, version = 1790000009000000 WHERE peer_id = 'zed'");
      st.execute("PRAGMA user_version = 2");
    }
    RegistryIndex index = loaded(db);
    long now = System.currentTimeMillis() * 1_000L;
    index.apply(new PeerRecord("bea", "b", "198.51.100.3", 3, true, now, now, "n", now));
    assertEquals(List.of("amy", "zed", "bea"), index.peers().stream().map(PeerRecord::peerId).toList(),
        "the stored rows by their last registration, which every node's copy shares (not by this file's rowids),"
            + " then new ones");
  }
}
