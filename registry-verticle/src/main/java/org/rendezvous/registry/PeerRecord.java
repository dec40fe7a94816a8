package org.rendezvous.registry;

/**
 * One S2 peer as the registry holds it; {@code lastSeenMicros} is the registration time in epoch
 * microseconds, {@code firstSeenMicros} that of the registration that added the id (registering again keeps it),
 * which places the peer in registration order on every node. Ordered last-writer-wins on ({@code version},
 * {@code origin}) like {@link UserRecord}.
 */
public record PeerRecord(String peerId, String username, String ip, long port, boolean online,
                         long lastSeenMicros, long version, String origin, long firstSeenMicros) {

  public boolean newerThan(PeerRecord other) {
    return Versions.newer(version, origin, other.version, other.origin);
  }

  public PeerRecord offline(long version, String origin) {
    return new PeerRecord(peerId, username, ip, port, false, lastSeenMicros, version, origin, firstSeenMicros);
  }
}
