package org.rendezvous.client.cli;

import org.rendezvous.client.PairingClient;
import org.rendezvous.client.StunClient;
import org.rendezvous.client.TcpPuncher;
import org.rendezvous.client.UdpPuncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code rendezvous pair SERVER UUID [--initiator TARGET_IP] [--tcp]}: stunturn-compatible S1
 * pairing, then UDP ({@code ping} every 100 ms) or TCP (simultaneous open) punching, then a line
 * chat over the direct path.
 */
@Command(name = "pair", description = "Pair with a peer by a shared UUID (S1), punch UDP or TCP, then chat line by line.")
final class PairCommand implements Callable<Integer> {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Spec
  CommandSpec spec;

  private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

  @Parameters(index = "0", paramLabel = "SERVER", description = "host or host:port (default port 7700)")
  String server;

  @Parameters(index = "1", paramLabel = "UUID", description = "the key both peers share")
  String uuid;

  @Option(names = "--initiator", paramLabel = "TARGET_IP",
      description = "be the initiator and wait for the receiver whose public IP is TARGET_IP")
  String targetIp;

  @Option(names = "--tcp", description = "punch TCP (simultaneous open) instead of UDP")
  boolean tcp;

  @Option(names = "--stun-port", defaultValue = "3478",
      description = "the server's STUN port, to recognise a symmetric NAT early (default: ${DEFAULT-VALUE}; 0 = skip)")
  int stunPort;

  @Option(names = "--timeout", defaultValue = "15s", description = "how long to punch (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--wait", defaultValue = "35s", description = "how long to wait for the server's pairing reply (default: ${DEFAULT-VALUE})")
  Duration wait;

  @Option(names = "--linger", defaultValue = "5s", description = "after stdin ends, keep receiving this long (default: ${DEFAULT-VALUE})")
  Duration linger;

  @Option(names = "--peer-silence", defaultValue = "45s",
      description = "over UDP, the peer is taken as gone after this long without a datagram from it; a ping goes every"
          + " third of it, keeping the NATs' mappings open (default: ${DEFAULT-VALUE})")
  Duration peerSilence;

  /** Where the lines to send come from (tests give their own). */
  InputStream input = System.in;

  @Override
  public Integer call() throws Exception {
    if (uuid.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "the UUID must not be empty (the server closes on an empty one)");
    }
    if (targetIp != null && !Endpoints.isIpv4Literal(targetIp) && !Endpoints.isIpv6Literal(targetIp)) {
      // The server keys the wait by this text and the receiver's IP as it sees it: anything else waits in vain.
      throw new CommandLine.ParameterException(spec.commandLine(), "--initiator takes the receiver's public IP address"
          + " (like 203.0.113.7 or 2001:db8::7), not '" + targetIp + "'");
    }
    long started = System.nanoTime();
    InetSocketAddress signal = Endpoints.udp(server, 7700);
    String role = targetIp == null ? "receiver" : "initiator";
    return tcp ? tcp(signal, role, started) : udp(signal, role, started);
  }

  private int udp(InetSocketAddress signal, String role, long started) throws Exception {
    try (DatagramSocket socket = new DatagramSocket()) {
      String address = PairingClient.udpAddress(socket, signal, Duration.ofSeconds(5));
      System.err.println("public UDP address (pairing probe): " + address);
      if (stunPort > 0) {
        InetSocketAddress viaStun;
        try {
          viaStun = StunClient.mappedAddress(socket, new InetSocketAddress(signal.getAddress(), stunPort), Duration.ofSeconds(3));
        } catch (java.net.SocketTimeoutException e) {
          // only an early warning: a pairing server without STUN beside it still pairs
          System.err.println("no STUN answer on port " + stunPort + "; pairing without the symmetric-NAT check");
          viaStun = null;
        }
        if (viaStun != null && !PairingClient.parseAddress(address).equals(viaStun)) {
          System.out.println("no direct path: your NAT maps this socket to " + address + " towards one server port and to "
              + PairingClient.addressText(viaStun) + " towards another: it gives every destination a new public port (symmetric NAT), so the"
              + " peer cannot learn the port that reaches you");
          return RendezvousCli.NO_DIRECT_PATH;
        }
      }
      System.err.println("pairing as " + role + " ...");
      PairingClient.Reply reply = PairingClient.hello(signal, 0, uuid, targetIp == null ? "" : targetIp, "udp", address, wait);
      if (!reply.ok()) {
        System.out.println("pairing failed: " + (reply.error().isEmpty() ? "no peer address" : reply.error()));
        return RendezvousCli.ERROR;
      }
      InetSocketAddress peer = PairingClient.parseAddress(reply.peerAddress());
      System.err.println("peer at " + PairingClient.addressText(peer) + "; punching UDP ...");
      Optional<UdpPuncher.Received> first = UdpPuncher.punch(socket, peer, PING, Duration.ofMillis(100), timeout, r -> true);
      if (first.isEmpty()) {
        System.out.println("no direct path: no datagram from " + PairingClient.addressText(peer) + " within " + timeout.toSeconds()
            + " s; a NAT on the way drops it (a symmetric NAT on either side prevents hole punching)");
        return RendezvousCli.NO_DIRECT_PATH;
      }
      InetSocketAddress from = first.get().from();
      // Our earliest pings may have died at the peer's NAT: a few more let the peer finish too.
      for (int i = 0; i < 5; i++) {
        socket.send(new DatagramPacket(PING, PING.length, from));
      }
      System.out.println("connected directly to " + PairingClient.addressText(from)
          + " (udp) after " + (System.nanoTime() - started) / 1_000_000 + " ms");
      long keepalive = Math.max(1, peerSilence.toNanos() / 3);
      AtomicLong lastHeard = new AtomicLong(System.nanoTime());
      AtomicLong lastSent = new AtomicLong(System.nanoTime());
      LineChat.run(new LineChat.Path() {
        @Override
        public void sendLine(String line) throws IOException {
          byte[] b = line.getBytes(StandardCharsets.UTF_8);
          socket.send(new DatagramPacket(b, b.length, from));
          lastSent.set(System.nanoTime());
        }

        /** A line, null for none; pings keep the NATs' mappings open both ways and tell each side the other is there. */
        @Override
        public String receiveLine(int timeoutMs) throws IOException {
          long now = System.nanoTime();
          if (now - lastHeard.get() > peerSilence.toNanos()) {
            throw new java.io.EOFException("nothing heard for " + peerSilence.toSeconds() + " s");
          }
          if (now - lastSent.get() > keepalive) {
            socket.send(new DatagramPacket(PING, PING.length, from));
            lastSent.set(now);
          }
          socket.setSoTimeout(timeoutMs);
          byte[] buf = new byte[65_536];
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          try {
            socket.receive(p);
          } catch (SocketTimeoutException e) {
            return null;
          }
          if (!p.getSocketAddress().equals(from)) {
            return null;
          }
          lastHeard.set(System.nanoTime());
          String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          return text.equals("ping") ? null : text;
        }
      }, linger, input);
      return RendezvousCli.OK;
    }
  }

  private int tcp(InetSocketAddress signal, String role, long started) throws Exception {
    int localPort = PairingClient.pickLocalPort();
    System.err.println("pairing as " + role + " from local TCP port " + localPort + " ...");
    PairingClient.Reply reply = PairingClient.hello(signal, localPort, uuid, targetIp == null ? "" : targetIp, "tcp", "", wait);
    if (!reply.ok()) {
      System.out.println("pairing failed: " + (reply.error().isEmpty() ? "no peer address" : reply.error()));
      return RendezvousCli.ERROR;
    }
    InetSocketAddress peer = PairingClient.parseAddress(reply.peerAddress());
    System.err.println("peer at " + PairingClient.addressText(peer) + "; punching TCP (simultaneous open) ...");
    Optional<Socket> conn = TcpPuncher.punch(localPort, peer, timeout);
    if (conn.isEmpty()) {
      System.out.println("no direct path: no TCP connection to or from " + PairingClient.addressText(peer) + " within " + timeout.toSeconds()
          + " s; a NAT on the way drops it (a symmetric NAT on either side prevents hole punching)");
      return RendezvousCli.NO_DIRECT_PATH;
    }
    try (Socket s = conn.get()) {
      InetSocketAddress remote = (InetSocketAddress) s.getRemoteSocketAddress();
      System.out.println("connected directly to " + PairingClient.addressText(remote)
          + " (tcp) after " + (System.nanoTime() - started) / 1_000_000 + " ms");
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      LineChat.run(new LineChat.Path() {
        @Override
        public void sendLine(String line) throws IOException {
          s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
        }

        @Override
        public String receiveLine(int timeoutMs) throws IOException {
          s.setSoTimeout(timeoutMs);
          String line;
          try {
            line = in.readLine();
          } catch (SocketTimeoutException e) {
            return null;
          }
          if (line == null) {
            throw new java.io.EOFException("the peer closed the connection");
          }
          return line;
        }
      }, linger, input);
      return RendezvousCli.OK;
    }
  }
}
