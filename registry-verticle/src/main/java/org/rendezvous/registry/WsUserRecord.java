package org.rendezvous.registry;

/**
 * An S3 (WebSocket signaling) name as the registry keeps it: the user id last registered with it
 * (as JSON text, since S3 echoes its JSON type) and when it was first and last seen (epoch ms).
 * Merging is commutative (earliest first, latest last), so replicas agree whatever the order.
 */
public record WsUserRecord(String username, String userIdJson, long firstSeen, long lastSeen) {

  /** This record combined with what is known already ({@code old} may be null). */
  public WsUserRecord mergedWith(WsUserRecord old) {
    if (old == null) {
      return this;
    }
    boolean mineIsLater = lastSeen > old.lastSeen || (lastSeen == old.lastSeen && userIdJson.compareTo(old.userIdJson) > 0);
    return new WsUserRecord(username, mineIsLater ? userIdJson : old.userIdJson,
        Math.min(firstSeen, old.firstSeen), Math.max(lastSeen, old.lastSeen));
  }
}
