package org.rendezvous.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.rendezvous.common.Bounded;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.DepartedNodes;
import org.rendezvous.common.RetriedRequest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.rendezvous.ws.UserDirectory.CALL_START;
import static org.rendezvous.ws.UserDirectory.CALL_STOP;

/**
 * Decides what happens to every S3 message: registration (names unique across the cluster), call
 * requests and answers, relays to a user wherever its home node is, call state, online_users, and
 * the clean-up when a user leaves or its node dies. Runs on the verticle's event loop only.
 */
final class SignalingHub {

  private static final Logger LOG = Logger.getLogger(SignalingHub.class.getName());
  /** How long a remote user's own call_ended may trail its leave event. */
  static final long LEAVE_CALL_GRACE_MS = 1_000;
  /** Fetching a rejoined member's users: 60 attempts, 500 ms apart. */
  private static final int REJOIN_FETCH_ATTEMPTS = 60;
  private static final long REJOIN_FETCH_RETRY_MS = 500;
  /** Close code of a text message that is not UTF-8 (RFC 6455 7.4.1: inconsistent data). */
  private static final short INVALID_TEXT = 1007;
  private static final int HOLD_ATTEMPTS = 5;
  /** A retried call_request whose caller left meanwhile: not sent, and nobody to tell. */
  private static final VertxException CALLER_GONE = new VertxException("the caller left", true);
  /** Close code for a user whose name a newer registration on the other side of a healed split took (409: conflict). */
  static final short NAME_LOST_IN_SPLIT = 4409;

  private final Vertx vertx;
  private final Context context;
  private final String nodeId;
  private final WsConfig cfg;
  private final UserDirectory directory;
  private final RegisterAuth auth;
  private final SignalingMetrics metrics;
  private final Clock clock;

  private final Set<Connection> connections = new LinkedHashSet<>();
  private final Map<String, Connection> localUsers = new HashMap<>();
  private final OnlineUsers online;
  private final CallBook calls = new CallBook();
  private final OnlineUsersFanout<Connection, ByteBuf> fanout;
  private boolean pushScheduled;
  /** Monotonic (System.nanoTime): a wall clock stepping back must not hold pushes back. */
  private long lastPushNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
  /**
   * Nodes that left the cluster and have not joined again (a member cut off by a split comes back under
   * the same id). A join one of them published just before it left can arrive after its users were
   * dropped here; it must not bring them back.
   */
  private final DepartedNodes deadNodes = new DepartedNodes();

  SignalingHub(Vertx vertx, Context context, String nodeId, WsConfig cfg, UserDirectory directory, RegisterAuth auth,
               SignalingMetrics metrics, Clock clock) {
    this.vertx = vertx;
    this.context = context;
    this.nodeId = nodeId;
    this.cfg = cfg;
    this.directory = directory;
    this.auth = auth;
    this.metrics = metrics;
    this.clock = clock;
    this.fanout = new OnlineUsersFanout<>(cfg.onlineUsersMaxBytesInFlight(), this::writeOnlineUsers);
    this.online = new OnlineUsers(OnlineUsers.MAX_DEPARTURES, metrics.departuresForgottenEarly::inc);
  }

  // ---- connections ------------------------------------------------------------------------

  void opened(Connection c) {
    connections.add(c);
  }

  void closed(Connection c) {
    if (c.closed) {
      return;
    }
    c.closed = true;
    connections.remove(c);
    fanout.forget(c);
    leave(c);
  }

  Collection<Connection> connections() {
    return Collections.unmodifiableSet(connections);
  }

  int connectionCount() {
    return connections.size();
  }

  int localUserCount() {
    return localUsers.size();
  }

  int onlineUserCount() {
    return online.size();
  }

  int callCount() {
    return calls.size();
  }

  // ---- client messages ----------------------------------------------------------------------

  /**
   * One whole client message, from text or binary frames (both must hold UTF-8 JSON). A text message that is not
   * UTF-8 breaks the WebSocket protocol itself (RFC 6455 8.1): the connection is closed with 1007, as the original
   * server's WebSocket library does; a binary one is only invalid JSON.
   */
  void onMessage(Connection c, Buffer data, boolean text) {
    long t0 = System.nanoTime(); // relay latency starts here
    if (admit(c, t0)) {
      ClientMessage m = parse(data);
      if (text && m instanceof ClientMessage.NotUtf8) {
        metrics.protocolErrors.inc();
        c.fail(INVALID_TEXT, "invalid UTF-8 in a text message");
        return;
      }
      dispatch(c, m, t0);
    }
  }

  /** Parses the message in place when it is held in a heap array (as Vert.x hands frames over), else from a copy. */
  private static ClientMessage parse(Buffer data) {
    ByteBuf b = ((BufferInternal) data).getByteBuf();
    if (b.hasArray()) {
      return ClientMessageParser.parse(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes());
    }
    return ClientMessageParser.parse(data.getBytes());
  }

  private boolean admit(Connection c, long nowNanos) {
    if (c.budget.tryTake(nowNanos)) {
      return true;
    }
    metrics.dropped("rate_limited");
    return false;
  }

  private void dispatch(Connection c, ClientMessage m, long t0) {
    if (m instanceof ClientMessage.Register r) {
      metrics.received("register");
      register(c, r);
    } else if (m instanceof ClientMessage.Relay r) {
      metrics.received(r.type().wire);
      relay(c, r, t0);
    } else if (m instanceof ClientMessage.CallRequest r) {
      metrics.received("call_request");
      callRequest(c, r.target(), t0);
    } else if (m instanceof ClientMessage.CallAnswer a) {
      metrics.received(a.accepted() ? "call_accepted" : "call_rejected");
      callAnswer(c, a, t0);
    } else if (m instanceof ClientMessage.CallEnded e) {
      metrics.received("call_ended");
      callEnded(c, e.target(), t0);
    } else if (m instanceof ClientMessage.Invalid || m instanceof ClientMessage.NotUtf8) {
      metrics.received("invalid_json");
      replyError(c, ServerMessages.INVALID_JSON);
    } else if (m instanceof ClientMessage.NotObject) {
      metrics.received("not_object"); // valid JSON without a type: no reply, as an unknown type
    } else {
      metrics.received("unknown");
    }
  }

  private void register(Connection c, ClientMessage.Register r) {
    if (r.username() == null || r.userIdJson() == null) {
      replyError(c, ServerMessages.NAME_AND_ID_REQUIRED);
      return;
    }
    if (utf8Length(r.username()) > cfg.maxNameBytes() || utf8Length(r.userIdJson()) > cfg.maxNameBytes()) {
      replyError(c, ServerMessages.NAME_TOO_LONG);
      return;
    }
    // This connection's next message waits for the outcome (a call_request right after register must see it).
    c.registering = true;
    c.updateReading();
    auth.permits(r.token(), r.username())
        .compose(ok -> ok ? claim(c, r) : Future.succeededFuture(ServerMessages.UNAUTHORIZED))
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.log(Level.WARNING, "S3 register of a name on node " + nodeId + " failed", ar.cause());
          }
          String error = ar.succeeded() ? ar.result() : ServerMessages.REGISTRATION_FAILED;
          if (!c.closed) {
            if (error != null) {
              replyError(c, error);
            }
            c.registering = false;
            c.updateReading();
          }
        });
  }

  /** Registers {@code r} for {@code c}; completes with the error to send, or null once registered was sent. */
  private Future<String> claim(Connection c, ClientMessage.Register r) {
    if (c.closed) {
      return Future.succeededFuture(null);
    }
    OnlineUser held = c.user;
    if (held != null && held.username().equals(r.username())) {
      // the same connection registering its own name again: it keeps its place, with the new user_id
      OnlineUser next = new OnlineUser(held.username(), r.userIdJson(), nodeId, held.seq());
      return directory.replace(held, next).map(replaced -> {
        if (!replaced) {
          return ServerMessages.NAME_TAKEN; // the map names another registration (a healed split): settled by holdName
        }
        if (c.closed || c.user != held) {
          directory.release(next);
          return null;
        }
        c.user = next;
        joined(c, next);
        return null;
      });
    }
    return directory.claim(r.username(), r.userIdJson(), online.highestSeq()).compose(u -> {
      if (u == null) {
        return Future.succeededFuture(ServerMessages.NAME_TAKEN);
      }
      MessageConsumer<String> actor = vertx.eventBus().consumer(UserDirectory.USER_PREFIX + u.username());
      actor.handler(m -> onActorMessage(c, u.username(), m));
      return actor.completion()
          .recover(e -> {
            actor.unregister(); // a local handler may stay behind a failed cluster registration, bound to this connection
            return directory.release(u).transform(x -> Future.failedFuture(e));
          })
          .map(v -> {
            if (c.closed) {
              actor.unregister();
              directory.release(u);
              return null;
            }
            if (c.user != null) {
              leave(c); // Fix: a connection registering a new name gives up the old one
            }
            c.user = u;
            c.actor = actor;
            localUsers.put(u.username(), c);
            joined(c, u);
            return null;
          });
    });
  }

  private void joined(Connection c, OnlineUser u) {
    long now = clock.millis();
    online.join(u, now);
    directory.publishJoin(u);
    metrics.registrations.inc();
    reply(c, ServerMessages.registered(u.username(), u.userIdJson()));
    scheduleOnlineUsers();
    directory.seen(u, "register", now);
  }

  private void callRequest(Connection c, String target, long t0) {
    if (c.user == null) {
      replyError(c, ServerMessages.NOT_REGISTERED);
      return;
    }
    if (target == null) {
      replyError(c, ServerMessages.USER_NOT_FOUND);
      return;
    }
    String text = ServerMessages.incomingCall(c.user.username(), c.user.userIdJson());
    Connection local = localUsers.get(target);
    if (local != null) {
      write(local, utf8(text), "incoming_call", t0);
      return;
    }
    askHome(c, target, text, t0);
  }

  /**
   * Sends an incoming_call to the target's actor on its home node, which confirms; no handler (or no answer) means
   * the user is not there. Right after a member died, though, the bus may have lost the home node's subscription
   * until that node publishes it again: while the target is still listed on a live node other than this one, no
   * handler is asked about again, a bounded number of times, and never for a caller who has left.
   */
  private void askHome(Connection c, String target, String text, long t0) {
    RetriedRequest.retry(vertx, () -> c.closed || c.user == null ? Future.failedFuture(CALLER_GONE)
            : vertx.eventBus().request(UserDirectory.USER_PREFIX + target, text,
                options("incoming_call", t0, null, null).setSendTimeout(cfg.callRequestTimeoutMs())),
        RetriedRequest.ROUTE_ATTEMPTS, RetriedRequest.ROUTE_RETRY_MS, e -> {
          OnlineUser listed = online.get(target);
          boolean again = !c.closed && RetriedRequest.noHandlers(e)
              && listed != null && !listed.nodeId().equals(nodeId) && !deadNodes.contains(listed.nodeId());
          if (again) {
            metrics.routeRetries.inc();
          }
          return again;
        })
        .onFailure(e -> {
          if (!c.closed && e != CALLER_GONE) {
            replyError(c, ServerMessages.USER_NOT_FOUND);
          }
        });
  }

  private void callAnswer(Connection c, ClientMessage.CallAnswer a, long t0) {
    if (c.user == null) {
      metrics.dropped("unregistered_sender");
      return;
    }
    if (a.caller() == null) {
      metrics.dropped("unknown_target");
      return;
    }
    String me = c.user.username();
    // Call state changes before the message leaves: the peer may act on it at once.
    if (a.accepted() && isKnown(a.caller())) {
      calls.start(me, a.caller());
    } else {
      calls.end(me, a.caller());
    }
    if (a.accepted()) {
      deliver(a.caller(), utf8(ServerMessages.callAccepted(me)), "call_accepted", t0, CALL_START, me);
    } else {
      deliver(a.caller(), utf8(ServerMessages.callRejected(me)), "call_rejected", t0, CALL_STOP, me);
    }
  }

  private void relay(Connection c, ClientMessage.Relay r, long t0) {
    if (c.user == null) {
      metrics.dropped("unregistered_sender");
      return;
    }
    if (r.target() == null) {
      metrics.dropped("unknown_target");
      return;
    }
    deliver(r.target(), ServerMessages.relayUtf8(r.type(), c.user.username(), r.data()), r.type().wire, t0, null, null);
  }

  private void callEnded(Connection c, String target, long t0) {
    if (c.user == null) {
      metrics.dropped("unregistered_sender");
      return;
    }
    if (target == null) {
      metrics.dropped("unknown_target");
      return;
    }
    String me = c.user.username();
    calls.end(me, target);
    deliver(target, utf8(ServerMessages.callEnded(me)), "call_ended", t0, CALL_STOP, me);
  }

  // ---- delivery -----------------------------------------------------------------------------

  /**
   * Writes a server message (its UTF-8 text) to user {@code target}: directly when it is homed here, else
   * through its actor on its home node. {@code call}/{@code peer} change the target's call state. False
   * when no such user is known. {@code t0}: {@link System#nanoTime()} when the message that caused it arrived.
   */
  private boolean deliver(String target, byte[] text, String kind, long t0, String call, String peer) {
    Connection local = localUsers.get(target);
    if (local != null) {
      if (call != null) {
        applyCall(target, call, peer);
      }
      write(local, text, kind, t0);
      return true;
    }
    if (online.get(target) == null) {
      metrics.dropped("unknown_target");
      return false;
    }
    try {
      String body = new String(text, StandardCharsets.UTF_8); // actors take the message's text (UserDirectory.USER_PREFIX)
      vertx.eventBus().send(UserDirectory.USER_PREFIX + target, body, options(kind, t0, call, peer));
    } catch (RuntimeException e) {
      // the cluster manager is gone (this node is shutting down or cut off): nothing can be delivered
      LOG.log(Level.FINE, "S3 relay to " + target + " not sent", e);
      return false;
    }
    return true;
  }

  private boolean isKnown(String username) {
    return localUsers.containsKey(username) || online.get(username) != null;
  }

  private DeliveryOptions options(String kind, long t0, String call, String peer) {
    // Another node's clock only shares wall time with this one: the arrival goes as epoch microseconds.
    long arrivedMicros = epochMicros() - (System.nanoTime() - t0) / 1_000;
    DeliveryOptions o = new DeliveryOptions().addHeader(UserDirectory.KIND, kind)
        .addHeader(UserDirectory.SENT_MICROS, Long.toString(arrivedMicros)).addHeader(UserDirectory.FROM, nodeId);
    if (call != null) {
      o.addHeader(UserDirectory.CALL, call).addHeader(UserDirectory.PEER, peer);
    }
    return o;
  }

  /** A message for one of this node's users, from another node (or sent here just before it left). */
  private void onActorMessage(Connection c, String username, Message<String> m) {
    if (c.closed || c.user == null || !username.equals(c.user.username())) {
      metrics.dropped("unknown_target");
      m.fail(404, "offline");
      return;
    }
    String from = m.headers().get(UserDirectory.FROM);
    if (from != null && deadNodes.contains(from) && !ClusterEvents.isMember(vertx, from, nodeId)) {
      // A node this one has taken for dead may still reach it over the bus (its cluster member stopped, its
      // process did not): what it says about calls and users was settled here when it left. One that is a
      // member again (a healed split whose join event has not been handled here yet) is heard.
      metrics.dropped("departed_node");
      m.fail(410, "sender's node left the cluster");
      return;
    }
    String call = m.headers().get(UserDirectory.CALL);
    if (call != null) {
      applyCall(username, call, m.headers().get(UserDirectory.PEER));
    }
    String sent = m.headers().get(UserDirectory.SENT_MICROS);
    long waitedNanos = sent == null ? 0 : Math.max(0, epochMicros() - Long.parseLong(sent)) * 1_000;
    write(c, utf8(m.body()), m.headers().get(UserDirectory.KIND), System.nanoTime() - waitedNanos);
    if (m.replyAddress() != null) {
      m.reply(null);
    }
  }

  private void applyCall(String localUser, String call, String peer) {
    if (CALL_START.equals(call)) {
      calls.start(localUser, peer);
    } else if (CALL_STOP.equals(call)) {
      calls.end(localUser, peer);
    }
  }

  private void write(Connection c, byte[] text, String kind, long t0) {
    if (c.closed || c.socket.isClosed()) {
      metrics.dropped("unknown_target");
      return;
    }
    if (c.socket.writeQueueFull()) {
      metrics.dropped("target_backlog");
      return;
    }
    metrics.relayed(kind, (System.nanoTime() - t0) / 1_000); // counted first: the peer may read it before this method returns
    if (text.length > cfg.maxMessageBytes()) {
      c.socket.writeTextMessage(new String(text, StandardCharsets.UTF_8)); // over the frame limit: Vert.x splits it
    } else {
      // what writeTextMessage does once it has the UTF-8 bytes, which this message already is
      c.socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, text, true));
    }
  }

  private void replyError(Connection c, String message) {
    metrics.error(message);
    reply(c, ServerMessages.error(message));
  }

  /**
   * Answers {@code c}'s own message. Once {@code c}'s write queue is full (about ws.maxQueuedBytesPerConnection
   * still to be written: Vert.x also waits for 16 frames queued), nothing more it sends is read until that has
   * drained (back-pressure, as the original's websockets library gives by awaiting each send): a client that
   * sends but never reads would otherwise make the node queue its answers without end, and dropping them would
   * leave a slow reader's requests unanswered. Meanwhile its pongs are not read either, so a client that never
   * reads is closed by the keepalive.
   */
  private void reply(Connection c, String text) {
    if (c.socket.isClosed()) {
      return;
    }
    c.socket.writeTextMessage(text);
    if (!c.backlogged && c.socket.writeQueueFull()) {
      c.backlogged = true;
      metrics.readsPaused.inc();
      c.updateReading();
    }
  }

  /** {@code c}'s write queue has drained (Vert.x's drain handler): read it again if its answers held it. */
  void drained(Connection c) {
    if (c.backlogged) {
      c.backlogged = false;
      c.updateReading();
    }
  }

  // ---- leaving ------------------------------------------------------------------------------

  /** Gives up {@code c}'s name: cluster map, actor, online list, and call_ended to its partners. */
  private Future<Boolean> leave(Connection c) {
    OnlineUser u = c.user;
    if (u == null) {
      return Future.succeededFuture(false);
    }
    c.user = null;
    if (c.actor != null) {
      c.actor.unregister();
      c.actor = null;
    }
    localUsers.remove(u.username(), c);
    long now = clock.millis();
    if (online.leave(u, now)) {
      scheduleOnlineUsers();
    }
    directory.publishLeave(u);
    directory.seen(u, "leave", now);
    long t0 = System.nanoTime();
    for (String partner : calls.endAllOf(u.username())) {
      deliver(partner, utf8(ServerMessages.callEnded(u.username())), "call_ended", t0, CALL_STOP, u.username());
    }
    return directory.release(u);
  }

  /** A join or leave published by another node. */
  void onUsersChanged(Message<JsonObject> m) {
    if (nodeId.equals(m.headers().get(UserDirectory.FROM))) {
      return;
    }
    JsonObject e = m.body();
    OnlineUser u = UserDirectory.fromEvent(e);
    long now = clock.millis();
    boolean join = "join".equals(e.getString("op"));
    if (join && deadNodes.contains(u.nodeId())) {
      return;
    }
    if (join) {
      settleSplitConflict(u); // only a healed split lets two nodes hold one name
    }
    boolean changed = join ? online.join(u, now) : online.leave(u, now);
    if (changed) {
      scheduleOnlineUsers();
    }
    if (!join && online.get(u.username()) == null) {
      // Its home node sends call_ended for the calls it knows, and that message may come just after this
      // event. A call accepted here while the user was leaving never reached that node: end what is still
      // open once the home node's call_ended had its time to arrive, so no partner hears it twice.
      vertx.setTimer(LEAVE_CALL_GRACE_MS, id -> {
        if (online.get(u.username()) == null && !localUsers.containsKey(u.username())) {
          endCallsWith(List.of(u));
        }
      });
    }
  }

  /**
   * A member joined. One this node had taken for dead is back (a healed split): its joins count again,
   * and the users it kept meanwhile are fetched from it, as it fetches ours.
   */
  void onNodeJoined(String node) {
    long seqAtHeal = online.highestSeq();
    deadNodes.rejoined(vertx, node, () -> {
      online.forgetNodeLeft(node);
      fetchUsersOf(node);
    }, () -> {
      // once the two sides' maps are merged, and in case the fetch failed
      List<Connection> registered = new ArrayList<>();
      localUsers.values().forEach(c -> {
        if (c.user != null) {
          registered.add(c);
        }
      });
      Bounded.each(registered, Bounded.CLEANUP_IN_FLIGHT,
          c -> c.user == null ? Future.succeededFuture() : holdName(c, c.user, HOLD_ATTEMPTS));
      releaseStaleNames(seqAtHeal);
    });
  }

  /** Retries for a bounded time: right after a merge that member's addresses may not be reachable yet. */
  private void fetchUsersOf(String node) {
    RetriedRequest.<JsonArray>send(vertx, UserDirectory.NODE_USERS_PREFIX + node, null, new DeliveryOptions().setSendTimeout(5_000),
            REJOIN_FETCH_ATTEMPTS, REJOIN_FETCH_RETRY_MS, () -> !deadNodes.contains(node))
        .onSuccess(reply -> {
          if (deadNodes.contains(node)) {
            return; // gone again meanwhile
          }
          long now = clock.millis();
          boolean changed = false;
          for (Object e : reply.body()) {
            if (e instanceof JsonObject join) {
              OnlineUser theirs = UserDirectory.fromEvent(join);
              settleSplitConflict(theirs);
              changed |= online.joinLive(theirs, now);
            }
          }
          if (changed) {
            scheduleOnlineUsers();
          }
          directory.raiseSequenceTo(online.highestSeq())
              .onFailure(e -> LOG.warning("S3: could not raise the registration counter after node " + node + " rejoined: " + e));
        })
        .onFailure(e -> LOG.warning("S3: could not fetch the users of node " + node + " after it rejoined: " + e));
  }

  /**
   * Frees this node's registrations in the user map that no user here holds: the merge may have brought back one
   * whose user left while the two sides were joining (Hazelcast merges the cut-off side's old entries after the
   * join). Only those known at the heal ({@code upTo}): a registration made since may still be on its way here.
   */
  private void releaseStaleNames(long upTo) {
    directory.all().onSuccess(all -> {
      List<OnlineUser> stale = new ArrayList<>();
      for (OnlineUser u : all) {
        Connection c = localUsers.get(u.username());
        boolean held = c != null && c.user != null && c.user.sameRegistration(u.nodeId(), u.seq());
        if (u.nodeId().equals(nodeId) && !held && u.seq() <= upTo) {
          LOG.info("S3: freeing " + u.username() + ", a registration of this node the merge brought back after its user left");
          stale.add(u);
        }
      }
      Bounded.each(stale, Bounded.CLEANUP_IN_FLIGHT, directory::release);
    }).onFailure(e -> LOG.warning("S3: reading the user map after a split failed: " + e));
  }

  /**
   * {@code theirs}, a registration of another node (fetched after a healed split, or announced), against a user
   * of this node holding the same name: every node keeps the newer registration, so the older one's connection
   * is closed, and the newer one's node makes sure the cluster map names it.
   */
  private void settleSplitConflict(OnlineUser theirs) {
    Connection local = localUsers.get(theirs.username());
    OnlineUser mine = local == null ? null : local.user;
    if (mine == null || mine.sameRegistration(theirs.nodeId(), theirs.seq())) {
      return;
    }
    if (theirs.isNewerThan(mine)) {
      loseName(local, theirs);
    } else {
      holdName(local, mine, HOLD_ATTEMPTS);
    }
  }

  /** Makes the cluster map name {@code mine}, unless a newer registration of the name holds it. */
  private Future<Void> holdName(Connection c, OnlineUser mine, int attempts) {
    return directory.holder(mine.username()).compose(held -> {
      if (c.user != mine || held != null && held.sameRegistration(mine.nodeId(), mine.seq())) {
        return Future.succeededFuture(true); // gone or changed meanwhile, or held already
      }
      if (held == null) {
        return directory.hold(mine).map(other -> other == null);
      }
      if (held.isNewerThan(mine)) {
        loseName(c, held);
        return Future.succeededFuture(true);
      }
      // Tell every node: a node still listing the older holder switches, and its node (if it missed the fetch) lets go.
      return directory.replace(held, mine).map(replaced -> {
        if (replaced) {
          directory.publishJoin(mine);
        }
        return replaced;
      });
    }).transform(ar -> {
      metrics.splitNameChecks.inc();
      if (ar.failed()) {
        LOG.warning("S3: could not check the holder of " + mine.username() + " after a split: " + ar.cause());
      } else if (!ar.result() && attempts > 1) {
        return holdName(c, mine, attempts - 1); // the map changed under us: look again
      }
      return Future.succeededFuture();
    });
  }

  /** Closes the connection of {@code c}, whose name a newer registration ({@code winner}) holds. */
  private void loseName(Connection c, OnlineUser winner) {
    if (c.user == null || c.closed) {
      return;
    }
    LOG.info("S3: " + c.user.username() + " of this node lost its name to a newer registration on node " + winner.nodeId()
        + " (a healed split); closing its connection");
    metrics.namesLostInSplit.inc();
    leave(c);
    c.socket.close(NAME_LOST_IN_SPLIT, "username taken on another node (network split healed)");
  }

  /** This node's registered users, as join events (the reply at {@link UserDirectory#NODE_USERS_PREFIX}). */
  JsonArray localUsersAsJoins() {
    JsonArray out = new JsonArray();
    localUsers.values().forEach(c -> {
      if (c.user != null) {
        out.add(UserDirectory.event("join", c.user));
      }
    });
    return out;
  }

  /** A cluster member died or left: its users are gone, their names free, their calls over (SPEC §2 rule 4). */
  void onNodeLeft(String deadNode) {
    deadNodes.left(deadNode);
    List<OnlineUser> gone = online.leaveNode(deadNode, clock.millis());
    forget(gone);
    if (!gone.isEmpty()) {
      LOG.info("S3: node " + deadNode + " left, " + gone.size() + " of its users dropped");
      scheduleOnlineUsers();
    }
    // Registrations whose join never reached this node are still in the map: find them there.
    directory.all().onSuccess(all -> forget(all.stream().filter(u -> u.nodeId().equals(deadNode)).toList()))
        .onFailure(e -> LOG.warning("S3: reading the user map after node " + deadNode + " left failed: " + e));
  }

  private void forget(List<OnlineUser> gone) {
    gone.forEach(directory::release);
    endCallsWith(gone);
  }

  /** Ends this node's calls with users who are gone, telling the local side. */
  private void endCallsWith(List<OnlineUser> gone) {
    long t0 = System.nanoTime();
    for (OnlineUser u : gone) {
      for (CallBook.Call call : calls.endAllWith(u.username())) {
        Connection local = localUsers.get(call.localUser());
        if (local != null) {
          write(local, utf8(ServerMessages.callEnded(u.username())), "call_ended", t0);
        }
      }
    }
  }

  /**
   * Loads the cluster's registrations at start; those of nodes no longer members are freed.
   * {@code members} gives the members once the map is read (null on a single node).
   */
  Future<Void> loadExisting(Supplier<Set<String>> members) {
    return directory.all().map(all -> {
      Set<String> liveNodes = members.get();
      long now = clock.millis();
      List<OnlineUser> stale = new ArrayList<>();
      for (OnlineUser u : all) {
        if (liveNodes == null || liveNodes.contains(u.nodeId())) {
          online.join(u, now);
        } else {
          stale.add(u);
        }
      }
      stale.forEach(directory::release);
      return null;
    });
  }

  /** Drops remembered leaves that no in-flight join can still overtake. */
  void sweep() {
    online.forgetLeavesOlderThan(clock.millis() - 60_000);
    directory.retryReleases();
  }

  /** The verticle is stopping: every local user leaves, so the rest of the cluster hears of it now. */
  Future<Void> shutdown() {
    List<Future<Boolean>> released = new ArrayList<>();
    for (Connection c : new ArrayList<>(localUsers.values())) {
      released.add(leave(c));
    }
    return Future.join(released).mapEmpty();
  }

  // ---- online_users ---------------------------------------------------------------------------

  /** Pushes online_users soon: at once when the last push is older than the minimum interval, else when it is. */
  private void scheduleOnlineUsers() {
    if (pushScheduled) {
      return;
    }
    pushScheduled = true;
    long wait = TimeUnit.NANOSECONDS.toMillis(lastPushNanos - System.nanoTime()) + cfg.onlineUsersMinIntervalMs();
    if (wait <= 0) {
      context.runOnContext(v -> pushOnlineUsers());
    } else {
      vertx.setTimer(wait, id -> pushOnlineUsers());
    }
  }

  private void pushOnlineUsers() {
    pushScheduled = false;
    lastPushNanos = System.nanoTime();
    if (localUsers.isEmpty()) {
      return;
    }
    byte[] text = ServerMessages.onlineUsers(online.usersJson(), LocalDateTime.now(clock)).getBytes(StandardCharsets.UTF_8);
    // One direct copy shared by every socket: the kernel reads the same memory for all of them.
    ByteBuffer direct = ByteBuffer.allocateDirect(text.length).put(text).flip();
    ByteBuf shared = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
    metrics.onlineUsersPushes.inc();
    fanout.publish(shared, text.length, List.copyOf(localUsers.values()));
  }

  private void writeOnlineUsers(Connection c, ByteBuf frame, Runnable written) {
    if (c.closed || c.socket.isClosed()) {
      written.run();
      return;
    }
    int bytes = frame.readableBytes();
    // Vert.x's public frame factory takes a String; the internal one takes the shared buffer as is.
    c.socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, frame.duplicate(), true)).onComplete(ar -> {
      if (ar.succeeded()) {
        metrics.onlineUsersFrames.inc();
        metrics.onlineUsersBytes.add(bytes);
      }
      written.run();
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  private long epochMicros() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x80) {
        n++;
      } else if (ch < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(ch)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
