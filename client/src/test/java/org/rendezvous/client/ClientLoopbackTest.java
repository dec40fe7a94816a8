package org.rendezvous.client;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.node.RendezvousNode;
import org.rendezvous.testkit.Poll;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UDP and REST SDK clients against a real node on loopback (the S3 client: CallSignalingClientTest). */
class ClientLoopbackTest {

  @TempDir
  static Path dir;

  private static RendezvousNode node;
  private static InetSocketAddress udp;
  private static String http;

  @BeforeAll
  static void start() throws Exception {
    node = LoopbackNode.start(dir, new JsonObject());
    udp = new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port("udp"));
    http = "http://127.0.0.1:" + node.port("s2-http");
  }

  @AfterAll
  static void stop() throws Exception {
    LoopbackNode.stop(node);
  }

  @Test
  void stunClientLearnsTheSocketsOwnAddress() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      InetSocketAddress mapped = StunClient.mappedAddress(s, udp, Duration.ofSeconds(3));
      assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort()), mapped);
    }
  }

  @Test
  void stunClientTimesOutWhenNobodyAnswers() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
         DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      InetSocketAddress nowhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort());
      long t0 = System.nanoTime();
      try {
        StunClient.mappedAddress(s, nowhere, Duration.ofMillis(600));
        throw new AssertionError("expected a timeout");
      } catch (java.net.SocketTimeoutException expected) {
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "gave up within its timeout");
      }
    }
  }

  @Test
  void stunLiteHeartbeatThenListShowsTheUser() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      StunLiteClient lite = new StunLiteClient(s, udp);
      String name = "sdk-" + UUID.randomUUID().toString().substring(0, 8);
      lite.heartbeat(name);
      StunLiteClient.Entry e = Poll.until(5_000, name + " listed", () -> lite.list(Duration.ofSeconds(2)).stream()
          .filter(x -> x.username().equals(name)).findFirst().orElse(null));
      assertEquals("127.0.0.1", e.ip());
      assertEquals(s.getLocalPort(), e.port());
    }
  }

  @Test
  void lobbyClientsHostJoinAndStartSkippingDatagramsFromAnyoneButTheServer() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    InetSocketAddress lobby = new InetSocketAddress(loopback, node.port("lobby"));
    try (DatagramSocket h = new DatagramSocket(0, loopback);
         DatagramSocket j = new DatagramSocket(0, loopback);
         DatagramSocket stranger = new DatagramSocket(0, loopback)) {
      LobbyClient host = new LobbyClient(h, lobby);
      LobbyClient joiner = new LobbyClient(j, lobby);
      String session = "t" + UUID.randomUUID().toString().substring(0, 8);
      host.send("h:" + session + ":ann:2");
      assertEquals(Optional.of("i:ann"), host.receive(Duration.ofSeconds(5)));
      byte[] fake = "i:fake".getBytes(StandardCharsets.UTF_8);
      stranger.send(new DatagramPacket(fake, fake.length, new InetSocketAddress(loopback, h.getLocalPort())));
      joiner.send("c:" + session + ":ben");
      assertEquals(Optional.of("i:ann:ben"), joiner.receive(Duration.ofSeconds(5)));
      assertEquals(Optional.of("i:ann:ben"), host.receive(Duration.ofSeconds(5)), "the stranger's datagram is skipped");
      host.send("s:" + session + ":ann");
      LobbyClient.Start start = LobbyClient.start(host.receive(Duration.ofSeconds(5)).orElseThrow()).orElseThrow();
      assertEquals(h.getLocalPort(), start.ownPort());
      assertEquals(List.of(new LobbyClient.Player("ben", new InetSocketAddress(loopback, j.getLocalPort()))), start.others());
      assertEquals(Optional.empty(), new LobbyClient(stranger, lobby).receive(Duration.ofMillis(200)), "nothing for a silent socket");
    }
  }

  @Test
  void peerRegistryClientRoundTrip() throws Exception {
    PeerRegistryClient c = new PeerRegistryClient(http);
    String id = UUID.randomUUID().toString();
    assertEquals("127.0.0.1", c.register(id, "sdk user", 40_123));
    PeerRegistryClient.Peer p = c.peer(id).orElseThrow();
    assertEquals(new PeerRegistryClient.Peer(id, "sdk user", "127.0.0.1", 40_123), p);
    assertTrue(c.peers().contains(p));
    c.unregister(id);
    assertEquals(Optional.empty(), c.peer(id));
  }

  @Test
  void twoChatPeersPunchAndExchangeMessagesOnLoopback() throws Exception {
    PeerRegistryClient registry = new PeerRegistryClient(http);
    try (DatagramSocket a = new DatagramSocket(0, InetAddress.getLoopbackAddress());
         DatagramSocket b = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      registry.register("chat-a", "ann", StunClient.mappedAddress(a, udp, Duration.ofSeconds(3)).getPort());
      registry.register("chat-b", "ben", StunClient.mappedAddress(b, udp, Duration.ofSeconds(3)).getPort());
      ChatPeer ann = new ChatPeer(a, "chat-a");
      ChatPeer ben = new ChatPeer(b, "chat-b");
      PeerRegistryClient.Peer annEntry = registry.peer("chat-a").orElseThrow();
      InetSocketAddress annAddr = new InetSocketAddress(InetAddress.getByName(annEntry.ip()), (int) annEntry.port());
      CompletableFuture<Optional<InetSocketAddress>> waiting = CompletableFuture.supplyAsync(() -> {
        try {
          return ann.connect(List::of, "ann", Duration.ofSeconds(10));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      assertEquals(Optional.of(annAddr), ben.connect(() -> List.of(annAddr), "ben", Duration.ofSeconds(10)));
      assertEquals(b.getLocalPort(), waiting.get(15, TimeUnit.SECONDS).orElseThrow().getPort());
      assertEquals(new ChatPeer.Message("hello", "chat-b", "ben"), ann.receive(Duration.ofSeconds(5)).orElseThrow());
      ben.send("message", "hi ann");
      assertEquals(new ChatPeer.Message("message", "chat-b", "hi ann"), ann.receive(Duration.ofSeconds(5)).orElseThrow());
    }
  }
}
