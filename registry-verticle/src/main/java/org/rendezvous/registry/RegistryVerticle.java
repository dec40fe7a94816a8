package org.rendezvous.registry;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.eventbus.DeliveryOptions;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.LocalCodec;
import org.rendezvous.common.Metrics;
import org.rendezvous.common.RetriedRequest;
import org.rendezvous.common.SourceRateLimiter;
import org.rendezvous.common.Utf16;
import org.rendezvous.registry.store.RegistryStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The registry service of a node: loads its SQLite file, catches up from a peer, then serves S0
 * writes and LIST from the bus, replicates, and runs the S2 REST API.
 * Verticle config: {@code {"nodeId": …, "registry": {…see RegistryConfig…}}}.
 */
public final class RegistryVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(RegistryVerticle.class.getName());
  /** How long a joined member's snapshot is asked for: 60 attempts, 500 ms apart. */
  private static final int JOIN_SYNC_ATTEMPTS = 60;
  private static final long JOIN_SYNC_RETRY_MS = 500;
  public static final String HTTP_LISTENER = "s2-http";

  private RegistryConfig cfg;
  private String nodeId;
  private RegistryStore store;
  private GroupCommit commit;
  private Registry registry;
  private AntiEntropyRounds rounds;
  private HttpServer http;
  private final List<Long> timers = new ArrayList<>();

  @Override
  public Future<?> start() {
    cfg = RegistryConfig.from(config().getJsonObject("registry", new JsonObject()));
    nodeId = config().getString("nodeId", "local");
    Metrics metrics = Metrics.of(vertx);
    RegistryIndex index = new RegistryIndex();
    metrics.gauge("rendezvous_s0_users", "S0 users in the registry", index::userCount);
    metrics.gauge("rendezvous_s2_peers", "S2 peers in the registry", index::peerCount, "state", "all");
    metrics.gauge("rendezvous_s2_peers", "S2 peers in the registry", index::onlinePeerCount, "state", "online");
    metrics.gauge("rendezvous_s3_known_names", "S3 names the registry has seen", () -> index.wsUsers().size());
    metrics.gauge("rendezvous_registry_memory_bytes", "Heap the registry's entries take, as estimated against registry.maxMemoryBytes",
        index::bytes);
    return RegistryStore.open(vertx, cfg.dbPath())
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot open the SQLite file " + cfg.dbPath()
            + " (registry.dbPath): " + e.getMessage(), e)))
        .compose(s -> {
          store = s;
          commit = new GroupCommit(vertx, store, cfg.commitDelayMs(), GroupCommit.WAITER_DEADLINE_MS,
              cfg.notReadyAfterFailingCommitsSeconds() * 1_000, metrics);
          registry = new Registry(nodeId, index, commit, RegistryVerticle::epochMicros, vertx.isClustered(), metrics,
              new Registry.Caps(cfg.maxUsers(), cfg.maxPeers(), cfg.maxWsNames(), cfg.maxMemoryBytes()));
          rounds = new AntiEntropyRounds(vertx, nodeId, cfg, registry, metrics);
          return store.loadInto(index);
        })
        .compose(v -> {
          // Expired before anything is served or merged: a node started on an old file hands out no stale entries.
          registry.expire(cfg.retention());
          LOG.info("registry loaded " + index.userCount() + " users, " + index.peerCount() + " peers, " + index.wsUsers().size()
              + " S3 names from " + cfg.dbPath() + " (about " + (index.bytes() >> 20) + " MiB of registry.maxMemoryBytes "
              + (cfg.maxMemoryBytes() >> 20) + " MiB)");
          LocalCodec.register(vertx.eventBus(), RegistryClient.Heartbeat.class);
          MessageConsumer<Buffer> replicate = vertx.eventBus().consumer(RegistryClient.REPLICATE, m -> {
            if (!nodeId.equals(m.headers().get(RegistryClient.FROM_HEADER))) {
              registry.applyReplicated(ReplicationMessage.fromJson(new JsonObject(m.body())));
            }
          });
          MessageConsumer<RegistryClient.Heartbeat> heartbeat = vertx.eventBus().localConsumer(RegistryClient.HEARTBEAT, m -> {
            RegistryClient.Heartbeat h = m.body();
            registry.heartbeat(h.username(), h.ip(), h.port());
          });
          MessageConsumer<Integer> list = vertx.eventBus().localConsumer(RegistryClient.LIST, m ->
              m.reply(Buffer.buffer(index.renderList(registry.nowMicros() / 1_000_000L, m.body()))));
          Metrics.Counter unstorable = metrics.counter("rendezvous_registry_ws_names_unstorable_total",
              "S3 names not kept: half a surrogate pair in the name or user id, which SQLite would store changed");
          MessageConsumer<JsonObject> wsSeen = vertx.eventBus().localConsumer(RegistryClient.WS_SEEN, m -> {
            JsonObject b = m.body();
            if (b.getValue("username") instanceof String u && b.getValue("user_id_json") instanceof String id
                && b.getValue("ts") instanceof Number ts) {
              if (Utf16.hasLoneSurrogate(u) || Utf16.hasLoneSurrogate(id)) {
                unstorable.inc();
              } else {
                registry.wsSeen(u, id, ts.longValue());
              }
            }
          });
          return Future.join(replicate.completion(), heartbeat.completion(), list.completion(), wsSeen.completion());
        })
        .compose(v -> catchUp(metrics))
        .compose(v -> Future.join(
            vertx.eventBus().<JsonObject>consumer(RegistryClient.SYNC, m -> m.reply(registry.snapshot().toJson())).completion(),
            vertx.eventBus().<JsonObject>consumer(RegistryClient.SNAPSHOT_PREFIX + nodeId,
                m -> registry.mergeSnapshot(ReplicationMessage.fromJson(m.body()))).completion(),
            vertx.eventBus().<JsonObject>consumer(RegistryClient.HELLO, m -> sendSnapshot(m.body().getString("from")))
                .completion(),
            vertx.eventBus().<JsonObject>consumer(RegistryClient.SYNC_PREFIX + nodeId, m -> m.reply(registry.snapshot().toJson()))
                .completion(),
            vertx.eventBus().consumer(RegistryClient.DIGEST_PREFIX + nodeId, rounds::answer).completion(),
            // A member that (re)joins may have missed writes while it was cut off, as the others may have missed
            // its own: each side of the join pulls the other's snapshot (SPEC §2 rule 5, "starts or rejoins").
            vertx.eventBus().<String>localConsumer(ClusterEvents.NODE_JOINED, m -> pullFrom(m.body(), metrics))
                .completion()))
        .onSuccess(v -> vertx.eventBus().publish(RegistryClient.HELLO, new JsonObject().put("from", nodeId)))
        .compose(v -> {
          timers.add(vertx.setPeriodic(cfg.commitDelayMs(), id -> publish(metrics)));
          if (vertx.isClustered() && cfg.antiEntropySeconds() > 0) {
            timers.add(vertx.setPeriodic(cfg.antiEntropySeconds() * 1_000, id -> rounds.round()));
          }
          long sweepMs = sweepInterval();
          if (sweepMs > 0) {
            timers.add(vertx.setPeriodic(sweepMs, id -> registry.expire(cfg.retention())));
          }
          http = vertx.createHttpServer(new HttpServerOptions().setHost(cfg.httpHost()).setPort(cfg.httpPort())
              .setMaxInitialLineLength(8192).setMaxHeaderSize(16384)
              .setIdleTimeout((int) cfg.httpIdleTimeoutMs()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
              .setHttp2ClearTextEnabled(false) // HTTP/1.1 only, as the original: a connection is counted as it is accepted
              .setHandle100ContinueAutomatically(true)); // as uvicorn: curl sends a body over 1 KiB only after it, or after 1 s
          limitConnections(http, metrics);
          http.requestHandler(new PeerApi(registry, cfg, metrics,
              SourceRateLimiter.forListener(vertx, cfg.httpRateLimit(), HTTP_LISTENER)));
          return http.listen();
        })
        .onSuccess(server -> BoundPorts.record(vertx, HTTP_LISTENER, server.actualPort()));
  }

  /** At most registry.httpMaxConnections S2 connections at once: one beyond is closed as it is accepted, and counted. */
  private void limitConnections(HttpServer server, Metrics metrics) {
    AtomicInteger open = new AtomicInteger();
    metrics.gauge("rendezvous_s2_connections", "S2 HTTP connections open", open::get);
    Metrics.Counter refused = metrics.counter("rendezvous_s2_connections_refused_total",
        "S2 connections closed as they were accepted: registry.httpMaxConnections were open");
    server.connectionHandler(conn -> {
      if (open.incrementAndGet() > cfg.httpMaxConnections()) {
        open.decrementAndGet();
        refused.inc();
        conn.close();
        return;
      }
      conn.closeHandler(v -> open.decrementAndGet());
    });
  }

  private void sendSnapshot(String toNode) {
    if (toNode != null && !nodeId.equals(toNode)) {
      vertx.eventBus().send(RegistryClient.SNAPSHOT_PREFIX + toNode, registry.snapshot().toJson());
    }
  }

  /**
   * Merges the snapshot of a member that joined, then sends it ours. Its registry may not serve yet (a node
   * starting, or one whose event-bus addresses are still being restored after a merge): ask again, for a
   * bounded time.
   */
  private void pullFrom(String member, Metrics metrics) {
    if (member == null || member.equals(nodeId)) {
      return;
    }
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(cfg.syncTimeoutMs());
    RetriedRequest.<JsonObject>send(vertx, RegistryClient.SYNC_PREFIX + member, new JsonObject().put("from", nodeId), opts,
            JOIN_SYNC_ATTEMPTS, JOIN_SYNC_RETRY_MS, () -> true)
        .onSuccess(reply -> {
          registry.mergeSnapshot(ReplicationMessage.fromJson(reply.body()));
          metrics.counter("rendezvous_registry_join_syncs_total", "Snapshots merged from a member that joined").inc();
          LOG.info("registry merged the snapshot of member " + member);
          // Its registry answers, so it receives now: hand it ours too. Writes published here before this
          // node saw its subscriptions (right after it started) would otherwise never reach it.
          sendSnapshot(member);
        })
        .onFailure(e -> LOG.warning("registry: no snapshot from member " + member + " after " + JOIN_SYNC_ATTEMPTS
            + " attempts: " + e));
  }

  /** Pulls a snapshot from some other node, if there is one, and merges it both ways. */
  private Future<Void> catchUp(Metrics metrics) {
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(cfg.syncTimeoutMs());
    // Our own SYNC consumer is not registered yet, so this reaches another node or no one.
    return vertx.eventBus().<JsonObject>request(RegistryClient.SYNC, new JsonObject().put("from", nodeId), opts)
        .map(reply -> {
          ReplicationMessage snapshot = ReplicationMessage.fromJson(reply.body());
          registry.mergeSnapshot(snapshot);
          LOG.info("registry caught up from node " + snapshot.from() + ": " + snapshot.users().size() + " users, "
              + snapshot.peers().size() + " peers");
          metrics.counter("rendezvous_registry_syncs_total", "Catch-up snapshots merged at start").inc();
          return (Void) null;
        })
        .recover(e -> {
          if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
            return Future.succeededFuture(); // first registry in the cluster
          }
          LOG.warning("registry catch-up failed, serving local data only: " + e);
          return Future.succeededFuture();
        });
  }

  private void publish(Metrics metrics) {
    ReplicationMessage out = registry.drainOutgoing();
    if (out != null) {
      publish(out);
      metrics.counter("rendezvous_registry_replicated_out_total", "Entries published to other nodes")
          .add(out.users().size() + out.peers().size());
    }
  }

  private void publish(ReplicationMessage out) {
    vertx.eventBus().publish(RegistryClient.REPLICATE, out.toJson().toBuffer(),
        new DeliveryOptions().addHeader(RegistryClient.FROM_HEADER, nodeId));
  }

  private long sweepInterval() {
    long shortest = Long.MAX_VALUE;
    for (long s : new long[] {cfg.userRetentionSeconds(), cfg.peerTtlSeconds(), cfg.wsNameRetentionSeconds()}) {
      if (s > 0) {
        shortest = Math.min(shortest, s);
      }
    }
    return shortest == Long.MAX_VALUE ? 0 : Math.max(1_000, Math.min(60_000, shortest * 100));
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    Future<Void> closed = http == null ? Future.succeededFuture() : http.close();
    return closed
        .compose(v -> {
          if (registry != null) {
            ReplicationMessage out = registry.drainOutgoing();
            if (out != null) {
              publish(out);
            }
          }
          if (commit == null) {
            return Future.succeededFuture();
          }
          // bounded: with SQLite failing, the commit is retried for ever and the node would never stop
          return commit.flushNow().timeout(STOP_FLUSH_TIMEOUT_S, TimeUnit.SECONDS).recover(e -> {
            LOG.severe("registry: the last writes could not be committed to " + cfg.dbPath() + " before stopping: " + e);
            return Future.succeededFuture();
          });
        })
        .compose(v -> store == null ? Future.succeededFuture() : store.close());
  }

  /** Longest a stopping node waits for its last SQLite commit. */
  static final long STOP_FLUSH_TIMEOUT_S = 15;

  private static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
