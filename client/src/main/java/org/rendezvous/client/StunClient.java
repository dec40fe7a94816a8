package org.rendezvous.client;

import org.rendezvous.udp.stun.MappedAddress;
import org.rendezvous.udp.stun.StunMessage;
import org.rendezvous.udp.stun.XorMappedAddress;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/**
 * Asks a STUN server (RFC 8489 Binding) what public address a UDP socket has. Works on the socket
 * the caller will punch from, because that socket's mapping is the one the peer must reach.
 */
public final class StunClient {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long RETRANSMIT_MS = 250;

  private StunClient() {
  }

  /**
   * The socket's address as {@code server} sees it. Datagrams from anyone else that arrive
   * meanwhile are discarded. Retransmits every 250 ms; fails with {@link SocketTimeoutException}.
   */
  public static InetSocketAddress mappedAddress(DatagramSocket socket, InetSocketAddress server, Duration timeout)
      throws IOException {
    byte[] tid = new byte[12];
    RANDOM.nextBytes(tid);
    byte[] request = new StunMessage(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), tid).encode();
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] buf = new byte[1500];
    int saved = socket.getSoTimeout();
    try {
      while (true) {
        socket.send(new DatagramPacket(request, request.length, server));
        long resendAt = System.nanoTime() + RETRANSMIT_MS * 1_000_000L;
        while (System.nanoTime() < Math.min(resendAt, deadline)) {
          socket.setSoTimeout((int) Math.max(1, (Math.min(resendAt, deadline) - System.nanoTime()) / 1_000_000L));
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          try {
            socket.receive(p);
          } catch (SocketTimeoutException e) {
            break;
          }
          StunMessage m = StunMessage.decode(p.getData(), 0, p.getLength());
          if (m == null || m.messageClass() != StunMessage.CLASS_SUCCESS || !Arrays.equals(m.transactionId(), tid)) {
            continue;
          }
          XorMappedAddress xor = XorMappedAddress.readFrom(m);
          if (xor != null) {
            return new InetSocketAddress(xor.address(), xor.port());
          }
          MappedAddress mapped = MappedAddress.readFrom(m);
          if (mapped != null) {
            return new InetSocketAddress(mapped.address(), mapped.port());
          }
        }
        if (System.nanoTime() >= deadline) {
          throw new SocketTimeoutException("no STUN answer from " + server + " within " + timeout.toMillis() + " ms");
        }
      }
    } finally {
      socket.setSoTimeout(saved);
    }
  }
}
