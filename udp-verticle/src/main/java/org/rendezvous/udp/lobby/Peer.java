package org.rendezvous.udp.lobby;

/**
 * A player's public address as a node saw it, and that node: its home, the only node that may
 * send to it (SPEC §2 rule 1). Two peers are the same client when ip and port are equal.
 *
 * @param ip   canonical IP text (IPv4 dotted quad, IPv6 RFC 5952)
 * @param port UDP port
 * @param home node id of the node whose lobby socket received the datagram
 */
public record Peer(String ip, int port, String home) {

  public boolean sameAddress(Peer other) {
    return port == other.port && ip.equals(other.ip);
  }
}
