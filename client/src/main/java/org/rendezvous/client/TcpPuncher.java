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
    Thread accepting = null;
    try (ServerSocket listener = new ServerSocket()) {
      reusable(listener);
      listener.bind(new InetSocketAddress(localPort));
      accepting = new Thread(() -> acceptUntil(listener, won, deadline), "tcp-punch-accept");
      accepting.setDaemon(true);
      accepting.start();
      while (won.get() == null && System.nanoTime() < deadline) {
        Socket s = new Socket();
        try {
          reusable(s);
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
    } finally {
      if (accepting != null) {
        // the listener is closed: the accept thread ends at once; a connection it took meanwhile is returned, not lost
        try {
          accepting.join(1_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    return Optional.ofNullable(won.get());
  }

  private static void acceptUntil(ServerSocket listener, AtomicReference<Socket> won, long deadline) {
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
  }

  /** SO_REUSEADDR, and SO_REUSEPORT where the platform has it (not on Windows): dialer and listener share one port. */
  static void reusable(java.net.Socket s) throws IOException {
    s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    if (s.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
      s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
    }
  }

  private static void reusable(ServerSocket s) throws IOException {
    s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    if (s.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
      s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
    }
  }
}
