package org.rendezvous.client;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * Tells whether this host's NAT keeps one public port for every destination (punchable) or gives
 * each destination its own (symmetric: a peer can never learn the port to reach). It asks two STUN
 * endpoints of the server from the same socket: S5 on 3478 and S5 on the pairing port.
 */
public final class NatProbe {

  /** What the two bindings showed. */
  public record Result(InetSocketAddress first, InetSocketAddress second) {
    public boolean symmetric() {
      return !first.equals(second);
    }
  }

  private NatProbe() {
  }

  /** Empty when the second endpoint does not answer (an older server): the NAT type stays unknown. */
  public static Optional<Result> probe(DatagramSocket socket, InetSocketAddress stun1, InetSocketAddress stun2,
                                       Duration timeout) throws IOException {
    InetSocketAddress a = StunClient.mappedAddress(socket, stun1, timeout);
    try {
      return Optional.of(new Result(a, StunClient.mappedAddress(socket, stun2, timeout)));
    } catch (java.net.SocketTimeoutException e) {
      return Optional.empty();
    }
  }

  public static String explain(Result r) {
    return "your NAT maps this socket to " + PairingClient.addressText(r.first()) + " towards one server port and to "
        + PairingClient.addressText(r.second())
        + " towards another: it gives every destination a new public port (symmetric NAT), so no peer can learn"
        + " the port that reaches you, and a direct path is impossible";
  }
}
