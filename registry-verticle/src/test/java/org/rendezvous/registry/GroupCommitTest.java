package org.rendezvous.registry;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;
import org.rendezvous.registry.store.RegistryStore;
import org.rendezvous.registry.store.WriteBatch;
import org.rendezvous.testkit.Poll;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.rendezvous.registry.SqliteRows.column;

/** The group commit against a real SQLite file that another connection keeps locked for a while. */
class GroupCommitTest {

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void everyKindOfRowWrittenDuringAFailedCommitReachesTheFileOnRetry() throws Exception {
    String db = dir.resolve("registry.db").toString();
    RegistryStore store = RegistryStore.open(vertx, db).await(30, TimeUnit.SECONDS);
    WriteBatch before = new WriteBatch();
    before.put(new UserRecord("gone-user", "198.51.100.1", 1, 100, 1, "n"));
    before.put(new PeerRecord("gone-peer", "g", "198.51.100.1", 1, true, 1, 1, "n", 1));
    store.write(before).await(30, TimeUnit.SECONDS);
    Context context = vertx.getOrCreateContext();
    Metrics metrics = Metrics.of(vertx);
    GroupCommit commit = OnContext.call(context, () -> new GroupCommit(vertx, store, 10, metrics));
    Metrics.Counter failures = metrics.counter("rendezvous_registry_commit_failures_total", "");

    Future<Void> done;
    try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = lock.createStatement()) {
      st.execute("BEGIN IMMEDIATE"); // every writer now waits out its busy timeout and fails
      done = OnContext.call(context, () -> {
        commit.batch().put(new WsUserRecord("ws-first", "\"1\"", 10, 10));
        Future<Void> first = commit.flushNow(); // now in flight, and bound to fail
        WriteBatch during = commit.batch();
        during.put(new UserRecord("ann", "198.51.100.7", 7, 200, 2, "n"));
        during.deleteUser("gone-user");
        during.put(new PeerRecord("p1", "bob", "198.51.100.8", 8, true, 2, 2, "n", 2));
        during.deletePeer("gone-peer");
        during.put(new WsUserRecord("ws-during", "\"2\"", 20, 20));
        return Future.all(first, commit.committed()).mapEmpty();
      });
      Poll.until(30_000, "the commit under the lock to fail", () -> failures.value() > 0 ? true : null);
      st.execute("ROLLBACK");
    }
    done.await(30, TimeUnit.SECONDS);

    try (Connection read = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      assertEquals(List.of("ann"), column(read, "SELECT username FROM users ORDER BY rowid"));
      assertEquals(List.of("p1"), column(read, "SELECT peer_id FROM peers ORDER BY rowid"));
      assertEquals(List.of("ws-first", "ws-during"), column(read, "SELECT username FROM ws_users ORDER BY rowid"));
    }
  }

  @Test
  void aCallerIsToldWhenCommitsKeepFailingAndItsRowsAreStillWrittenLater() throws Exception {
    String db = dir.resolve("registry.db").toString();
    RegistryStore store = RegistryStore.open(vertx, db).await(30, TimeUnit.SECONDS);
    Context context = vertx.getOrCreateContext();
    Metrics metrics = Metrics.of(vertx);
    GroupCommit commit = OnContext.call(context, () -> new GroupCommit(vertx, store, 10, 1, 0, metrics));
    Future<Void> done;
    try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = lock.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      done = OnContext.call(context, () -> {
        commit.batch().put(new UserRecord("late", "198.51.100.9", 9, 300, 3, "n"));
        return commit.flushNow();
      });
      // the first failure comes after SQLite's busy wait, past the 1 ms this caller may wait: it is told
      // failed, not still waiting (that would be a TimeoutException)
      assertThrows(ExecutionException.class, () -> done.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
      st.execute("ROLLBACK");
    }
    // nothing is lost: the rows stay queued and the next attempt writes them
    Poll.until(30_000, "the row written on retry", () -> {
      try (Connection read = DriverManager.getConnection("jdbc:sqlite:" + db)) {
        return column(read, "SELECT username FROM users").equals(List.of("late")) ? true : null;
      }
    });
  }
}
