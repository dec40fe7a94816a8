package org.rendezvous.ws;

import org.rendezvous.common.Metrics;

import java.util.HashMap;
import java.util.Map;

/**
 * S3's metrics on the node's /metrics: connections, messages received, relayed and dropped by
 * type or reason, error replies, online_users pushes, and the relay latency histogram (from the
 * sender's message arriving at its home node to the relayed message being written to the target's
 * socket, across nodes included).
 */
final class SignalingMetrics {

  static final String[] RECEIVED_TYPES = {"register", "call_request", "call_accepted", "call_rejected", "offer",
      "answer", "ice_candidate", "call_ended", "unknown", "invalid_json", "not_object"};
  static final String[] RELAYED_TYPES = {"incoming_call", "call_accepted", "call_rejected", "offer", "answer",
      "ice_candidate", "call_ended"};
  static final String[] DROP_REASONS = {"unregistered_sender", "unknown_target", "rate_limited", "target_backlog",
      "departed_node"};
  /** Upper bounds of the latency buckets, microseconds. */
  static final long[] LATENCY_BOUNDS_US = {50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
      250_000, 1_000_000};

  final Metrics.Counter connectionsOpened;
  final Metrics.Counter connectionsRefused;
  final Metrics.Counter handshakesRateLimited;
  final Metrics.Counter connectsRateLimited;
  final Metrics.Counter keepaliveTimeouts;
  final Metrics.Counter readsPaused;
  final Metrics.Counter protocolErrors;
  final Metrics.Counter closedBusy;
  final Metrics.Counter connectionsLost;
  final Metrics.Counter routeRetries;
  final Metrics.Counter registrations;
  final Metrics.Counter namesLostInSplit;
  final Metrics.Counter splitNameChecks;
  final Metrics.Counter onlineUsersPushes;
  final Metrics.Counter onlineUsersFrames;
  final Metrics.Counter onlineUsersBytes;
  final Metrics.Counter departuresForgottenEarly;
  private final Map<String, Metrics.Counter> received = new HashMap<>();
  private final Map<String, Metrics.Counter> relayed = new HashMap<>();
  private final Map<String, Metrics.Counter> dropped = new HashMap<>();
  private final Map<String, Metrics.Counter> errors = new HashMap<>();
  private final Metrics.Histogram latency;

  SignalingMetrics(Metrics m) {
    connectionsOpened = m.counter("rendezvous_ws_connections_total", "S3 WebSocket connections accepted");
    connectionsRefused = m.counter("rendezvous_ws_connections_refused_total", "S3 WebSocket handshakes refused at ws.maxConnections");
    connectsRateLimited = m.counter("rendezvous_ws_connects_rate_limited_total",
        "TCP connections to the S3 port closed at once: their source was over twice its handshake budget");
    handshakesRateLimited = m.counter("rendezvous_ws_handshakes_rate_limited_total",
        "S3 WebSocket handshakes refused (429) over the source's ws.handshakeRateLimit");
    keepaliveTimeouts = m.counter("rendezvous_ws_keepalive_timeouts_total", "S3 connections closed for an unanswered ping");
    readsPaused = m.counter("rendezvous_ws_reads_paused_total",
        "Times an S3 connection was no longer read until the answers queued for it (over ws.maxQueuedBytesPerConnection) drained");
    closedBusy = m.counter("rendezvous_ws_closed_busy_total",
        "S3 connections closed (1013) whose read took the messages still arriving past ws.maxArrivingBytes");
    protocolErrors = m.counter("rendezvous_ws_protocol_errors_total", "S3 connections failed at the WebSocket layer (oversize message, bad frame)");
    connectionsLost = m.counter("rendezvous_ws_connection_errors_total",
        "S3 connections that failed below the WebSocket layer (reset by the peer, or closed without a close frame)");
    routeRetries = m.counter("rendezvous_ws_route_retries_total",
        "call_requests sent again: no handler answered for a user listed on another live node (its route not yet back after a member died)");
    splitNameChecks = m.counter("rendezvous_ws_split_name_checks_total",
        "S3 names of this node checked against the cluster map after a healed split");
    registrations = m.counter("rendezvous_ws_registrations_total", "S3 names registered on this node");
    namesLostInSplit = m.counter("rendezvous_ws_names_lost_in_split_total",
        "S3 users of this node disconnected (4409) because a newer registration of their name was made across a healed split");
    onlineUsersPushes = m.counter("rendezvous_ws_online_users_pushes_total", "online_users lists rendered by this node");
    onlineUsersFrames = m.counter("rendezvous_ws_online_users_frames_total", "online_users messages written to sockets of this node");
    onlineUsersBytes = m.counter("rendezvous_ws_online_users_bytes_total", "online_users bytes written to sockets of this node");
    departuresForgottenEarly = m.counter("rendezvous_ws_departures_forgotten_early_total",
        "S3 leaves forgotten before their minute: more than " + OnlineUsers.MAX_DEPARTURES + " were remembered (name churn"
            + " across the cluster); a join they overtook is kept out for less time");
    for (String t : RECEIVED_TYPES) {
      received.put(t, m.counter("rendezvous_ws_messages_received_total", "S3 client messages by type", "type", t));
    }
    for (String t : RELAYED_TYPES) {
      relayed.put(t, m.counter("rendezvous_ws_messages_relayed_total", "S3 messages delivered to a target's socket by type", "type", t));
    }
    for (String r : DROP_REASONS) {
      dropped.put(r, m.counter("rendezvous_ws_messages_dropped_total", "S3 messages dropped without a reply", "reason", r));
    }
    for (String e : new String[] {ServerMessages.INVALID_JSON, ServerMessages.NAME_AND_ID_REQUIRED, ServerMessages.NAME_TAKEN,
        ServerMessages.NOT_REGISTERED, ServerMessages.USER_NOT_FOUND, ServerMessages.UNAUTHORIZED, ServerMessages.NAME_TOO_LONG,
        ServerMessages.REGISTRATION_FAILED}) {
      errors.put(e, m.counter("rendezvous_ws_errors_total", "S3 error replies by message", "message", e));
    }
    latency = m.histogram("rendezvous_ws_relay_latency_microseconds", "S3 relay latency, microseconds", LATENCY_BOUNDS_US);
  }

  void received(String type) {
    received.get(type).inc();
  }

  void relayed(String type, long latencyMicros) {
    Metrics.Counter c = relayed.get(type);
    if (c != null) {
      c.inc();
    }
    latency.observe(Math.max(0, latencyMicros));
  }

  void dropped(String reason) {
    dropped.get(reason).inc();
  }

  void error(String message) {
    errors.get(message).inc();
  }
}
