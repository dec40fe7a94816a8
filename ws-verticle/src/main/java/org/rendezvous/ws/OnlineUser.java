package org.rendezvous.ws;

import java.util.Comparator;

/**
 * A registered user as the whole cluster sees it: its name, its user_id as JSON text, its home
 * node, and its place in the cluster-wide registration order.
 */
public record OnlineUser(String username, String userIdJson, String nodeId, long seq) {

  /**
   * Registration order: by sequence number, then home node. The two sides of a network split draw
   * sequence numbers from their own copies of the counter, so after it heals two registrations may
   * share one; the node breaks the tie the same way on every node.
   */
  public static final Comparator<OnlineUser> ORDER = Comparator.comparingLong(OnlineUser::seq).thenComparing(OnlineUser::nodeId);

  /** Of two registrations of one name, the one every node keeps: the newer in {@link #ORDER}. */
  public boolean isNewerThan(OnlineUser other) {
    return ORDER.compare(this, other) > 0;
  }

  /** The same registration (user_id aside: a re-register rewrites it in place). */
  public boolean sameRegistration(String node, long sequence) {
    return seq == sequence && nodeId.equals(node);
  }
}
