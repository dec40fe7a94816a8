package org.rendezvous.ws;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * This node's copy of the cluster's online users, in registration order, kept from the join and
 * leave events every node publishes. Events may arrive late or twice and from several nodes in any
 * interleaving: a username's newest registration (highest sequence number) wins, and a leave is
 * remembered for a while so a join it overtook cannot bring a departed registration back.
 */
public final class OnlineUsers {

  private final Map<String, OnlineUser> byName = new HashMap<>();
  private final TreeMap<Long, OnlineUser> bySeq = new TreeMap<>();
  /** username → highest sequence number known to have left, with when (ms), for {@link #forgetLeavesOlderThan}. */
  private final Map<String, long[]> departed = new HashMap<>();
  /** The departures {@link #leaveNode} recorded, by node: forgotten if that node turns out alive after all. */
  private final Map<String, Set<String>> departedWithNode = new HashMap<>();
  private String usersJson;

  /** Adds or replaces a registration; false when it changed nothing or is older than what is known. */
  public boolean join(OnlineUser u, long nowMs) {
    long[] gone = departed.get(u.username());
    if (gone != null && gone[0] >= u.seq()) {
      return false;
    }
    OnlineUser current = byName.get(u.username());
    if (current != null) {
      if (current.seq() > u.seq() || current.equals(u)) {
        return false;
      }
      bySeq.remove(current.seq());
    }
    byName.put(u.username(), u);
    bySeq.put(u.seq(), u);
    usersJson = null;
    return true;
  }

  /** Removes the registration {@code username}/{@code seq} (not a newer one of the same name); false when absent. */
  public boolean leave(String username, long seq, long nowMs) {
    long[] gone = departed.get(username);
    if (gone == null || gone[0] <= seq) {
      departed.put(username, new long[] {seq, nowMs});
    }
    OnlineUser current = byName.get(username);
    if (current == null || current.seq() != seq) {
      return false;
    }
    byName.remove(username);
    bySeq.remove(seq);
    usersJson = null;
    return true;
  }

  /** Removes every user homed on {@code nodeId} and returns them. */
  public List<OnlineUser> leaveNode(String nodeId, long nowMs) {
    List<OnlineUser> removed = new ArrayList<>();
    for (Iterator<OnlineUser> it = bySeq.values().iterator(); it.hasNext(); ) {
      OnlineUser u = it.next();
      if (u.nodeId().equals(nodeId)) {
        it.remove();
        byName.remove(u.username());
        departed.put(u.username(), new long[] {u.seq(), nowMs});
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
      names.forEach(departed::remove);
    }
  }

  public OnlineUser get(String username) {
    return byName.get(username);
  }

  public int size() {
    return byName.size();
  }

  /** Users in registration order. */
  public List<OnlineUser> inOrder() {
    return new ArrayList<>(bySeq.values());
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
    departed.values().removeIf(g -> g[1] < cutoffMs);
    departedWithNode.values().forEach(names -> names.retainAll(departed.keySet()));
    departedWithNode.values().removeIf(Set::isEmpty);
  }

  int departedCount() {
    return departed.size();
  }
}
