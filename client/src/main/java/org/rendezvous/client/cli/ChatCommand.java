package org.rendezvous.client.cli;

import org.rendezvous.client.ChatPeer;
import org.rendezvous.client.NatProbe;
import org.rendezvous.client.PairingClient;
import org.rendezvous.client.PeerRegistryClient;
import org.rendezvous.client.StunClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code rendezvous chat}: the x20chat peer-to-peer chat. Registers over S2 with the UDP port its
 * NAT maps (learnt by STUN from the chat socket itself), punches, then sends stdin lines and
 * prints what the peer says. Either side may be the original Python client.
 */
@Command(name = "chat", description = "x20chat-compatible P2P chat over a punched UDP path.")
final class ChatCommand implements Callable<Integer> {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Option(names = "--server", required = true, description = "the S2 registry: a URL like http://203.0.113.1:8000, or host[:port] (port 8000 by default)")
  String server;

  @Option(names = "--username", required = true)
  String username;

  @Option(names = "--connect", paramLabel = "PEER_ID", description = "connect to this peer (else wait for one)")
  String connect;

  @Option(names = "--peer-id", description = "this peer's id (default: a random UUID)")
  String peerId = UUID.randomUUID().toString();

  @Option(names = "--stun-port", defaultValue = "3478", description = "the server's STUN port (default: ${DEFAULT-VALUE})")
  int stunPort;

  @Option(names = "--second-stun-port", defaultValue = "7700",
      description = "a second STUN port of the server, to recognise a symmetric NAT early (default: ${DEFAULT-VALUE}; 0 = skip)")
  int secondStunPort;

  @Option(names = "--timeout", defaultValue = "30s", description = "how long to try for a direct path (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--linger", defaultValue = "5s",
      description = "after stdin ends, keep receiving this long before disconnecting (default: ${DEFAULT-VALUE})")
  Duration linger;

  @Override
  public Integer call() throws Exception {
    long started = System.nanoTime();
    String url = Endpoints.http(server, 8000);
    PeerRegistryClient registry = new PeerRegistryClient(url);
    InetAddress serverIp = InetAddress.getByName(Endpoints.hostOf(url));
    try (DatagramSocket socket = new DatagramSocket()) {
      int port = socket.getLocalPort();
      InetSocketAddress stun = new InetSocketAddress(serverIp, stunPort);
      try {
        InetSocketAddress mapped = StunClient.mappedAddress(socket, stun, Duration.ofSeconds(3));
        port = mapped.getPort();
        System.err.println("public UDP address (STUN): " + PairingClient.addressText(new InetSocketAddress(mapped.getAddress(), port)));
        if (secondStunPort > 0) {
          Optional<NatProbe.Result> probe = NatProbe.probe(socket, stun, new InetSocketAddress(serverIp, secondStunPort),
              Duration.ofSeconds(2));
          if (probe.isPresent() && probe.get().symmetric()) {
            System.out.println("no direct path: " + NatProbe.explain(probe.get()));
            return RendezvousCli.NO_DIRECT_PATH;
          }
        }
      } catch (java.net.SocketTimeoutException e) {
        System.err.println("no STUN answer (" + e.getMessage() + "); registering the local port " + port);
      }
      String publicIp = registry.register(peerId, username, port);
      System.err.println("registered as " + peerId + " (" + username + ") from " + publicIp + ", UDP port " + port);
      try {
        return chatRegistered(registry, new ChatPeer(socket, peerId), started);
      } finally {
        // peers never expire by default: one left registered would stay listed as online for good
        try {
          registry.unregister(peerId);
        } catch (IOException e) {
          System.err.println("could not unregister " + peerId + ": " + Endpoints.describe(e));
        }
      }
    }
  }

  /** Connects to the peer (or waits for one) and chats; the registration is this caller's to remove. */
  private int chatRegistered(PeerRegistryClient registry, ChatPeer chat, long started) throws Exception {
    Optional<InetSocketAddress> partner;
    if (connect != null) {
      Optional<PeerRegistryClient.Peer> peer = registry.peer(connect);
      if (peer.isEmpty()) {
        System.out.println("no such peer online: " + connect);
        return RendezvousCli.ERROR;
      }
      InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(peer.get().ip()), (int) peer.get().port());
      System.err.println("punching to " + peer.get().username() + " at " + PairingClient.addressText(target) + " ...");
      partner = chat.connect(() -> List.of(target), username, timeout);
    } else {
      System.err.println("waiting for a peer to connect (punching towards every registered peer) ...");
      partner = chat.connect(() -> others(registry), username, timeout);
    }
    if (partner.isEmpty()) {
      System.out.println("no direct path: nothing came back from " + (connect != null ? "the peer" : "any peer") + " within "
          + timeout.toSeconds() + " s; " + (connect != null
          ? "its NAT (or ours) does not let this path open (a symmetric NAT on either side prevents hole punching)"
          : "no peer connected, or its NAT (or ours) does not let the path open"));
      return RendezvousCli.NO_DIRECT_PATH;
    }
    System.out.println("connected directly to " + PairingClient.addressText(partner.get())
        + " after " + (System.nanoTime() - started) / 1_000_000 + " ms");
    converse(chat);
    return RendezvousCli.OK;
  }

  /** Everyone else registered: the waiting side punches towards them all so the connector gets in. */
  private List<InetSocketAddress> others(PeerRegistryClient registry) {
    List<InetSocketAddress> out = new ArrayList<>();
    try {
      for (PeerRegistryClient.Peer p : registry.peers()) {
        if (!p.peerId().equals(peerId)) {
          out.add(new InetSocketAddress(InetAddress.getByName(p.ip()), (int) p.port()));
        }
      }
    } catch (IOException e) {
      System.err.println("peer list unavailable: " + e.getMessage());
    }
    return out;
  }

  /** Sends stdin lines as messages, prints the peer's; ends on /quit, the peer's disconnect, or stdin end + linger. */
  private void converse(ChatPeer chat) throws Exception {
    AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE); // set by the input thread, read by this loop
    Thread input = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.equals("/quit")) {
            break;
          }
          chat.send("message", line);
        }
      } catch (IOException e) {
        System.err.println("input: " + e.getMessage());
      }
      stopAt.set(System.nanoTime() + linger.toNanos());
    }, "chat-input");
    input.setDaemon(true);
    input.start();
    long nextHeartbeat = System.nanoTime() + ChatPeer.HEARTBEAT_INTERVAL.toNanos();
    while (System.nanoTime() < stopAt.get()) {
      Optional<ChatPeer.Message> m = chat.receive(Duration.ofMillis(200));
      if (m.isPresent()) {
        ChatPeer.Message msg = m.get();
        if (msg.type().equals("disconnect")) {
          System.out.println("peer disconnected");
          return;
        }
        if (msg.type().equals("message")) {
          String from = msg.from().length() > 8 ? msg.from().substring(0, 8) + "..." : msg.from();
          System.out.println("[" + from + "]: " + msg.body());
        }
      }
      if (System.nanoTime() >= nextHeartbeat) {
        chat.heartbeat();
        nextHeartbeat = System.nanoTime() + ChatPeer.HEARTBEAT_INTERVAL.toNanos();
      }
    }
    chat.send("disconnect", "");
  }
}
