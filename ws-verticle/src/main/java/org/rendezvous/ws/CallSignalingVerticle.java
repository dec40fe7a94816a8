package org.rendezvous.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.Metrics;
import org.rendezvous.common.SourceRateLimiter;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * S3 WebSocket call signaling on 8765: the HTTP/WebSocket listener, keepalive pings, and the wiring
 * of sockets and cluster events to {@link SignalingHub}, which decides what each message does.
 * Verticle config: {@code {"nodeId": …, "ws": {…see WsConfig…}}}.
 */
public final class CallSignalingVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(CallSignalingVerticle.class.getName());
  public static final String LISTENER = "ws";
  /** Close code when a ping goes unanswered, as the original's websockets library sends. */
  private static final short KEEPALIVE_CLOSE = 1011;
  private static final short MESSAGE_TOO_BIG = 1009;
  private static final short TRY_AGAIN_LATER = 1013;

  private WsConfig cfg;
  private SignalingMetrics metrics;
  private SourceRateLimiter handshakeLimiter;
  private SourceRateLimiter connectLimiter;
  private SignalingHub hub;
  private ArrivingBytes arriving;
  private HttpServer server;
  private final ArrayList<Long> timers = new ArrayList<>();

  @Override
  public Future<?> start() {
    cfg = WsConfig.from(config().getJsonObject("ws", new JsonObject()));
    String nodeId = config().getString("nodeId", "local");
    Metrics registry = Metrics.of(vertx);
    metrics = new SignalingMetrics(registry);
    arriving = new ArrivingBytes(cfg.maxArrivingBytes());
    registry.gauge("rendezvous_ws_arriving_bytes", "Bytes of S3 messages still arriving that this node holds, all connections"
        + " together (ws.maxArrivingBytes)", arriving::total);
    handshakeLimiter = SourceRateLimiter.forListener(vertx, cfg.handshakeRateLimit(), LISTENER);
    // Each connection holds a descriptor before any handshake: a source may open twice its handshake budget.
    SourceRateLimiter.Limits hs = cfg.handshakeRateLimit();
    connectLimiter = SourceRateLimiter.forListener(vertx, new SourceRateLimiter.Limits(
        (int) Math.min(Integer.MAX_VALUE, 2L * hs.perSecond()), (int) Math.min(Integer.MAX_VALUE, 2L * hs.burst()),
        hs.maxSources()), LISTENER + "-tcp");
    RegisterAuth auth = RegisterAuth.create(vertx, cfg);
    return UserDirectory.open(vertx, nodeId)
        .compose(directory -> {
          hub = new SignalingHub(vertx, context, nodeId, cfg, directory, auth, metrics, Clock.systemDefaultZone());
          registry.gauge("rendezvous_ws_connections", "S3 WebSockets open on this node", hub::connectionCount);
          registry.gauge("rendezvous_ws_users", "S3 registered users", hub::localUserCount, "scope", "node");
          registry.gauge("rendezvous_ws_users", "S3 registered users", hub::onlineUserCount, "scope", "cluster");
          registry.gauge("rendezvous_ws_calls", "S3 active calls of this node's users (each side counted)", hub::callCount);
          registry.gauge("rendezvous_ws_names_unreleased", "S3 names of users gone from this node that the cluster map still"
              + " holds: their release failed and is tried again after a second, then every 10 s", directory::unreleasedCount);
          MessageConsumer<JsonObject> changes = vertx.eventBus().consumer(UserDirectory.USERS_CHANGED, hub::onUsersChanged);
          MessageConsumer<String> nodeLeft = vertx.eventBus().localConsumer(ClusterEvents.NODE_LEFT, m -> hub.onNodeLeft(m.body()));
          MessageConsumer<String> nodeJoined = vertx.eventBus().localConsumer(ClusterEvents.NODE_JOINED,
              m -> hub.onNodeJoined(m.body()));
          MessageConsumer<Object> ownUsers = vertx.eventBus().consumer(UserDirectory.NODE_USERS_PREFIX + nodeId,
              m -> m.reply(hub.localUsersAsJoins()));
          return Future.join(changes.completion(), nodeLeft.completion(), nodeJoined.completion(), ownUsers.completion());
        })
        .compose(v -> hub.loadExisting(this::liveNodes))
        .compose(v -> {
          server = vertx.createHttpServer(new HttpServerOptions()
              .setHost(cfg.host())
              .setPort(cfg.port())
              .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, cfg.idleTimeoutMs()))
              .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
              // HTTP/1.1 only (WebSockets and the health answer): without the HTTP/2 cleartext sniffing, a
              // connection exists, and is counted and limited, from its accept, not from its first bytes.
              .setHttp2ClearTextEnabled(false)
              .setMaxWebSocketFrameSize(cfg.maxMessageBytes())
              .setMaxWebSocketMessageSize(cfg.maxMessageBytes()));
          server.connectionHandler(conn -> {
            if (!connectLimiter.tryAcquire(SourceRateLimiter.keyOf(conn.remoteAddress().hostAddress()), System.nanoTime())) {
              metrics.connectsRateLimited.inc();
              conn.close();
            }
          });
          server.requestHandler(this::onHttpRequest);
          server.webSocketHandshakeHandler(this::onHandshake);
          server.webSocketHandler(this::onWebSocket);
          return server.listen();
        })
        .onSuccess(s -> {
          BoundPorts.record(vertx, LISTENER, s.actualPort());
          long tick = Math.max(5, Math.min(cfg.pingIntervalMs(), cfg.pongTimeoutMs()) / 4);
          timers.add(vertx.setPeriodic(tick, id -> keepalive()));
          timers.add(vertx.setPeriodic(10_000, id -> hub.sweep()));
        });
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    Future<Void> left = hub == null ? Future.succeededFuture()
        : hub.shutdown().timeout(10, TimeUnit.SECONDS).otherwiseEmpty();
    return left.compose(v -> server == null ? Future.succeededFuture() : server.close());
  }

  /** Members of the cluster now, or null on a single node (every registration is ours). */
  private Set<String> liveNodes() {
    ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    return manager == null ? null : new HashSet<>(manager.getNodes());
  }

  /** Plain HTTP: health checks of hosting platforms on / and /health; anything else must upgrade. */
  private void onHttpRequest(HttpServerRequest req) {
    String path = req.path();
    boolean health = "/".equals(path) || "/health".equals(path);
    if (health && (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD)) {
      req.response().putHeader("content-type", "text/plain").end("OK\n");
    } else {
      req.response().setStatusCode(426).putHeader("upgrade", "websocket").putHeader("content-type", "text/plain")
          .end("This is a WebSocket endpoint: connect with a WebSocket client.\n");
    }
  }

  private void onHandshake(ServerWebSocketHandshake handshake) {
    if (hub.connectionCount() >= cfg.maxConnections()) {
      metrics.connectionsRefused.inc();
      handshake.reject(503);
    } else if (!handshakeLimiter.tryAcquire(SourceRateLimiter.keyOf(handshake.remoteAddress().hostAddress()), System.nanoTime())) {
      metrics.handshakesRateLimited.inc();
      handshake.reject(429);
    } else {
      handshake.accept();
    }
  }

  private void onWebSocket(ServerWebSocket ws) {
    long now = System.nanoTime();
    Connection c = new Connection(ws, new MessageBudget(cfg.messagesPerSecond(), cfg.messageBurst(), now), now);
    // Counts what the socket reads before Netty's WebSocket decoder holds it: a frame arriving slowly is invisible above.
    ((WebSocketInternal) ws).channelHandlerContext().pipeline().addFirst(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // a failed connection's bytes are not read any more (RFC 6455 7.1.7): not held, not counted
        if (msg instanceof ByteBuf bytes && !c.failed && !arriving.read(c, bytes.readableBytes())) {
          metrics.closedBusy.inc();
          c.failed = true;
          arriving.closed(c);
          context.runOnContext(v -> c.fail(TRY_AGAIN_LATER, "server busy: too much of messages still arriving"));
        }
        ctx.fireChannelRead(msg);
      }
    });
    ws.setWriteQueueMaxSize(cfg.maxQueuedBytesPerConnection());
    ws.frameHandler(frame -> onFrame(c, frame));
    ws.pongHandler(c::ponged);
    ws.drainHandler(v -> hub.drained(c));
    ws.exceptionHandler(e -> {
      if (e instanceof CorruptedWebSocketFrameException bad) {
        metrics.protocolErrors.inc();
        // an oversize message (1009) or a broken frame (1002): say so, as the original did, before the socket goes
        ws.close((short) bad.closeStatus().code(), bad.closeStatus().code() == 1009 ? "message too big" : "protocol error");
      } else {
        metrics.connectionsLost.inc(); // the client's side, or the network: not a fault in what it sent
      }
      LOG.log(Level.FINE, "S3 WebSocket error from " + ws.remoteAddress(), e);
    });
    ws.closeHandler(v -> {
      arriving.closed(c);
      hub.closed(c);
    });
    metrics.connectionsOpened.inc();
    hub.opened(c);
  }

  /**
   * Joins a message's frames (text and binary alike: both carry UTF-8 JSON) up to ws.maxMessageBytes;
   * a longer message closes the connection with 1009, as the original did. Control frames are Vert.x's.
   */
  private void onFrame(Connection c, WebSocketFrame frame) {
    arriving.frameDecoded(c);
    if (c.failed || !frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
      return;
    }
    Buffer data = frame.binaryData();
    if (!frame.isContinuation()) {
      arriving.keep(c, null);
      c.messageIsText = frame.isText();
    } else if (c.partial == null) {
      return; // a continuation of a message already refused
    }
    int size = (c.partial == null ? 0 : c.partial.length()) + data.length();
    if (size > cfg.maxMessageBytes()) {
      metrics.protocolErrors.inc();
      c.fail(MESSAGE_TOO_BIG, "message too big");
      arriving.closed(c);
      return;
    }
    if (frame.isFinal()) {
      Buffer message = c.partial == null ? data : c.partial.appendBuffer(data);
      arriving.keep(c, null);
      hub.onMessage(c, message, c.messageIsText);
    } else {
      arriving.keep(c, c.partial == null ? Buffer.buffer(size).appendBuffer(data) : c.partial.appendBuffer(data));
    }
  }

  /** Pings every connection each interval; one whose ping stays unanswered past the timeout is closed. */
  private void keepalive() {
    long now = System.nanoTime();
    long interval = TimeUnit.MILLISECONDS.toNanos(cfg.pingIntervalMs());
    long timeout = TimeUnit.MILLISECONDS.toNanos(cfg.pongTimeoutMs());
    for (Connection c : new ArrayList<>(hub.connections())) {
      if (c.pingOutstandingSinceNanos != 0) {
        if (now - c.pingOutstandingSinceNanos >= timeout) {
          metrics.keepaliveTimeouts.inc();
          c.socket.close(KEEPALIVE_CLOSE, "keepalive ping timeout");
          hub.closed(c); // the name is freed now, not when the dead peer's TCP connection finally closes
        }
      } else if (now - c.lastPingNanos >= interval) {
        c.lastPingNanos = now;
        c.socket.writePing(c.pinged(now));
      }
    }
  }
}
