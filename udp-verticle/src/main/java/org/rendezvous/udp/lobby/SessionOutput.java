package org.rendezvous.udp.lobby;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link LobbySession} call produced: the datagrams to send (each to a peer, now or after a
 * delay, from that peer's home node) and what happened, for metrics. Reusable: {@link #clear()}.
 */
public final class SessionOutput {

  /** One datagram for {@code to}, to leave {@code delayMs} after the call. */
  public record Datagram(Peer to, String text, long delayMs) {
  }

  private final List<Datagram> datagrams = new ArrayList<>();
  private final Map<LobbyError, Integer> errors = new EnumMap<>(LobbyError.class);
  private int starts;
  private int playerTimeouts;
  private int sessionTimeouts;
  private int startsIgnored;

  void send(Peer to, String text) {
    datagrams.add(new Datagram(to, text, 0));
  }

  /** An error decided once: one datagram, one count. */
  void error(Peer to, LobbyError error) {
    send(to, error.wire());
    errors.merge(error, 1, Integer::sum);
  }

  /** An error told {@code times} times, {@code intervalMs} apart; counted once. */
  void errorRepeated(Peer to, LobbyError error, int times, long intervalMs) {
    for (int i = 0; i < times; i++) {
      datagrams.add(new Datagram(to, error.wire(), i * intervalMs));
    }
    errors.merge(error, 1, Integer::sum);
  }

  void started() {
    starts++;
  }

  void playerTimedOut() {
    playerTimeouts++;
  }

  void sessionTimedOut() {
    sessionTimeouts++;
  }

  void startIgnored() {
    startsIgnored++;
  }

  public List<Datagram> datagrams() {
    return datagrams;
  }

  /** Errors decided, by type, each counted once however often it is sent. */
  public Map<LobbyError, Integer> errors() {
    return errors;
  }

  public int starts() {
    return starts;
  }

  public int playerTimeouts() {
    return playerTimeouts;
  }

  public int sessionTimeouts() {
    return sessionTimeouts;
  }

  /** {@code s} requests ignored because the session was already starting. */
  public int startsIgnored() {
    return startsIgnored;
  }

  public void clear() {
    datagrams.clear();
    errors.clear();
    starts = playerTimeouts = sessionTimeouts = startsIgnored = 0;
  }
}
