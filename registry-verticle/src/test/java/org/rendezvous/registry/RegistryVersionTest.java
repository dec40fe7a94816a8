package org.rendezvous.registry;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;
import org.rendezvous.registry.store.RegistryStore;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Last-writer-wins must not drop a write made after the entry it replaces, whatever the clocks say. */
class RegistryVersionTest {

  private static final long HOUR_MICROS = 3_600_000_000L;

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();
  private final AtomicLong clock = new AtomicLong(1_790_000_000_000_000L);
  private final RegistryIndex index = new RegistryIndex();
  private Context context;
  private GroupCommit commit;
  private Metrics metrics;

  @BeforeEach
  void open() throws Exception {
    RegistryStore store = RegistryStore.open(vertx, dir.resolve("registry.db").toString()).await(30, TimeUnit.SECONDS);
    context = vertx.getOrCreateContext();
    metrics = Metrics.of(vertx);
    commit = OnContext.call(context, () -> new GroupCommit(vertx, store, 10, metrics));
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private Registry registry() throws Exception {
    return OnContext.call(context, () -> new Registry("here", index, commit, clock::get, true, metrics, Registry.Caps.NONE));
  }

  @Test
  void writesAfterEntriesStampedByAClockAnHourAheadStillWin() throws Exception {
    Registry registry = registry();
    long ahead = clock.get() + HOUR_MICROS;
    ReplicationMessage fromAhead = new ReplicationMessage("ahead",
        List.of(new UserRecord("ann", "198.51.100.1", 1, ahead / 1_000_000L, ahead, "ahead")),
        List.of(new PeerRecord("p1", "bob", "198.51.100.2", 2, true, ahead, ahead, "ahead", ahead)), List.of());
    OnContext.call(context, () -> {
      registry.applyReplicated(fromAhead);
      return null;
    });

    OnContext.call(context, () -> registry.unregister(index.peer("p1"))).await(30, TimeUnit.SECONDS);
    assertFalse(index.peer("p1").online(), "DELETE answered 200 must take the peer offline");

    OnContext.call(context, () -> registry.register("p1", "bob2", "198.51.100.3", 7)).await(30, TimeUnit.SECONDS);
    PeerRecord p1 = index.peer("p1");
    assertTrue(p1.online());
    assertEquals(7, p1.port());
    assertEquals(clock.get(), p1.lastSeenMicros(), "last seen is this node's time, not the version");

    OnContext.call(context, () -> {
      registry.heartbeat("ann", "198.51.100.4", 9);
      return null;
    });
    UserRecord ann = index.user("ann");
    assertEquals(9, ann.port());
    assertEquals(clock.get() / 1_000_000L, ann.lastSeen());
  }

  @Test
  void anEntryFromAFastClockDoesNotPushAheadTheVersionsOfOtherKeys() throws Exception {
    Registry registry = registry();
    long ahead = clock.get() + HOUR_MICROS;
    ReplicationMessage fromAhead = new ReplicationMessage("ahead", List.of(),
        List.of(new PeerRecord("fast", "f", "198.51.100.2", 2, true, ahead, ahead, "ahead", ahead)), List.of());
    OnContext.call(context, () -> {
      registry.applyReplicated(fromAhead);
      return null;
    });
    OnContext.call(context, () -> registry.register("fast", "f", "198.51.100.2", 3)).await(30, TimeUnit.SECONDS);
    OnContext.call(context, () -> registry.register("other", "o", "198.51.100.3", 4)).await(30, TimeUnit.SECONDS);

    assertTrue(index.peer("fast").version() > ahead, "the fast entry's own key moves past it");
    assertTrue(index.peer("other").version() < ahead, "another key keeps this node's time");
  }

  @Test
  void aNodeRestartedWithItsClockSteppedBackStillReplacesWhatItWroteBefore() throws Exception {
    Registry before = registry();
    OnContext.call(context, () -> before.register("p1", "bob", "198.51.100.2", 1)).await(30, TimeUnit.SECONDS);

    clock.addAndGet(-HOUR_MICROS);
    Registry after = registry(); // a fresh Registry over the same entries: what a restart loads from the file

    OnContext.call(context, () -> after.register("p1", "bob", "198.51.100.2", 2)).await(30, TimeUnit.SECONDS);
    assertEquals(2, index.peer("p1").port());
    OnContext.call(context, () -> after.unregister(index.peer("p1"))).await(30, TimeUnit.SECONDS);
    assertFalse(index.peer("p1").online());
  }

  @Test
  void entriesReplicatedHereAlreadyPastRetentionAreNotBroughtBack() throws Exception {
    Registry registry = registry();
    long now = clock.get();
    long old = now - 2 * HOUR_MICROS;
    OnContext.call(context, () -> registry.expire(new Registry.Retention(3_600, 3_600, 3_600)));
    // what a node that has not swept yet still holds, next to entries within the hour
    ReplicationMessage fromBehind = new ReplicationMessage("behind",
        List.of(new UserRecord("stale-user", "198.51.100.1", 1, old / 1_000_000L, old, "behind"),
            new UserRecord("fresh-user", "198.51.100.2", 2, now / 1_000_000L, now, "behind")),
        List.of(new PeerRecord("stale-peer", "s", "198.51.100.3", 3, true, old, old, "behind", old),
            new PeerRecord("fresh-peer", "f", "198.51.100.4", 4, true, now, now, "behind", now)),
        List.of(new WsUserRecord("stale-name", "1", old / 1_000L, old / 1_000L),
            new WsUserRecord("fresh-name", "2", old / 1_000L, now / 1_000L)));
    OnContext.call(context, () -> {
      registry.mergeSnapshot(fromBehind);
      return null;
    });
    assertEquals(List.of("fresh-user"), index.users().stream().map(UserRecord::username).toList());
    assertEquals(List.of("fresh-peer"), index.peers().stream().map(PeerRecord::peerId).toList());
    assertEquals(List.of("fresh-name"), index.wsUsers().stream().map(WsUserRecord::username).toList());
  }
}
