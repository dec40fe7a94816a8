package org.rendezvous.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * TCP hole punching by simultaneous open: from the local port the NAT already mapped for the
 * signaling connection, dial the peer repeatedly and listen at once (SO_REUSEADDR/SO_REUSEPORT);
 * whichever connection succeeds first wins.
 */
public final class TcpPuncher {

  private TcpPuncher() {
  }

  public static Optional<Socket> punch(int localPort, InetSocketAddress peer, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    AtomicReference<Socket> won = new AtomicReference<>();
    ServerSocket listener = new ServerSocket();
    listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    listener.setOption(StandardSocketOptions.SO_REUSEPORT, true);
    listener.bind(new InetSocketAddress(localPort));
    Thread accepting = new Thread(() -> {
      try {
        while (won.get() == null && System.nanoTime() < deadline) {
          listener.setSoTimeout(200);
          try {
            Socket s = listener.accept();
            if (!won.compareAndSet(null, s)) {
              s.close();
            }
          } catch (SocketTimeoutException e) {
            // check the deadline
          }
        }
      } catch (IOException closed) {
        // listener closed: the dialer won or we gave up
      }
    }, "tcp-punch-accept");
    accepting.setDaemon(true);
    accepting.start();
    try {
      while (won.get() == null && System.nanoTime() < deadline) {
        Socket s = new Socket();
        try {
          s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
          s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
          s.bind(new InetSocketAddress(localPort));
          s.connect(peer, (int) Math.max(1, Math.min(1_000, (deadline - System.nanoTime()) / 1_000_000L)));
          if (!won.compareAndSet(null, s)) {
            s.close();
          }
        } catch (IOException e) {
          s.close();
          // refused or timed out while the peer's NAT still drops us: try again shortly
          LockSupport.parkNanos(Math.max(0, Math.min(100_000_000L, deadline - System.nanoTime())));
        }
      }
      return Optional.ofNullable(won.get());
    } finally {
      listener.close();
    }
  }
}
