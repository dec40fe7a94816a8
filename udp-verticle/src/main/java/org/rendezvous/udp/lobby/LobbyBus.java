package org.rendezvous.udp.lobby;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The lobby's event-bus addresses and shared map (SPEC §2 rules 1–3), and the calls made on them.
 * Every lobby node registers both kinds of address; nothing outside this package uses them.
 */
public final class LobbyBus {

  /**
   * A session's actor, on the node that created it: prefix + session name. Request body: the
   * request and who sent it, see {@link #request}. Reply: {@code {"send": [datagram, …]}}, the
   * datagrams the requesting node sends from its own socket (see {@link #datagram}). Failure
   * {@link #GONE}: the session ended just now; like NO_HANDLERS it means "no such session".
   */
  public static final String SESSION_PREFIX = "lobby.session.";
  /** Per-node relay: prefix + node id. Body: one {@link #datagram} that node sends from its lobby socket. */
  public static final String OUT_PREFIX = "lobby.out.";
  /** Cluster-wide map: session name → node id of the node that owns the session. */
  public static final String NAMES_MAP = "lobby.names";
  /** Failure code of a session actor whose session has just ended. */
  public static final int GONE = 410;

  private final EventBus bus;
  private final DeliveryOptions forwardOptions;

  public LobbyBus(EventBus bus, long forwardTimeoutMs) {
    this.bus = bus;
    this.forwardOptions = new DeliveryOptions().setSendTimeout(forwardTimeoutMs);
  }

  /** Sends a request to the session's actor; completes with the datagrams for the requesting node. */
  public Future<JsonArray> forward(LobbyCommand cmd, Peer from) {
    return bus.<JsonObject>request(SESSION_PREFIX + cmd.session(), request(cmd, from), forwardOptions)
        .map(reply -> reply.body().getJsonArray("send"));
  }

  /** Asks node {@code home} to send {@code text} to {@code to} from its socket; lost if that node is gone. */
  public void relay(Peer to, String text) {
    bus.send(OUT_PREFIX + to.home(), datagram(to, text));
  }

  public MessageConsumer<JsonObject> consumeSession(String session, Handler<Message<JsonObject>> handler) {
    return bus.consumer(SESSION_PREFIX + session, handler);
  }

  public MessageConsumer<JsonObject> consumeRelay(String nodeId, Handler<Message<JsonObject>> handler) {
    return bus.consumer(OUT_PREFIX + nodeId, handler);
  }

  /** True when a forward failed because the session does not exist (SPEC §2 rule 2). */
  public static boolean isAbsent(Throwable failure) {
    return failure instanceof ReplyException r && (r.failureType() == ReplyFailure.NO_HANDLERS
        || r.failureType() == ReplyFailure.RECIPIENT_FAILURE && r.failureCode() == GONE);
  }

  /** {"type": "p", "session", "player", ["max"], ["password"], "ip", "port", "home"}. */
  static JsonObject request(LobbyCommand cmd, Peer from) {
    JsonObject j = new JsonObject()
        .put("type", String.valueOf(cmd.type().letter()))
        .put("session", cmd.session())
        .put("player", cmd.player())
        .put("ip", from.ip())
        .put("port", from.port())
        .put("home", from.home());
    if (cmd.maxPlayers() > 0) {
      j.put("max", cmd.maxPlayers());
    }
    if (cmd.password() != null) {
      j.put("password", cmd.password());
    }
    return j;
  }

  static LobbyCommand command(JsonObject request) {
    LobbyCommand.Type type = LobbyCommand.Type.of(request.getString("type").charAt(0));
    return new LobbyCommand(type, request.getString("session"), request.getString("player"),
        request.getInteger("max", 0), request.getString("password"));
  }

  static Peer sender(JsonObject request) {
    return new Peer(request.getString("ip"), request.getInteger("port"), request.getString("home"));
  }

  /** {"ip", "port", "text"}: one datagram to send. */
  static JsonObject datagram(Peer to, String text) {
    return new JsonObject().put("ip", to.ip()).put("port", to.port()).put("text", text);
  }
}
