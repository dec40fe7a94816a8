package org.rendezvous.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports free now, for a test to hand to a server it starts. They are drawn from below the kernel's
 * ephemeral range: a port from that range (what binding port 0 gives) can be taken by any outgoing connection on
 * the machine between the check and the server's bind, and a node process starting a few seconds later then
 * fails with "Address already in use".
 */
public final class FreePorts {

  private static final int ATTEMPTS = 200;
  /** The range drawn from: below the ephemeral range's first port, {@link #SPAN} wide. */
  private static final int SPAN = 12_000;
  private static final int HIGH = ephemeralLow();
  private static final int LOW = Math.max(10_000, HIGH - SPAN);
  /**
   * Every port handed out in this JVM: a port is only checked free, not held, so two servers a test starts together
   * (a node process's listeners, two members) could otherwise be given the same one before either has bound it.
   */
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private FreePorts() {
  }

  /** A port free for TCP on 127.0.0.1. */
  public static int tcp() throws IOException {
    return find(true, false);
  }

  /** A port free for UDP on 127.0.0.1. */
  public static int udp() throws IOException {
    return find(false, true);
  }

  /** A port free for both TCP and UDP on 127.0.0.1 (S1 uses one number for both). */
  public static int tcpAndUdp() throws IOException {
    return find(true, true);
  }

  private static int find(boolean tcp, boolean udp) throws IOException {
    if (HIGH - LOW < 1_000) {
      return fromTheKernel(tcp, udp); // an unusual ephemeral range: no room below it
    }
    for (int i = 0; i < ATTEMPTS; i++) {
      int p = ThreadLocalRandom.current().nextInt(LOW, HIGH);
      if (take(p, tcp, udp)) {
        return p;
      }
    }
    throw new IOException("no free port in " + LOW + ".." + HIGH + " after " + ATTEMPTS + " tries");
  }

  private static int fromTheKernel(boolean tcp, boolean udp) throws IOException {
    for (int i = 0; i < ATTEMPTS; i++) {
      int p;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        p = s.getLocalPort();
      }
      if (take(p, tcp, udp)) {
        return p;
      }
    }
    throw new IOException("no free port after " + ATTEMPTS + " tries");
  }

  /** Whether {@code port} is free now for what is asked and was never handed out before; if so it is handed out. */
  private static boolean take(int port, boolean tcp, boolean udp) {
    return (!tcp || tcpFree(port)) && (!udp || udpFree(port)) && GIVEN.add(port);
  }

  private static boolean tcpFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  private static boolean udpFree(int port) {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  /**
   * The first port of the kernel's ephemeral range (Linux), or Linux's default when it cannot be read. Read line
   * by line: a /proc file reports a size of 0, and Files.readString then returned its first byte only ("3"),
   * which put every port this class handed out inside the ephemeral range.
   */
  static int ephemeralLow() {
    try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      return Integer.parseInt(r.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
