package org.rendezvous.ws;

import io.vertx.core.json.JsonObject;
import org.rendezvous.common.SourceRateLimiter;

import java.util.Map;

import static org.rendezvous.common.ConfigValues.hostOf;
import static org.rendezvous.common.ConfigValues.intOf;
import static org.rendezvous.common.ConfigValues.longOf;
import static org.rendezvous.common.ConfigValues.requirePort;
import static org.rendezvous.common.ConfigValues.stringOf;

/**
 * The {@code ws} section of the node config: the S3 call-signaling listener and its limits.
 * The {@code PORT} environment variable, when set, overrides {@code port} (hosting platforms such as
 * Render assign the port that way, and the original server honoured it).
 *
 * @param host                       listen address
 * @param port                       listen port (0 = any free port); {@code PORT} env wins
 * @param pingIntervalMs             server ping period per connection
 * @param pongTimeoutMs              a connection whose ping is unanswered this long is closed (1011)
 * @param idleTimeoutMs              a TCP connection with no traffic either way this long is closed: an HTTP request
 *                                   never finished, an idle keep-alive (a WebSocket always has the pings); above
 *                                   pingIntervalMs + pongTimeoutMs, by default their sum + 20 s
 * @param maxMessageBytes            largest WebSocket message (and frame) accepted; larger ones close the connection (1009)
 * @param maxConnections             open WebSockets beyond this are refused at the handshake (503)
 * @param maxNameBytes               longest username and user_id (its JSON text) accepted at register, in UTF-8 bytes
 * @param messagesPerSecond          sustained messages per connection; beyond the burst they are dropped and counted
 * @param messageBurst               messages a connection may send at once
 * @param maxQueuedBytesPerConnection a relay to a socket with more than this waiting to be written is dropped and counted
 * @param maxArrivingBytes           bytes of messages still arriving the node holds, all connections together; the
 *                                   connection whose read takes them past it is closed (1013)
 * @param onlineUsersMinIntervalMs   shortest gap between two online_users pushes of this node; changes within it share one push
 * @param onlineUsersMaxBytesInFlight online_users bytes handed to sockets and not yet written, all sockets together
 * @param callRequestTimeoutMs       how long a call_request waits for the target's home node to confirm delivery
 * @param jwtSecret                  HS256 secret; with it (or a public key) register needs a valid token for its username
 * @param jwtPublicKey               PEM public key (RS256, or as {@code jwtAlgorithm} says)
 * @param jwtAlgorithm               algorithm of {@code jwtPublicKey}
 * @param handshakeRateLimit         WebSocket handshakes allowed per source address; the rest are refused (429, counted)
 */
public record WsConfig(
    String host,
    int port,
    long pingIntervalMs,
    long pongTimeoutMs,
    long idleTimeoutMs,
    int maxMessageBytes,
    int maxConnections,
    int maxNameBytes,
    int messagesPerSecond,
    int messageBurst,
    int maxQueuedBytesPerConnection,
    long maxArrivingBytes,
    long onlineUsersMinIntervalMs,
    long onlineUsersMaxBytesInFlight,
    long callRequestTimeoutMs,
    String jwtSecret,
    String jwtPublicKey,
    String jwtAlgorithm,
    SourceRateLimiter.Limits handshakeRateLimit) {

  /** Room for a whole office behind one NAT address reconnecting at once. */
  public static final SourceRateLimiter.Limits HANDSHAKE_RATE_LIMIT = new SourceRateLimiter.Limits(100, 1_000, 65_536);

  /** The environment variable that overrides {@code ws.port}. */
  public static final String PORT_ENV = "PORT";

  public static WsConfig from(JsonObject json) {
    return from(json, System.getenv());
  }

  public static WsConfig from(JsonObject json, Map<String, String> env) {
    String portEnv = env.get(PORT_ENV);
    JsonObject effective = json;
    if (portEnv != null && !portEnv.isBlank()) {
      effective = json.copy().put("port", portEnv);
    }
    long pingIntervalMs = longOf(effective, "pingIntervalMs", 20_000);
    long pongTimeoutMs = longOf(effective, "pongTimeoutMs", 20_000);
    WsConfig c = new WsConfig(
        hostOf(effective, "host", "0.0.0.0"),
        intOf(effective, "port", 8765),
        pingIntervalMs,
        pongTimeoutMs,
        longOf(effective, "idleTimeoutMs", pingIntervalMs + pongTimeoutMs + 20_000),
        intOf(effective, "maxMessageBytes", 1 << 20),
        intOf(effective, "maxConnections", 50_000),
        intOf(effective, "maxNameBytes", 256),
        intOf(effective, "messagesPerSecond", 200),
        intOf(effective, "messageBurst", 400),
        intOf(effective, "maxQueuedBytesPerConnection", 4 << 20),
        longOf(effective, "maxArrivingBytes", 64L << 20),
        longOf(effective, "onlineUsersMinIntervalMs", 100),
        longOf(effective, "onlineUsersMaxBytesInFlight", 64L << 20),
        longOf(effective, "callRequestTimeoutMs", 5_000),
        stringOf(effective, "jwtSecret", ""),
        stringOf(effective, "jwtPublicKey", ""),
        stringOf(effective, "jwtAlgorithm", "RS256"),
        SourceRateLimiter.Limits.from(effective, "ws", "handshakeRateLimit", HANDSHAKE_RATE_LIMIT));
    requirePort("ws.port (or PORT)", c.port);
    if (c.pingIntervalMs < 10 || c.pongTimeoutMs < 10) {
      throw new IllegalArgumentException("ws.pingIntervalMs and ws.pongTimeoutMs must be >= 10");
    }
    if (c.idleTimeoutMs <= c.pingIntervalMs + c.pongTimeoutMs) {
      // Pings are checked on a timer: the gap between two can exceed the interval, never interval + timeout.
      throw new IllegalArgumentException("ws.idleTimeoutMs must be > ws.pingIntervalMs + ws.pongTimeoutMs (the pings keep a"
          + " WebSocket busy), got " + c.idleTimeoutMs);
    }
    if (c.maxMessageBytes < 1024) {
      throw new IllegalArgumentException("ws.maxMessageBytes must be >= 1024");
    }
    if (c.maxConnections < 1 || c.maxNameBytes < 1 || c.messagesPerSecond < 1 || c.messageBurst < 1) {
      throw new IllegalArgumentException("ws.maxConnections, maxNameBytes, messagesPerSecond and messageBurst must be >= 1");
    }
    if (c.maxQueuedBytesPerConnection < c.maxMessageBytes) {
      throw new IllegalArgumentException("ws.maxQueuedBytesPerConnection must be >= ws.maxMessageBytes");
    }
    if (c.maxArrivingBytes < c.maxMessageBytes) {
      throw new IllegalArgumentException("ws.maxArrivingBytes must be >= ws.maxMessageBytes, got " + c.maxArrivingBytes);
    }
    if (c.onlineUsersMinIntervalMs < 0 || c.onlineUsersMaxBytesInFlight < 1 || c.callRequestTimeoutMs < 1) {
      throw new IllegalArgumentException("ws.onlineUsersMinIntervalMs must be >= 0, onlineUsersMaxBytesInFlight and callRequestTimeoutMs >= 1");
    }
    return c;
  }

  /** True when register must carry a token (a secret or a public key is configured). */
  public boolean authRequired() {
    return !jwtSecret.isEmpty() || !jwtPublicKey.isEmpty();
  }
}
