package org.rendezvous.udp.lobby;

import org.rendezvous.common.Metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * S4's metrics on the node's /metrics: requests by type, errors by type, sessions and players this
 * node owns, sessions created and started, timeouts, the cluster paths (forwarded, relayed, names
 * freed and restored, stale routes) and datagrams dropped by reason.
 */
final class LobbyMetrics {

  private final Map<LobbyCommand.Type, Metrics.Counter> requests = new EnumMap<>(LobbyCommand.Type.class);
  private final Map<LobbyError, Metrics.Counter> errors = new EnumMap<>(LobbyError.class);
  private final AtomicLong sessions = new AtomicLong();
  private final AtomicLong players = new AtomicLong();
  final Metrics.Counter created;
  private final Metrics.Counter starts;
  private final Metrics.Counter playerTimeouts;
  private final Metrics.Counter sessionTimeouts;
  final Metrics.Counter forwarded;
  final Metrics.Counter relayed;
  final Metrics.Counter namesFreed;
  final Metrics.Counter namesRestored;
  final Metrics.Counter namesLostInSplit;
  final Metrics.Counter splitNameChecks;
  final Metrics.Counter staleRoutes;
  final Metrics.Counter droppedNotUtf8;
  final Metrics.Counter droppedUnknownType;
  final Metrics.Counter droppedOversize;
  private final Metrics.Counter droppedStartRepeat;
  final Metrics.Counter droppedOwnerUnreachable;
  final Metrics.Counter droppedNoRoute;
  final Metrics.Histogram latencyHere;
  final Metrics.Histogram latencyForwarded;
  /** Upper bounds of the request latency buckets, microseconds. */
  static final long[] LATENCY_BOUNDS_US = {10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000,
      1_000_000};
  final Metrics.Counter droppedTooManySessions;
  final Metrics.Counter droppedRateLimited;

  LobbyMetrics(Metrics m) {
    for (LobbyCommand.Type t : LobbyCommand.Type.values()) {
      requests.put(t, m.counter("rendezvous_lobby_requests_total", "S4 well-formed requests received on this node's socket",
          "type", String.valueOf(t.letter())));
    }
    for (LobbyError e : LobbyError.values()) {
      errors.put(e, m.counter("rendezvous_lobby_errors_total", "S4 errors decided (a repeated notice counts once)",
          "error", e.label()));
    }
    m.gauge("rendezvous_lobby_sessions", "S4 sessions owned by this node", sessions::get);
    m.gauge("rendezvous_lobby_players", "Players in the S4 sessions owned by this node", players::get);
    created = m.counter("rendezvous_lobby_sessions_created_total", "S4 sessions created on this node");
    starts = m.counter("rendezvous_lobby_starts_total", "S4 sessions started on this node");
    playerTimeouts = m.counter("rendezvous_lobby_timeouts_total", "S4 timeouts", "kind", "player");
    sessionTimeouts = m.counter("rendezvous_lobby_timeouts_total", "S4 timeouts", "kind", "session");
    forwarded = m.counter("rendezvous_lobby_forwarded_total", "S4 requests sent to a session actor over the event bus");
    relayed = m.counter("rendezvous_lobby_relayed_total", "S4 datagrams sent for a session owned by another node");
    namesFreed = m.counter("rendezvous_lobby_names_freed_total", "S4 session names freed after their node left");
    splitNameChecks = m.counter("rendezvous_lobby_split_name_checks_total",
        "S4 session names of this node checked against the names map after a healed split");
    namesLostInSplit = m.counter("rendezvous_lobby_names_lost_in_split_total",
        "S4 sessions of this node ended (error:session_timeout) because another node's session held their name after a healed split");
    namesRestored = m.counter("rendezvous_lobby_names_restored_total",
        "S4 names of this node's sessions put back after a node left (the map had lost them)");
    String latency = "rendezvous_lobby_request_latency_microseconds";
    String latencyHelp = "S4 requests handled by their session: from the datagram to the session's answers sent (owner=here)"
        + " or handed back from the owner's node (owner=other_node), microseconds";
    latencyHere = m.histogram(latency, latencyHelp, LATENCY_BOUNDS_US, "owner", "here");
    latencyForwarded = m.histogram(latency, latencyHelp, LATENCY_BOUNDS_US, "owner", "other_node");
    staleRoutes = m.counter("rendezvous_lobby_stale_routes_total",
        "S4 requests the event bus routed to a node that no longer holds the session");
    String drops = "rendezvous_lobby_dropped_total";
    String help = "S4 datagrams dropped without a reply";
    droppedNotUtf8 = m.counter(drops, help, "reason", "not_utf8");
    droppedUnknownType = m.counter(drops, help, "reason", "unknown_type");
    droppedOversize = m.counter(drops, help, "reason", "oversize");
    droppedStartRepeat = m.counter(drops, help, "reason", "already_starting");
    droppedOwnerUnreachable = m.counter(drops, help, "reason", "owner_unreachable");
    droppedNoRoute = m.counter(drops, help, "reason", "no_route_yet");
    droppedTooManySessions = m.counter(drops, help, "reason", "too_many_sessions");
    droppedRateLimited = m.counter(drops, help, "reason", "rate_limited");
  }

  void request(LobbyCommand.Type type) {
    requests.get(type).inc();
  }

  void error(LobbyError e) {
    errors.get(e).inc();
  }

  /** What one session call produced. */
  void count(SessionOutput o) {
    o.errors().forEach((e, n) -> errors.get(e).add(n));
    starts.add(o.starts());
    playerTimeouts.add(o.playerTimeouts());
    sessionTimeouts.add(o.sessionTimeouts());
    droppedStartRepeat.add(o.startsIgnored());
  }

  /** A session now owned here, or no longer ({@code delta} -1), with its players. */
  void sessions(int delta) {
    sessions.addAndGet(delta);
  }

  void players(int delta) {
    players.addAndGet(delta);
  }
}
