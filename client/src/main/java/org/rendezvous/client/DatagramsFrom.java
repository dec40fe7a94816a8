package org.rendezvous.client;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.Optional;

/** Blocking receive of the datagrams of one sender until a deadline, skipping everyone else's. */
final class DatagramsFrom {

  private DatagramsFrom() {
  }

  /**
   * The next datagram {@code socket} receives from {@code sender} before {@code deadlineNanos}
   * (a {@link System#nanoTime()} value), read into {@code buf}; empty once the deadline passes.
   * Leaves the socket's timeout at whatever it last set.
   */
  static Optional<DatagramPacket> next(DatagramSocket socket, SocketAddress sender, byte[] buf, long deadlineNanos)
      throws IOException {
    while (true) {
      long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return Optional.empty();
      }
      socket.setSoTimeout((int) left);
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
      } catch (SocketTimeoutException e) {
        return Optional.empty();
      }
      if (p.getSocketAddress().equals(sender)) {
        return Optional.of(p);
      }
    }
  }
}
