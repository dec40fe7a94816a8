package org.rendezvous.registry;

/**
 * One S0 user as the registry holds it. {@code version} (epoch ms at the writing node) and
 * {@code origin} (that node's id) order concurrent writes last-writer-wins.
 */
public record UserRecord(String username, String ip, int port, long lastSeen, long version, String origin) {

  /** True when this write should replace {@code other} under last-writer-wins. */
  public boolean newerThan(UserRecord other) {
    return Versions.newer(version, origin, other.version, other.origin);
  }
}
