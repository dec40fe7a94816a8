package org.rendezvous.udp.lobby;

import java.util.ArrayList;
import java.util.List;

/**
 * One S4 lobby session as a plain state machine (SPEC §3 S4): players in join order, the first one
 * the host; the start rounds; the player and session timers. Time comes in as a parameter; every
 * effect goes out through a {@link SessionOutput}. Not thread-safe: one owner calls it.
 *
 * <p>The caller calls {@link #tick} once the clock reaches {@link #nextDeadline()}, and before
 * handling a request at or after it, so a request never meets a player that should have timed out.
 */
public final class LobbySession {

  /** Start messages are sent this many times (the first at once), unless every player confirmed. */
  public static final int START_ROUNDS = 8;
  /** A timed-out player, or every player of a timed-out session, is told this many times. */
  public static final int TIMEOUT_NOTICES = 3;

  private static final class Player {
    final String name;
    final String ip;
    final int port;
    String home;
    long lastSeen;
    boolean confirmed;

    Player(String name, Peer at, long now) {
      this.name = name;
      this.ip = at.ip();
      this.port = at.port();
      this.home = at.home();
      this.lastSeen = now;
    }

    boolean isAt(Peer p) {
      return port == p.port() && ip.equals(p.ip());
    }

    Peer peer() {
      return new Peer(ip, port, home);
    }
  }

  private final String name;
  private final int maxPlayers;
  private final String password;
  private final LobbyTimers timers;
  private final long createdAt;
  private final List<Player> players = new ArrayList<>(4);
  /** The current {@code i:} text; null after the player list changed. */
  private String info;
  private boolean starting;
  private int roundsSent;
  private long nextRoundAt;
  private boolean ended;

  private LobbySession(String name, int maxPlayers, String password, LobbyTimers timers, long now) {
    this.name = name;
    this.maxPlayers = maxPlayers;
    this.password = password;
    this.timers = timers;
    this.createdAt = now;
  }

  /** A new session for an {@code h} request that found no session of that name: answers {@code i:<host>}. */
  public static LobbySession create(LobbyCommand host, Peer from, long now, LobbyTimers timers, SessionOutput out) {
    if (host.type() != LobbyCommand.Type.HOST) {
      throw new IllegalArgumentException("a session is created by h, not " + host.type());
    }
    LobbySession s = new LobbySession(host.session(), host.maxPlayers(), host.password(), timers, now);
    s.players.add(new Player(host.player(), from, now));
    out.send(from, s.info());
    return s;
  }

  /** Handles one request for this session from {@code from} (its address and the node that received it). */
  public void handle(LobbyCommand cmd, Peer from, long now, SessionOutput out) {
    if (ended) {
      throw new IllegalStateException("session " + name + " has ended");
    }
    // Whatever the request, the node that just heard from this address can reach it.
    for (Player p : players) {
      if (p.isAt(from)) {
        p.home = from.home();
      }
    }
    switch (cmd.type()) {
      case HOST -> host(from, out);
      case CONNECT -> connect(cmd, from, now, out);
      case PING -> ping(cmd, from, now, out);
      case KICK -> kick(cmd, from, out);
      case EXIT -> exit(cmd, from, out);
      case START -> start(from, now, out);
      case CONFIRM -> confirm(cmd, from, out);
    }
  }

  private void host(Peer from, SessionOutput out) {
    if (!starting && players.get(0).isAt(from)) {
      out.send(from, info()); // the host did not get its i: and asks again
    } else {
      out.error(from, LobbyError.SESSION_EXISTS);
    }
  }

  private void connect(LobbyCommand cmd, Peer from, long now, SessionOutput out) {
    if (starting) {
      out.error(from, LobbyError.SESSION_NON_EXISTENT);
    } else if (password != null && !password.equals(cmd.password())) {
      out.error(from, LobbyError.PASSWORD_MISMATCH);
    } else if (players.size() >= maxPlayers) {
      out.error(from, LobbyError.SESSION_FULL); // before the duplicate check, as the original
    } else {
      Player same = find(cmd.player());
      if (same == null) {
        players.add(new Player(cmd.player(), from, now));
        info = null;
        broadcast(info(), out);
      } else if (same.isAt(from)) {
        out.send(from, info()); // a retransmitted c
      } else {
        out.error(from, LobbyError.PLAYER_NAME_IN_USE);
      }
    }
  }

  private void ping(LobbyCommand cmd, Peer from, long now, SessionOutput out) {
    Player p = find(cmd.player());
    if (starting && p != null && !p.confirmed && p.isAt(from)) {
      out.send(from, startMessage(p));
      return;
    }
    // Fix: only the player's own address keeps it alive (the original let anyone).
    if (p == null || !p.isAt(from)) {
      out.error(from, LobbyError.NON_EXISTENT_PLAYER);
      return;
    }
    p.lastSeen = now;
    out.send(from, info());
  }

  private void kick(LobbyCommand cmd, Peer from, SessionOutput out) {
    Player target = find(cmd.player());
    if (target == null) {
      out.error(from, LobbyError.NON_EXISTENT_PLAYER);
    } else if (!players.get(0).isAt(from)) {
      out.error(from, LobbyError.NON_HOST_PLAYER);
    } else {
      remove(target);
      out.error(target.peer(), LobbyError.KICKED_BY_HOST);
      if (!endIfDone()) {
        broadcast(info(), out);
      }
    }
  }

  private void exit(LobbyCommand cmd, Peer from, SessionOutput out) {
    Player p = find(cmd.player());
    // Fix: only the player's own address removes it (the original let anyone).
    if (p == null || !p.isAt(from)) {
      out.error(from, LobbyError.NON_EXISTENT_PLAYER);
      return;
    }
    remove(p);
    out.error(from, LobbyError.PLAYER_EXITED_SESSION);
    endIfDone();
  }

  private void start(Peer from, long now, SessionOutput out) {
    if (starting) {
      out.startIgnored(); // the Godot client sends s instead of pings once started
    } else if (!players.get(0).isAt(from)) {
      out.error(from, LobbyError.NON_HOST_PLAYER);
    } else if (players.size() < 2) {
      out.error(from, LobbyError.ONLY_ONE_PLAYER_IN_SESSION);
    } else {
      starting = true;
      out.started();
      sendStartRound(now, out);
    }
  }

  private void confirm(LobbyCommand cmd, Peer from, SessionOutput out) {
    if (!starting) {
      out.error(from, LobbyError.SESSION_NOT_STARTED);
      return;
    }
    Player p = find(cmd.player());
    if (p == null || p.confirmed) {
      out.error(from, LobbyError.NON_EXISTENT_PLAYER);
      return;
    }
    p.confirmed = true;
    endIfDone();
  }

  /** Runs the timers up to {@code now}: session timeout, the next start round, player timeouts. */
  public void tick(long now, SessionOutput out) {
    if (ended) {
      return;
    }
    if (now - createdAt > timers.sessionTimeoutMs()) {
      endNow(out);
      out.sessionTimedOut();
      return;
    }
    if (starting) {
      // Players are not timed out while starting: it ends within START_ROUNDS intervals anyway.
      if (now >= nextRoundAt) {
        if (roundsSent < START_ROUNDS) {
          sendStartRound(now, out);
        } else {
          ended = true;
        }
      }
      return;
    }
    boolean removed = false;
    for (int i = 0; i < players.size(); ) {
      Player p = players.get(i);
      if (now - p.lastSeen > timers.playerTimeoutMs()) {
        players.remove(i);
        out.errorRepeated(p.peer(), LobbyError.PLAYER_TIMEOUT, TIMEOUT_NOTICES, timers.repeatIntervalMs());
        out.playerTimedOut();
        removed = true;
      } else {
        i++;
      }
    }
    if (removed) {
      info = null;
      if (!endIfDone()) {
        broadcast(info(), out);
      }
    }
  }

  /**
   * Ends the session at once, every player told as on a session timeout: also when another node's session of
   * the same name keeps it (a healed split), so the players host or join again.
   */
  public void endNow(SessionOutput out) {
    if (ended) {
      return;
    }
    for (Player p : players) {
      out.errorRepeated(p.peer(), LobbyError.SESSION_TIMEOUT, TIMEOUT_NOTICES, timers.repeatIntervalMs());
    }
    ended = true;
  }

  /** The earliest time {@link #tick} has something to do; Long.MAX_VALUE once ended. */
  public long nextDeadline() {
    if (ended) {
      return Long.MAX_VALUE;
    }
    long deadline = createdAt + timers.sessionTimeoutMs() + 1;
    if (starting) {
      return Math.min(deadline, nextRoundAt);
    }
    for (Player p : players) {
      deadline = Math.min(deadline, p.lastSeen + timers.playerTimeoutMs() + 1);
    }
    return deadline;
  }

  private void sendStartRound(long now, SessionOutput out) {
    for (Player p : players) {
      if (!p.confirmed) {
        out.send(p.peer(), startMessage(p));
      }
    }
    roundsSent++;
    nextRoundAt = now + timers.startIntervalMs();
  }

  /** {@code s:<p's port>:} and every other player in join order, confirmed or not (the fix). */
  private String startMessage(Player receiver) {
    StringBuilder b = LobbyCodec.startMessage(receiver.port);
    boolean first = true;
    for (Player p : players) {
      if (p != receiver) {
        LobbyCodec.appendPeer(b, first, p.name, p.ip, p.port);
        first = false;
      }
    }
    return b.toString();
  }

  private void broadcast(String text, SessionOutput out) {
    for (Player p : players) {
      out.send(p.peer(), text);
    }
  }

  private void remove(Player p) {
    players.remove(p);
    info = null;
  }

  /** Ends the session when it has no players left, or when starting and every player confirmed. */
  private boolean endIfDone() {
    boolean allConfirmed = starting;
    for (Player p : players) {
      allConfirmed &= p.confirmed;
    }
    if (players.isEmpty() || allConfirmed) {
      ended = true;
    }
    return ended;
  }

  private Player find(String playerName) {
    for (Player p : players) {
      if (p.name.equals(playerName)) {
        return p;
      }
    }
    return null;
  }

  private String info() {
    if (info == null) {
      info = LobbyCodec.info(playerNames());
    }
    return info;
  }

  public String name() {
    return name;
  }

  /** Deleted: emptied, started and done, or timed out. The owner drops it and frees its name. */
  public boolean ended() {
    return ended;
  }

  public boolean starting() {
    return starting;
  }

  public int playerCount() {
    return players.size();
  }

  /** Player names in join order, the host first. */
  public List<String> playerNames() {
    List<String> names = new ArrayList<>(players.size());
    players.forEach(p -> names.add(p.name));
    return names;
  }
}
