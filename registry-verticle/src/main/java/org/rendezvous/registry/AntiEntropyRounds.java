package org.rendezvous.registry;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.Metrics;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/** Both sides of an {@link AntiEntropy} round over the event bus; on the registry verticle's event loop. */
final class AntiEntropyRounds {

  private static final Logger LOG = Logger.getLogger(AntiEntropyRounds.class.getName());

  private final Vertx vertx;
  private final String nodeId;
  private final RegistryConfig cfg;
  private final Registry registry;
  private final Metrics.Counter rounds;
  private final Metrics.Counter failures;
  private final Metrics.Counter repaired;

  AntiEntropyRounds(Vertx vertx, String nodeId, RegistryConfig cfg, Registry registry, Metrics metrics) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.cfg = cfg;
    this.registry = registry;
    this.rounds = metrics.counter("rendezvous_registry_anti_entropy_rounds_total", "S2 peer comparisons with another member answered");
    this.failures = metrics.counter("rendezvous_registry_anti_entropy_failures_total",
        "S2 peer comparisons with another member not answered, or answered with something unreadable");
    this.repaired = metrics.counter("rendezvous_registry_anti_entropy_repaired_total",
        "S2 peer writes a comparison with another member brought here (replication had lost them)");
  }

  /** Sends one other member, chosen at random, this node's digest and merges the peers it answers with. */
  void round() {
    List<String> others = ClusterEvents.otherMembers(vertx, nodeId);
    if (others.isEmpty()) {
      return;
    }
    String member = others.get(ThreadLocalRandom.current().nextInt(others.size()));
    long now = registry.nowMicros();
    long cutoff = now - (2 * cfg.commitDelayMs() + 1_000) * 1_000; // younger writes may still be on their way
    long expiredBefore = cfg.peerTtlSeconds() > 0 ? now - cfg.peerTtlSeconds() * 1_000_000 : Long.MIN_VALUE;
    JsonObject ask = AntiEntropy.request(nodeId, cutoff, expiredBefore, AntiEntropy.digest(registry.index(), cutoff, expiredBefore));
    long timeoutMs = Math.min(cfg.syncTimeoutMs(), cfg.antiEntropySeconds() * 1_000);
    vertx.eventBus().<JsonObject>request(RegistryClient.DIGEST_PREFIX + member, ask, new DeliveryOptions().setSendTimeout(timeoutMs))
        .onSuccess(reply -> merge(member, reply.body(), cutoff, expiredBefore))
        .onFailure(e -> failures.inc()); // a member without the registry, or one gone: the next round asks another
  }

  private void merge(String member, JsonObject reply, long cutoff, long expiredBefore) {
    boolean[] buckets = AntiEntropy.bucketsFromJson(reply.getValue("buckets"));
    ReplicationMessage theirs;
    try {
      theirs = buckets != null && reply.getValue("entries") instanceof JsonObject entries ? ReplicationMessage.fromJson(entries) : null;
    } catch (RuntimeException e) {
      theirs = null;
    }
    if (theirs == null) {
      failures.inc();
      return;
    }
    rounds.inc();
    if (!AntiEntropy.any(buckets)) {
      return;
    }
    theirs = new ReplicationMessage(theirs.from(), List.of(), theirs.peers(), List.of()); // peers are what rounds compare
    int lost = AntiEntropy.lostHere(registry.index(), theirs, cutoff, expiredBefore);
    registry.mergeSnapshot(theirs, id -> false, id -> {
      PeerRecord mine = registry.index().peer(id);
      return buckets[AntiEntropy.bucket(id)] && mine != null && mine.lastSeenMicros() >= expiredBefore;
    }, name -> false);
    repaired.add(lost);
    if (lost > 0) {
      LOG.info("registry: anti-entropy with member " + member + " brought " + lost + " peer writes replication had lost");
    }
  }

  /** The other side of {@link #round}: this node's peers where the digests differ. */
  void answer(Message<Object> m) {
    if (!(m.body() instanceof JsonObject body)) {
      m.fail(400, "malformed digest");
      return;
    }
    long[] theirs = AntiEntropy.digestFromJson(body.getValue("digest"));
    if (theirs == null || !(body.getValue("cutoff") instanceof Number cutoff)
        || !(body.getValue("expiredBefore") instanceof Number expiredBefore)) {
      m.fail(400, "malformed digest");
      return;
    }
    boolean[] differ = AntiEntropy.differing(AntiEntropy.digest(registry.index(), cutoff.longValue(), expiredBefore.longValue()), theirs);
    m.reply(new JsonObject().put("buckets", AntiEntropy.toJson(differ))
        .put("entries", AntiEntropy.peersIn(registry.index(), differ, expiredBefore.longValue(), nodeId).toJson()));
  }
}
