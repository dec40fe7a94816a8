package org.rendezvous.udp.lobby;

/**
 * The durations a lobby session runs on (the counts, 8 start rounds and 3 timeout notices, are the
 * protocol's and fixed in {@link LobbySession}).
 *
 * @param playerTimeoutMs  a player silent longer than this is removed
 * @param sessionTimeoutMs a session older than this is deleted
 * @param startIntervalMs  time between two rounds of start messages
 * @param repeatIntervalMs time between the repeated timeout notices
 */
public record LobbyTimers(long playerTimeoutMs, long sessionTimeoutMs, long startIntervalMs, long repeatIntervalMs) {

  public static final LobbyTimers SPEC = new LobbyTimers(5_000, 15 * 60_000, 100, 50);

  public LobbyTimers {
    if (playerTimeoutMs < 1 || sessionTimeoutMs < 1 || startIntervalMs < 1 || repeatIntervalMs < 1) {
      throw new IllegalArgumentException("lobby timers must be >= 1 ms");
    }
  }
}
