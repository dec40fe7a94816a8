package org.rendezvous.udp.lobby;

import io.vertx.core.json.JsonObject;
import org.rendezvous.common.SourceRateLimiter;

import static org.rendezvous.common.ConfigValues.hostOf;
import static org.rendezvous.common.ConfigValues.intOf;
import static org.rendezvous.common.ConfigValues.longOf;
import static org.rendezvous.common.ConfigValues.requirePort;

/**
 * The {@code lobby} section of the node config: the S4 socket, the session timers, and the limits
 * of the cluster paths.
 *
 * @param host             listen address
 * @param port             listen port (0 = any free port)
 * @param timers           player and session timeouts, start and notice intervals
 * @param forwardTimeoutMs how long a node waits for the owner of a session to answer a forwarded request
 * @param maxSessions      sessions this node owns at most; an {@code h} beyond it is dropped (counted)
 * @param rateLimit        datagrams allowed per source address; the rest are dropped (counted)
 */
public record LobbyConfig(String host, int port, LobbyTimers timers, long forwardTimeoutMs, int maxSessions,
                          SourceRateLimiter.Limits rateLimit) {

  /**
   * A player sends 2 datagrams a second (pings, or h/c resent every 0.5 s until answered); this lets
   * 50 players share one NAT address, and a reconnecting client's burst through.
   */
  public static final SourceRateLimiter.Limits RATE_LIMIT = new SourceRateLimiter.Limits(100, 200, 65_536);

  public static LobbyConfig from(JsonObject json) {
    LobbyTimers spec = LobbyTimers.SPEC;
    LobbyConfig c = new LobbyConfig(
        hostOf(json, "host", "0.0.0.0"),
        intOf(json, "port", 57775),
        new LobbyTimers(
            longOf(json, "playerTimeoutMs", spec.playerTimeoutMs()),
            longOf(json, "sessionTimeoutMs", spec.sessionTimeoutMs()),
            longOf(json, "startIntervalMs", spec.startIntervalMs()),
            longOf(json, "repeatIntervalMs", spec.repeatIntervalMs())),
        longOf(json, "forwardTimeoutMs", 2_000),
        intOf(json, "maxSessions", 100_000),
        SourceRateLimiter.Limits.from(json, "lobby", "rateLimit", RATE_LIMIT));
    requirePort("lobby.port", c.port);
    if (c.forwardTimeoutMs < 1 || c.maxSessions < 1) {
      throw new IllegalArgumentException("lobby.forwardTimeoutMs and lobby.maxSessions must be >= 1");
    }
    return c;
  }

  /** How long a session name stays reserved if its owner never frees it: longer than any session lives. */
  public long reservationTtlMs() {
    return timers.sessionTimeoutMs() + 60_000;
  }
}
