package org.rendezvous.client;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * UDP hole punching: keep sending a probe to the peer's public address (each send opens or
 * refreshes our NAT's mapping and filter for that peer) until the first datagram from the peer
 * arrives, which proves the path is open both ways.
 */
public final class UdpPuncher {

  /** A datagram received from the peer: its payload and the address it really came from. */
  public record Received(InetSocketAddress from, byte[] payload) {
  }

  private UdpPuncher() {
  }

  /**
   * Sends {@code probe} to {@code peer} every {@code interval} until a datagram from the peer's IP
   * that {@code accept} takes arrives, or {@code timeout} passes (empty).
   */
  public static Optional<Received> punch(DatagramSocket socket, InetSocketAddress peer, byte[] probe, Duration interval,
                                         Duration timeout, Predicate<Received> accept) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] buf = new byte[65_536];
    int saved = socket.getSoTimeout();
    try {
      while (System.nanoTime() < deadline) {
        socket.send(new DatagramPacket(probe, probe.length, peer));
        long next = Math.min(deadline, System.nanoTime() + interval.toNanos());
        while (System.nanoTime() < next) {
          socket.setSoTimeout((int) Math.max(1, (next - System.nanoTime()) / 1_000_000L));
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          try {
            socket.receive(p);
          } catch (SocketTimeoutException e) {
            break;
          }
          InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
          // The peer's NAT may have kept its address but not its port: accept its IP.
          if (from.getAddress().equals(peer.getAddress())) {
            Received r = new Received(from, Arrays.copyOf(p.getData(), p.getLength()));
            if (accept.test(r)) {
              return Optional.of(r);
            }
          }
        }
      }
      return Optional.empty();
    } finally {
      socket.setSoTimeout(saved);
    }
  }
}
