package org.rendezvous.udp.lobby;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Bounded;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.ClusterMaps;
import org.rendezvous.common.ConfigValues;
import org.rendezvous.common.DepartedNodes;
import org.rendezvous.common.Metrics;
import org.rendezvous.common.RetriedRequest;
import org.rendezvous.common.SourceRateLimiter;
import org.rendezvous.common.UdpEndpoint;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * S4 lobby sessions on UDP 57775. A datagram is parsed here ({@link LobbyCodec}) and handed to its
 * session ({@link LobbySession}): directly when this node owns it, else over the event bus to the
 * owner's actor; an {@code h} that finds no session reserves the name cluster-wide and creates the
 * session here. Replies leave from the socket of each player's home node (SPEC §2 rules 1–4).
 * Datagrams beyond their source's rate limit are dropped before parsing (counted).
 * Verticle config: {@code {"nodeId": …, "lobby": {…see LobbyConfig…}}}.
 */
public final class LobbyVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(LobbyVerticle.class.getName());
  public static final String LISTENER = "lobby";
  /**
   * An {@code h} that lost the reservation while no actor answered looks again this many times,
   * {@link #HOST_RETRY_MS} apart, doubling: the winner's actor may not be visible cluster-wide yet,
   * or the name is being freed by a session that just ended.
   */
  private static final int HOST_RETRIES = 3;
  private static final long HOST_RETRY_MS = 50;

  private LobbyConfig cfg;
  private String nodeId;
  /** Sessions created here so far: the number in each one's names-map value. */
  private long holds;
  static final char HOLD_SEPARATOR = '#';
  private LobbyBus bus;
  private AsyncMap<String, String> names;
  private UdpEndpoint socket;
  private final Map<String, SessionActor> actors = new HashMap<>();
  private final DepartedNodes leftNodes = new DepartedNodes();
  /** Names this node is reserving for an h now (how many h's are on their way for each). */
  private final Map<String, Integer> reserving = new HashMap<>();
  private final byte[] in = new byte[UdpEndpoint.MAX_READ];
  private final SessionOutput out = new SessionOutput();
  private LobbyMetrics metrics;
  private SourceRateLimiter limiter;

  @Override
  public Future<?> start() {
    cfg = LobbyConfig.from(ConfigValues.section(config(), "lobby"));
    nodeId = config().getString("nodeId", ClusterEvents.nodeId(vertx, UUID.randomUUID().toString()));
    bus = new LobbyBus(vertx.eventBus(), cfg.forwardTimeoutMs());
    metrics = new LobbyMetrics(Metrics.of(vertx));
    limiter = SourceRateLimiter.forListener(vertx, cfg.rateLimit(), LISTENER);
    MessageConsumer<JsonObject> relay = bus.consumeRelay(nodeId, this::onRelay);
    vertx.eventBus().<String>localConsumer(ClusterEvents.NODE_LEFT, m -> onNodeLeft(m.body()));
    vertx.eventBus().<String>localConsumer(ClusterEvents.NODE_JOINED, m -> onNodeJoined(m.body()));
    return Future.join(relay.completion(),
            vertx.sharedData().<String, String>getAsyncMap(LobbyBus.NAMES_MAP).onSuccess(m -> names = m))
        .compose(v -> UdpEndpoint.bind(context, cfg.host(), cfg.port(), LISTENER, this::onDatagram))
        .onSuccess(s -> {
          socket = s;
          BoundPorts.record(vertx, LISTENER, s.localPort());
        });
  }

  /** Frees the names of the sessions this node owns (a graceful stop), then closes the socket. */
  @Override
  public Future<?> stop() {
    List<Future<Boolean>> releases = new ArrayList<>();
    for (SessionActor a : actors.values()) {
      vertx.cancelTimer(a.timerId);
      if (names != null) {
        releases.add(names.removeIfPresent(a.session.name(), a.hold));
      }
    }
    actors.clear();
    return Future.join(releases).eventually(() -> socket == null ? Future.succeededFuture() : socket.close());
  }

  private void onDatagram(ByteBuf data, InetSocketAddress sender) {
    if (!limiter.tryAcquire(SourceRateLimiter.keyOf(sender.getAddress()), System.nanoTime())) {
      metrics.droppedRateLimited.inc();
      return;
    }
    int len = data.readableBytes();
    if (len >= in.length) {
      metrics.droppedOversize.inc(); // perhaps cut by the kernel: its text cannot be judged; no command is this long
      return;
    }
    data.getBytes(data.readerIndex(), in, 0, len);
    LobbyCodec.Parsed parsed = LobbyCodec.parse(in, 0, len);
    switch (parsed.verdict()) {
      case COMMAND -> {
        LobbyCommand cmd = parsed.command();
        metrics.request(cmd.type());
        route(cmd, new Peer(UdpEndpoint.ipText(sender), sender.getPort(), nodeId), 0);
      }
      case INVALID_REQUEST -> sendError(sender, LobbyError.INVALID_REQUEST);
      case NOT_UTF8 -> metrics.droppedNotUtf8.inc();
      case UNKNOWN_TYPE -> metrics.droppedUnknownType.inc();
    }
  }

  /** To the session: here when this node owns it, else to its actor; {@code attempt} counts h retries. */
  private void route(LobbyCommand cmd, Peer from, int attempt) {
    long t0 = System.nanoTime();
    SessionActor local = actors.get(cmd.session());
    if (local != null) {
      if (!local.handle(cmd, from)) {
        absent(cmd, from, attempt);
      } else {
        metrics.latencyHere.observe((System.nanoTime() - t0) / 1_000);
      }
      return;
    }
    metrics.forwarded.inc();
    bus.forward(cmd, from).onComplete(ar -> {
      if (ar.succeeded()) {
        metrics.latencyForwarded.observe((System.nanoTime() - t0) / 1_000);
        for (Object d : ar.result()) {
          JsonObject datagram = (JsonObject) d;
          sendText(new InetSocketAddress(datagram.getString("ip"), datagram.getInteger("port")), datagram.getString("text"));
        }
      } else if (RetriedRequest.noHandlers(ar.cause()) && cmd.type() != LobbyCommand.Type.HOST) {
        confirmAbsent(cmd, from, attempt);
      } else if (LobbyBus.isAbsent(ar.cause())) {
        absent(cmd, from, attempt);
      } else {
        unanswered(cmd, from, attempt, ar.cause());
      }
    });
  }

  /**
   * The session's actor did not answer. The names map decides whether the session exists: while a
   * live node holds the name it does, and the client will retransmit. With no holder, or a dead one,
   * the event bus is still routing the name to a node that is gone (its subscription cache can miss
   * a dead node's removal), so the route is refreshed and the session treated as absent.
   */
  private void unanswered(LobbyCommand cmd, Peer from, int attempt, Throwable cause) {
    names.get(cmd.session()).onComplete(ar -> {
      if (ar.succeeded() && (ar.result() == null || !isMember(ownerOf(ar.result())))) {
        metrics.staleRoutes.inc();
        refreshRoute(cmd.session());
        absent(cmd, from, attempt);
      } else {
        metrics.droppedOwnerUnreachable.inc();
        LOG.fine(() -> "lobby " + cmd.toWire() + " from " + from + ": the session's owner did not answer: " + cause);
      }
    });
  }

  /**
   * No node consumes the session's address. Right after a member died that can be untrue: the event bus's
   * subscription map may have lost the owner's entry with the dead member, until the owner publishes it again.
   * While a live node other than this one holds the name, the session exists: the datagram is dropped (the
   * client retransmits) instead of telling the client its session is gone.
   */
  private void confirmAbsent(LobbyCommand cmd, Peer from, int attempt) {
    names.get(cmd.session()).onComplete(ar -> {
      String holder = ar.succeeded() ? ownerOf(ar.result()) : null;
      if (ar.failed() || holder != null && !holder.equals(nodeId) && isMember(holder)) {
        metrics.droppedNoRoute.inc();
        LOG.fine(() -> "lobby " + cmd.toWire() + " from " + from + ": no route yet to the session's owner " + holder);
      } else {
        absent(cmd, from, attempt);
      }
    });
  }

  /**
   * The node of a names-map value {@code <nodeId>#<n>}: each session holds its name with its own value, so freeing
   * one session's name (late, after a split or a node's departure) can never free a newer session's.
   */
  static String ownerOf(String hold) {
    if (hold == null) {
      return null;
    }
    int sep = hold.lastIndexOf(HOLD_SEPARATOR);
    return sep < 0 ? hold : hold.substring(0, sep);
  }

  private boolean isMember(String node) {
    return ClusterEvents.isMember(vertx, node, nodeId);
  }

  /**
   * Registers and drops a consumer at the session's address: every node then re-reads who consumes
   * it, which clears a route to a dead node that the event bus kept.
   */
  private void refreshRoute(String session) {
    MessageConsumer<JsonObject> probe = bus.consumeSession(session, m -> m.fail(LobbyBus.GONE, "no session here"));
    probe.completion().onComplete(ar -> probe.unregister());
  }

  /** No session of that name answers: an h creates it once the name is reserved; anything else is told so. */
  private void absent(LobbyCommand cmd, Peer from, int attempt) {
    if (cmd.type() != LobbyCommand.Type.HOST) {
      sendError(from, LobbyError.SESSION_NON_EXISTENT);
      return;
    }
    if (actors.size() >= cfg.maxSessions()) {
      metrics.droppedTooManySessions.inc();
      return;
    }
    reserving.merge(cmd.session(), 1, Integer::sum);
    String hold = nodeId + HOLD_SEPARATOR + (++holds);
    names.putIfAbsent(cmd.session(), hold, cfg.reservationTtlMs()).onComplete(ar -> {
      reserving.computeIfPresent(cmd.session(), (k, n) -> n == 1 ? null : n - 1);
      if (ar.failed()) {
        metrics.droppedOwnerUnreachable.inc();
        LOG.warning("lobby " + cmd.session() + ": reserving the name failed: " + ar.cause());
      } else if (ar.result() == null && !actors.containsKey(cmd.session())) {
        create(cmd, from, hold);
      } else if (attempt < HOST_RETRIES) {
        vertx.setTimer(HOST_RETRY_MS << attempt, t -> route(cmd, from, attempt + 1));
      } else {
        sendError(from, LobbyError.SESSION_EXISTS);
      }
    });
  }

  /** A new session owned here; the host hears {@code i:} once its actor is reachable cluster-wide. */
  private void create(LobbyCommand cmd, Peer from, String hold) {
    SessionOutput first = new SessionOutput();
    SessionActor a = new SessionActor(LobbySession.create(cmd, from, now(), cfg.timers(), first), hold);
    actors.put(cmd.session(), a);
    metrics.sessions(1);
    metrics.players(a.players);
    a.consumer = bus.consumeSession(cmd.session(), a::onRequest);
    a.consumer.completion().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warning("lobby " + cmd.session() + ": actor registration failed: " + ar.cause());
        a.finish();
        return;
      }
      metrics.created.inc();
      if (actors.get(cmd.session()) == a) {
        a.settle(first, null, null);
      }
    });
    a.arm();
  }

  private void onRelay(Message<JsonObject> m) {
    JsonObject d = m.body();
    metrics.relayed.inc();
    sendText(new InetSocketAddress(d.getString("ip"), d.getInteger("port")), d.getString("text"));
  }

  /**
   * A node left: survivors free the names it held (each survivor tries; removeIfPresent makes that
   * safe), and each puts back the names of its own sessions, which the map loses when the dead node
   * held their only copy (it died before its partitions' backups were in place).
   */
  private void onNodeLeft(String deadNode) {
    leftNodes.left(deadNode);
    freeNamesOf(deadNode);
    reassertNames((a, holder) -> {
      if (holder == null) {
        metrics.namesRestored.inc();
      } else if (!holder.equals(nodeId)) {
        LOG.warning("lobby " + a.session.name() + ": the name of a session owned here is held by node " + holder);
      }
    });
  }

  /**
   * Puts the name of each session of this node back in the names map where it is missing, then hands
   * {@code outcome} each session still here with the node that held the name before (null: it was put back).
   * A name put back for a session that ended meanwhile is freed again: it must not outlive its session.
   */
  private void reassertNames(BiConsumer<SessionActor, String> outcome) {
    Bounded.each(new ArrayList<>(actors.values()), Bounded.CLEANUP_IN_FLIGHT, a -> {
      String name = a.session.name();
      return names.putIfAbsent(name, a.hold, cfg.reservationTtlMs()).onSuccess(holder -> {
        if (actors.get(name) == a) {
          outcome.accept(a, ownerOf(holder));
        } else if (holder == null) {
          names.removeIfPresent(name, a.hold); // only this session's own hold: a new session's is left alone
        }
      }).onFailure(e -> LOG.warning("lobby " + name + ": checking the name's owner failed: " + e));
    });
  }

  /**
   * A member this node had seen leave is back: the other side of a healed split, which may have sessions of the
   * same names as this node (each side freed the other's names). The names map keeps one owner per name: a
   * session of this node whose name a live member holds ends, so the name has one session cluster-wide. Checked
   * again once Hazelcast has merged the two sides' maps.
   */
  private void onNodeJoined(String node) {
    leftNodes.rejoined(vertx, node, this::keepOrLoseNames, () -> {
      keepOrLoseNames();
      releaseStaleNames();
    });
  }

  /**
   * Frees names the map gives this node that no session here holds: the merge may have brought back one whose
   * session ended while the two sides were joining (Hazelcast merges the cut-off side's old entries after the join).
   */
  private void releaseStaleNames() {
    freeNamesWhere(nodeId, (name, owner) -> nodeId.equals(ownerOf(owner)) && !actors.containsKey(name) && !reserving.containsKey(name),
        name -> LOG.info("lobby " + name + ": freed a name of this node the merge brought back after its session ended"),
        "after a split");
  }

  private void keepOrLoseNames() {
    reassertNames((a, holder) -> {
      metrics.splitNameChecks.inc();
      if (holder != null && !holder.equals(nodeId) && isMember(holder)) {
        LOG.info("lobby " + a.session.name() + ": node " + holder + " holds the name (a healed split); this node's session ends");
        metrics.namesLostInSplit.inc();
        out.clear();
        a.session.endNow(out);
        a.settle(out, null, null);
      }
    });
  }

  private void freeNamesOf(String deadNode) {
    freeNamesWhere(deadNode, (name, owner) -> deadNode.equals(ownerOf(owner)), name -> {
      metrics.namesFreed.inc();
      refreshRoute(name);
      LOG.info("lobby " + name + ": name freed, its node " + deadNode + " left the cluster");
    }, "after node " + deadNode + " left");
  }

  /**
   * Frees each name held by a session of {@code node} (read filtered by the cluster) whose entry ({@code name}, owner)
   * matches {@code which}; {@code freed} runs for each one freed.
   */
  private void freeNamesWhere(String node, BiPredicate<String, String> which, Consumer<String> freed, String when) {
    ClusterMaps.entriesByValue(vertx, LobbyBus.NAMES_MAP, names, node + HOLD_SEPARATOR, "").onSuccess(all -> {
      List<Map.Entry<String, String>> matching = new ArrayList<>();
      all.entrySet().forEach(e -> {
        if (which.test(e.getKey(), e.getValue())) {
          matching.add(e);
        }
      });
      Bounded.each(matching, Bounded.CLEANUP_IN_FLIGHT,
          e -> names.removeIfPresent(e.getKey(), e.getValue()).onSuccess(removed -> {
            if (removed) {
              freed.accept(e.getKey());
            }
          }));
    }).onFailure(e -> LOG.warning("lobby: cannot list session names " + when + ": " + e));
  }


  /** Sends now or after its delay, from this socket when the peer is homed here, else through its home node. */
  private void deliver(SessionOutput.Datagram d) {
    if (d.delayMs() > 0) {
      vertx.setTimer(d.delayMs(), t -> deliverNow(d.to(), d.text()));
    } else {
      deliverNow(d.to(), d.text());
    }
  }

  private void deliverNow(Peer to, String text) {
    if (to.home().equals(nodeId)) {
      sendText(new InetSocketAddress(to.ip(), to.port()), text);
    } else {
      bus.relay(to, text);
    }
  }

  private void sendError(Peer to, LobbyError e) {
    metrics.error(e);
    deliverNow(to, e.wire());
  }

  private void sendError(InetSocketAddress to, LobbyError e) {
    metrics.error(e);
    byte[] b = e.bytes();
    socket.send(b, 0, b.length, to);
  }

  private void sendText(InetSocketAddress to, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    socket.send(b, 0, b.length, to);
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }

  /** A session this node owns: its actor address, its timer, and the bookkeeping around each call. */
  private final class SessionActor {
    final LobbySession session;
    /** This session's value in the names map: its node and a number unique on it (see {@link #ownerOf}). */
    final String hold;
    MessageConsumer<JsonObject> consumer;
    long timerId = -1;
    long armedFor = Long.MAX_VALUE;
    int players;
    boolean finished;

    SessionActor(LobbySession session, String hold) {
      this.session = session;
      this.hold = hold;
      this.players = session.playerCount();
    }

    /** A request received by this node; false when the session ended on its timers just before it. */
    boolean handle(LobbyCommand cmd, Peer from) {
      long now = now();
      out.clear();
      if (session.nextDeadline() <= now) {
        session.tick(now, out);
        if (session.ended()) {
          settle(out, null, null);
          return false;
        }
      }
      session.handle(cmd, from, now, out);
      settle(out, null, null);
      return true;
    }

    /** A request forwarded by another node; the datagrams for that node ride back in the reply. */
    void onRequest(Message<JsonObject> m) {
      if (session.ended()) {
        m.fail(LobbyBus.GONE, "session ended");
        return;
      }
      LobbyCommand cmd = LobbyBus.command(m.body());
      Peer from = LobbyBus.sender(m.body());
      long now = now();
      out.clear();
      if (session.nextDeadline() <= now) {
        session.tick(now, out);
        if (session.ended()) {
          settle(out, null, null);
          m.fail(LobbyBus.GONE, "session ended");
          return;
        }
      }
      session.handle(cmd, from, now, out);
      JsonArray reply = new JsonArray();
      settle(out, from.home(), reply);
      m.reply(new JsonObject().put("send", reply));
    }

    /**
     * Counts what happened and sends the datagrams; those for node {@code replyHome} (a forwarding
     * node) go into {@code reply} instead. Then drops the session if it ended, else re-arms its timer.
     */
    void settle(SessionOutput o, String replyHome, JsonArray reply) {
      metrics.count(o);
      for (SessionOutput.Datagram d : o.datagrams()) {
        if (reply != null && d.delayMs() == 0 && d.to().home().equals(replyHome)) {
          reply.add(LobbyBus.datagram(d.to(), d.text()));
        } else {
          deliver(d);
        }
      }
      int now = session.playerCount();
      metrics.players(now - players);
      players = now;
      if (session.ended()) {
        finish();
      } else {
        arm();
      }
    }

    void arm() {
      long deadline = session.nextDeadline();
      if (deadline >= armedFor) {
        return; // the armed timer fires first and re-arms for the later deadline
      }
      vertx.cancelTimer(timerId);
      armedFor = deadline;
      timerId = vertx.setTimer(Math.max(1, deadline - now()), id -> {
        timerId = -1;
        armedFor = Long.MAX_VALUE;
        out.clear();
        session.tick(now(), out);
        settle(out, null, null);
      });
    }

    /** Drops the ended session: no actor, no timer, its name free again. */
    void finish() {
      if (finished) {
        return; // the name may already belong to a new session of this node
      }
      finished = true;
      if (actors.remove(session.name(), this)) {
        metrics.sessions(-1);
        metrics.players(-players);
        players = 0;
      }
      vertx.cancelTimer(timerId);
      timerId = -1;
      armedFor = Long.MIN_VALUE; // never re-armed
      if (consumer != null) {
        consumer.unregister();
      }
      names.removeIfPresent(session.name(), hold)
          .onFailure(e -> LOG.log(Level.WARNING, "lobby " + session.name() + ": freeing the name failed", e));
    }
  }
}
