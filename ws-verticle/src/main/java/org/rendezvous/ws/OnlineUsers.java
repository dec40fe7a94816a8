package org.rendezvous.ws;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * This node's copy of the cluster's online users, in registration order, kept from the join and
 * leave events every node publishes. Events may arrive late or twice and from several nodes in any
 * interleaving: a username's newest registration ({@link OnlineUser#ORDER}) wins, and a leave is
 * remembered for a while so a join it overtook cannot bring a departed registration back.
 */
public final class OnlineUsers {

  /** The same node may reuse a sequence number after a healed split, for another name: the name keeps both. */
  private static final Comparator<OnlineUser> LIST_ORDER = OnlineUser.ORDER.thenComparing(OnlineUser::username);

  /** A registration known to have left, and when (ms), for {@link #forgetLeavesOlderThan}. */
  private record Departure(OnlineUser registration, long atMs) {
  }

  /**
   * Most leaves remembered at once, by default. Each is a name's churn across the whole cluster in the last minute;
   * past this many the oldest are forgotten early, which only narrows the window in which an overtaken join is kept
   * out (at 100,000 leaves a second it is still a second, and events overtake each other by milliseconds).
   */
  public static final int MAX_DEPARTURES = 100_000;

  private final Map<String, OnlineUser> byName = new HashMap<>();
  private final TreeSet<OnlineUser> ordered = new TreeSet<>(LIST_ORDER);
  /** username → home node → the newest of that node's registrations of the name known to have left. */
  private final Map<String, Map<String, Departure>> departed = new HashMap<>();
  /** The departures {@link #leaveNode} recorded, by node: forgotten if that node turns out alive after all. */
  private final Map<String, Set<String>> departedWithNode = new HashMap<>();
  /** Every departure recorded, oldest first; one already replaced or forgotten is skipped when it comes up. */
  private final ArrayDeque<Departure> departureOrder = new ArrayDeque<>();
  private final int maxDepartures;
  private final Runnable forgottenEarly;
  private int departedCount;
  private String usersJson;
  private long highestSeq;

  public OnlineUsers() {
    this(MAX_DEPARTURES, () -> { });
  }

  /** Remembers at most {@code maxDepartures} leaves at once, telling {@code forgottenEarly} of each forgotten before its time. */
  public OnlineUsers(int maxDepartures, Runnable forgottenEarly) {
    this.maxDepartures = maxDepartures;
    this.forgottenEarly = forgottenEarly;
  }

  /** Adds or replaces a registration; false when it changed nothing or is older than what is known. */
  public boolean join(OnlineUser u, long nowMs) {
    for (Departure gone : departures(u.username()).values()) {
      if (!u.isNewerThan(gone.registration())) {
        return false;
      }
    }
    return put(u);
  }

  /**
   * Adds a registration its home node reports live, as it does after a healed split: only a leave of this very
   * registration (or a later one of that node) keeps it out, not one of another node that this side saw come
   * and go while the two were apart.
   */
  public boolean joinLive(OnlineUser u, long nowMs) {
    Departure gone = departures(u.username()).get(u.nodeId());
    if (gone != null && gone.registration().seq() >= u.seq()) {
      return false;
    }
    return put(u);
  }

  private boolean put(OnlineUser u) {
    highestSeq = Math.max(highestSeq, u.seq());
    OnlineUser current = byName.get(u.username());
    if (current != null) {
      if (current.isNewerThan(u) || current.equals(u)) {
        return false;
      }
      ordered.remove(current);
    }
    byName.put(u.username(), u);
    ordered.add(u);
    usersJson = null;
    return true;
  }

  /** Removes the registration {@code u} (not a newer one of the same name); false when absent. */
  public boolean leave(OnlineUser u, long nowMs) {
    remember(u, nowMs);
    OnlineUser current = byName.get(u.username());
    if (current == null || !current.sameRegistration(u.nodeId(), u.seq())) {
      return false;
    }
    byName.remove(u.username());
    ordered.remove(current);
    usersJson = null;
    return true;
  }

  private void remember(OnlineUser u, long nowMs) {
    highestSeq = Math.max(highestSeq, u.seq());
    Map<String, Departure> byNode = departed.computeIfAbsent(u.username(), k -> new HashMap<>());
    Departure gone = byNode.get(u.nodeId());
    if (gone == null || gone.registration().seq() <= u.seq()) {
      Departure now = new Departure(u, nowMs);
      byNode.put(u.nodeId(), now);
      departedCount += gone == null ? 1 : 0;
      departureOrder.addLast(now);
      if (departureOrder.size() > 2 * maxDepartures) {
        departureOrder.removeIf(d -> !remembered(d)); // replaced sightings: a name leaving again and again
      }
      while (departedCount > maxDepartures) {
        if (forget(departureOrder.removeFirst())) {
          forgottenEarly.run();
        }
      }
    }
  }

  /** Whether {@code d} is still the remembered leave of its name and node (not replaced, not forgotten). */
  private boolean remembered(Departure d) {
    Map<String, Departure> byNode = departed.get(d.registration().username());
    return byNode != null && byNode.get(d.registration().nodeId()) == d;
  }

  /** Forgets {@code d} unless a later departure replaced it or it is gone already; true when it was forgotten. */
  private boolean forget(Departure d) {
    if (!remembered(d)) {
      return false;
    }
    Map<String, Departure> byNode = departed.get(d.registration().username());
    byNode.remove(d.registration().nodeId());
    departedCount--;
    if (byNode.isEmpty()) {
      departed.remove(d.registration().username());
    }
    return true;
  }

  private Map<String, Departure> departures(String username) {
    return departed.getOrDefault(username, Map.of());
  }

  /** Removes every user homed on {@code nodeId} and returns them. */
  public List<OnlineUser> leaveNode(String nodeId, long nowMs) {
    List<OnlineUser> removed = new ArrayList<>();
    for (Iterator<OnlineUser> it = ordered.iterator(); it.hasNext(); ) {
      OnlineUser u = it.next();
      if (u.nodeId().equals(nodeId)) {
        it.remove();
        byName.remove(u.username());
        remember(u, nowMs);
        departedWithNode.computeIfAbsent(nodeId, k -> new HashSet<>()).add(u.username());
        removed.add(u);
      }
    }
    if (!removed.isEmpty()) {
      usersJson = null;
    }
    return removed;
  }

  /**
   * {@code nodeId} was taken for dead but is back (a healed split): its users' registrations, dropped
   * by {@link #leaveNode}, may join again.
   */
  public void forgetNodeLeft(String nodeId) {
    Set<String> names = departedWithNode.remove(nodeId);
    if (names != null) {
      for (String name : names) {
        Map<String, Departure> byNode = departed.get(name);
        Departure d = byNode == null ? null : byNode.get(nodeId);
        if (d != null) {
          forget(d);
        }
      }
    }
  }

  /** The highest sequence number this list has seen, listed or departed (0 when none). */
  public long highestSeq() {
    return highestSeq;
  }

  public OnlineUser get(String username) {
    return byName.get(username);
  }

  public int size() {
    return byName.size();
  }

  /** Users in registration order. */
  public List<OnlineUser> inOrder() {
    return new ArrayList<>(ordered);
  }

  /** The users array of online_users, rendered once per change. */
  public String usersJson() {
    if (usersJson == null) {
      usersJson = ServerMessages.usersArray(inOrder());
    }
    return usersJson;
  }

  /** Forgets leaves older than {@code cutoffMs}: by then no event that could be overtaken by them is in flight. */
  public void forgetLeavesOlderThan(long cutoffMs) {
    for (Iterator<Departure> it = departureOrder.iterator(); it.hasNext(); ) {
      Departure d = it.next();
      if (d.atMs() < cutoffMs) {
        it.remove(); // recorded in time order, unless the clock stepped back: the whole queue is looked at
        forget(d);
      }
    }
    departedWithNode.values().forEach(names -> names.retainAll(departed.keySet()));
    departedWithNode.values().removeIf(Set::isEmpty);
  }

  /** Leaves remembered now. */
  int departedCount() {
    return departedCount;
  }

}
