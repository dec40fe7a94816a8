package org.rendezvous.pairing;

/**
 * What a decoded hello asks for (SPEC S1): its role and pairing key, and what its peer will be told.
 * The role comes from {@code target_ip} alone; {@code protocol} only picks which address is published.
 */
public sealed interface Arrival {

  /** Empty uuid: the connection is closed without a reply, as the original did. */
  record Ignored() implements Arrival {
  }

  /**
   * Waits for a receiver under {@code key} = uuid + target_ip.
   *
   * @param publicAddress what the receiver is told: the hello's address for udp, else the TCP peer address
   */
  record Initiator(String key, String protocol, String publicAddress) implements Arrival {
  }

  /**
   * Looks up the initiator under {@code key} = uuid + the receiver's own IP as the server sees it.
   *
   * @param udpAddress the hello's address field (its UDP probe result)
   * @param tcpAddress its TCP peer address, {@code ip:port}
   */
  record Receiver(String key, String udpAddress, String tcpAddress) implements Arrival {
  }

  /** Both replies of a pairing. */
  record Pair(Reply toInitiator, Reply toReceiver) {
  }

  Ignored IGNORED = new Ignored();

  /** Classifies a hello from a TCP client at {@code peerIp} (canonical text) : {@code peerPort}. */
  static Arrival of(Hello hello, String peerIp, int peerPort) {
    if (hello.uuid().isEmpty()) {
      return IGNORED;
    }
    String tcpAddress = AddressText.hostPort(peerIp, peerPort);
    if (hello.targetIp().isEmpty()) {
      return new Receiver(key(hello.uuid(), peerIp), hello.address(), tcpAddress);
    }
    String published = hello.protocol().equals("udp") ? hello.address() : tcpAddress;
    return new Initiator(key(hello.uuid(), AddressText.canonicalIp(hello.targetIp())), hello.protocol(), published);
  }

  /**
   * The pairing key. The original concatenated uuid and IP, so ("ab", "1.2.3.4") and ("a", "b1.2.3.4")
   * collided; the uuid's length in front keeps every pair of strings distinct.
   */
  static String key(String uuid, String ip) {
    return uuid.length() + ":" + uuid + "@" + ip;
  }

  /**
   * What each side is told when they meet. The receiver learns the initiator's published address
   * and protocol; a udp initiator learns the receiver's UDP address, any other its TCP address.
   */
  static Pair pair(Initiator initiator, Receiver receiver) {
    Reply toInitiator = initiator.protocol().equals("udp")
        ? Reply.peer("udp", receiver.udpAddress())
        : Reply.peer(initiator.protocol(), receiver.tcpAddress());
    return new Pair(toInitiator, Reply.peer(initiator.protocol(), initiator.publicAddress()));
  }
}
