package org.rendezvous.pairing;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;
import org.rendezvous.udp.stun.MappedAddress;
import org.rendezvous.udp.stun.StunMessage;
import org.rendezvous.udp.stun.XorMappedAddress;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.rendezvous.pairing.S1Client.assertTcpPaired;
import static org.rendezvous.pairing.S1Client.hello;

/** Every S1 case on one node, over real TCP and UDP sockets on 127.0.0.1 (and ::1). */
class PairingVerticleTest {

  private static final String NOT_FOUND = "{\"protocol\":\"\",\"error\":\"Receiver with that UUID not found\"}\n";
  private static final String IN_USE = "{\"protocol\":\"\",\"error\":\"UUID already in use\"}\n";
  private static final String TIMED_OUT = "{\"protocol\":\"\",\"error\":\"Timed out waiting for an initiator\"}\n";
  private static final String WAITING = "rendezvous_pairing_waiting_initiators";

  /** Default waits; the node under most tests. */
  private static Vertx node;
  private static int port;
  /** Short hello timeout, short wait. */
  private static Vertx quick;
  private static int quickPort;
  /** Two connections at most. */
  private static Vertx limited;
  private static int limitedPort;

  @BeforeAll
  static void deploy() throws Exception {
    node = Vertx.vertx();
    port = deploy(node, new JsonObject().put("host", "127.0.0.1").put("port", 0));
    quick = Vertx.vertx();
    quickPort = deploy(quick, new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("helloTimeoutMs", 300).put("waitTimeoutMs", 400));
    limited = Vertx.vertx();
    limitedPort = deploy(limited, new JsonObject().put("host", "127.0.0.1").put("port", 0).put("maxConnections", 2));
  }

  static int deploy(Vertx vertx, JsonObject pairing) throws Exception {
    vertx.deployVerticle(new PairingVerticle(), new DeploymentOptions()
            .setConfig(new JsonObject().put("nodeId", "test-node").put("pairing", pairing)))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    int tcp = BoundPorts.of(vertx, PairingVerticle.TCP_LISTENER);
    assertEquals(tcp, BoundPorts.of(vertx, PairingVerticle.UDP_LISTENER), "TCP and UDP share one port number");
    return tcp;
  }

  @AfterAll
  static void close() throws Exception {
    for (Vertx v : new Vertx[] {node, quick, limited}) {
      if (v != null) {
        v.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Every test leaves nothing waiting behind: closed initiators release their keys. */
  @AfterEach
  void nothingLeftWaiting() throws Exception {
    awaitWaiting(node, 0);
    awaitWaiting(quick, 0);
  }

  static void awaitWaiting(Vertx vertx, long n) throws Exception {
    Poll.until(10_000, n + " initiators waiting", () -> Metrics.of(vertx).value(WAITING) == n ? true : null);
  }

  /**
   * The key is free: a tcp initiator on {@code initiatorNode} waits under it (no "in use") and a
   * receiver from 127.0.0.1 on {@code receiverPort} pairs with it.
   */
  static void keyPairsAgain(Vertx initiatorNode, int initiatorPort, int receiverPort, String uuid) throws Exception {
    try (S1Client initiator = new S1Client(initiatorPort); S1Client receiver = new S1Client(receiverPort)) {
      initiator.send(hello(uuid, "127.0.0.1", "tcp", ""));
      awaitWaiting(initiatorNode, 1);
      receiver.send(hello(uuid, "", "", ""));
      assertTcpPaired(initiator, receiver);
    }
  }

  static long counter(Vertx vertx, String name, String... labels) {
    return Metrics.of(vertx).value(name, labels);
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }

  @Test
  void tcpInitiatorAndReceiverEachLearnTheOthersTcpAddress() throws Exception {
    String k = key();
    long pairs = counter(node, "rendezvous_pairing_pairs_total");
    long timed = counter(node, "rendezvous_pairing_pair_latency_microseconds_count");
    try (S1Client initiator = new S1Client(port); S1Client receiver = new S1Client(port)) {
      initiator.send(hello(k, "127.0.0.1", "tcp", ""));
      awaitWaiting(node, 1);
      receiver.send(hello(k, "", "", "203.0.113.9:4000"));
      assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"127.0.0.1:" + initiator.localPort() + "\"}\n",
          receiver.readUntilClosed());
      assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"127.0.0.1:" + receiver.localPort() + "\"}\n",
          initiator.readUntilClosed());
    }
    assertEquals(pairs + 1, counter(node, "rendezvous_pairing_pairs_total"));
    assertEquals(timed + 1, counter(node, "rendezvous_pairing_pair_latency_microseconds_count"), "the pair's latency observed");
    assertEquals(counter(node, "rendezvous_pairing_pair_latency_microseconds_count"),
        counter(node, "rendezvous_pairing_pair_latency_microseconds_bucket", "le", "+Inf"));
  }

  @Test
  void udpInitiatorAndReceiverExchangeTheAddressesTheirProbesReturned() throws Exception {
    String k = key();
    try (UdpClient iUdp = new UdpClient(port); UdpClient rUdp = new UdpClient(port);
         S1Client initiator = new S1Client(port); S1Client receiver = new S1Client(port)) {
      String iAddr = iUdp.requestText("ping");
      String rAddr = rUdp.requestText("ping");
      assertEquals("127.0.0.1:" + iUdp.localPort(), iAddr);
      initiator.send(hello(k, "127.0.0.1", "udp", iAddr));
      awaitWaiting(node, 1);
      receiver.send(hello(k, "", "", rAddr));
      assertEquals("{\"protocol\":\"udp\",\"peer_address\":\"" + iAddr + "\"}\n", receiver.readUntilClosed());
      assertEquals("{\"protocol\":\"udp\",\"peer_address\":\"" + rAddr + "\"}\n", initiator.readUntilClosed());
    }
  }

  @Test
  void aReceiverWithNoInitiatorIsToldAtOnce() throws Exception {
    long before = counter(node, "rendezvous_pairing_errors_total", "reason", "receiver_not_found");
    try (S1Client receiver = new S1Client(port)) {
      receiver.send(hello(key(), "", "", "1.2.3.4:5"));
      assertEquals(NOT_FOUND, receiver.readUntilClosed());
    }
    assertEquals(before + 1, counter(node, "rendezvous_pairing_errors_total", "reason", "receiver_not_found"));
  }

  @Test
  void aSecondInitiatorWithTheSameKeyIsRefusedAndTheFirstStillPairs() throws Exception {
    String k = key();
    try (S1Client first = new S1Client(port); S1Client second = new S1Client(port); S1Client receiver = new S1Client(port)) {
      first.send(hello(k, "127.0.0.1", "tcp", ""));
      awaitWaiting(node, 1);
      second.send(hello(k, "127.0.0.1", "udp", "9.9.9.9:9"));
      assertEquals(IN_USE, second.readUntilClosed());
      receiver.send(hello(k, "", "", ""));
      assertTcpPaired(first, receiver);
    }
  }

  @Test
  void theReceiverIsKeyedByItsOwnIpNotByWhatItClaims() throws Exception {
    String k = key();
    try (S1Client elsewhere = new S1Client(port); S1Client local = new S1Client(port);
         S1Client receiver = new S1Client(port); S1Client receiver2 = new S1Client(port)) {
      elsewhere.send(hello(k, "192.0.2.1", "tcp", ""));
      awaitWaiting(node, 1);
      // The receiver says it is 192.0.2.1, but the server sees 127.0.0.1: no such initiator.
      receiver.send("{\"uuid\":\"" + k + "\",\"target_ip\":\"\",\"protocol\":\"tcp\",\"address\":\"192.0.2.1:1\"}");
      assertEquals(NOT_FOUND, receiver.readUntilClosed());
      // Same uuid for another target IP is another key: not "in use".
      local.send(hello(k, "127.0.0.1", "tcp", ""));
      awaitWaiting(node, 2);
      receiver2.send(hello(k, "", "", ""));
      assertTcpPaired(local, receiver2);
      awaitWaiting(node, 1);
    }
  }

  @Test
  void anInitiatorThatDisconnectsReleasesItsKey() throws Exception {
    assertLeavingFreesTheKey(S1Client::close);
  }

  /** An initiator waits, then {@code leave}s: its wait ends as abandoned and its key pairs again. */
  private void assertLeavingFreesTheKey(ClientAction leave) throws Exception {
    String k = key();
    long abandoned = counter(node, "rendezvous_pairing_abandoned_total");
    try (S1Client gone = new S1Client(port)) {
      gone.send(hello(k, "127.0.0.1", "tcp", ""));
      awaitWaiting(node, 1);
      leave.run(gone);
    }
    awaitWaiting(node, 0);
    assertEquals(abandoned + 1, counter(node, "rendezvous_pairing_abandoned_total"));
    awaitKeyReleased(node, Arrival.key(k, "127.0.0.1"));
    keyPairsAgain(node, port, port, k);
  }

  private interface ClientAction {
    void run(S1Client c) throws Exception;
  }

  @Test
  void aNodeThatStopsTellsItsWaitingInitiators() throws Exception {
    Vertx stopping = Vertx.vertx();
    try {
      int stoppingPort = deploy(stopping, new JsonObject().put("host", "127.0.0.1").put("port", 0));
      try (S1Client initiator = new S1Client(stoppingPort)) {
        initiator.send(hello(key(), "127.0.0.1", "tcp", ""));
        awaitWaiting(stopping, 1);
        stopping.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals("{\"protocol\":\"\",\"error\":\"server shutting down\"}\n", initiator.readUntilClosed());
      }
    } finally {
      stopping.close();
    }
  }

  // ---- clients that shut their sending side after the hello (printf '...' | nc) ----

  @Test
  void aReceiverThatSendsFinAfterItsHelloStillGetsItsReply() throws Exception {
    String k = key();
    try (S1Client initiator = new S1Client(port); S1Client receiver = new S1Client(port); S1Client lone = new S1Client(port)) {
      initiator.send(hello(k, "127.0.0.1", "tcp", ""));
      awaitWaiting(node, 1);
      receiver.send(hello(k, "", "", "")).finishSending();
      assertTcpPaired(initiator, receiver);
      lone.send(hello(key(), "", "", "")).finishSending();
      assertEquals(NOT_FOUND, lone.readUntilClosed());
    }
  }

  @Test
  void aHelloCutShortByFinIsInvalidJsonAndNoHelloAtAllJustCloses() throws Exception {
    long before = counter(node, "rendezvous_pairing_errors_total", "reason", "invalid_json");
    try (S1Client cut = new S1Client(port); S1Client empty = new S1Client(port); S1Client blank = new S1Client(port)) {
      cut.send("{\"uuid\":\"x\"").finishSending();
      assertEquals("{\"protocol\":\"\",\"error\":\"invalid JSON: unexpected EOF\"}\n", cut.readUntilClosed());
      empty.finishSending();
      assertEquals("", empty.readUntilClosed());
      blank.send(" \r\n\t\n").finishSending(); // whitespace begins no value: to Go's decoder, plain EOF as well
      assertEquals("", blank.readUntilClosed());
    }
    assertEquals(before + 1, counter(node, "rendezvous_pairing_errors_total", "reason", "invalid_json"));
  }

  @Test
  void anInitiatorThatSendsFinIsTakenAsGoneAndItsKeyReleased() throws Exception {
    assertLeavingFreesTheKey(c -> assertEquals("", c.finishSending().readUntilClosed(), "closed without a reply"));
  }

  static void awaitKeyReleased(Vertx vertx, String key) throws Exception {
    awaitKeyReleased(vertx, key, 10_000);
  }

  static void awaitKeyReleased(Vertx vertx, String key, long timeoutMs) throws Exception {
    Poll.until(timeoutMs, "key " + key + " released", () -> vertx.sharedData().<String, String>getAsyncMap(PairingDirectory.KEYS_MAP)
        .compose(m -> m.get(key)).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS) == null ? true : null);
  }

  @Test
  void anInitiatorTimesOutWithTheOriginalTextAndItsKeyIsReleased() throws Exception {
    String k = key();
    long timeouts = counter(quick, "rendezvous_pairing_timeouts_total");
    try (S1Client initiator = new S1Client(quickPort)) {
      initiator.send(hello(k, "127.0.0.1", "tcp", ""));
      assertEquals(TIMED_OUT, initiator.readUntilClosed());
    }
    assertEquals(timeouts + 1, counter(quick, "rendezvous_pairing_timeouts_total"));
    // Well before the reservation's TTL (wait + 5 s) could have removed it.
    awaitKeyReleased(quick, Arrival.key(k, "127.0.0.1"), PairingDirectory.TTL_MARGIN_MS / 2);
    keyPairsAgain(quick, quickPort, quickPort, k);
  }

  @Test
  void aHelloWithoutNewlineMixedCaseKeysAndUnknownKeysIsUnderstood() throws Exception {
    String k = key();
    try (S1Client initiator = new S1Client(port); S1Client receiver = new S1Client(port)) {
      initiator.send("{\"UUID\":\"" + k + "\",\"Target_IP\":\"127.0.0.1\",\"PROTOCOL\":\"tcp\",\"extra\":[1,{\"a\":null}]}");
      awaitWaiting(node, 1);
      receiver.send("{\"Uuid\":\"" + k + "\"}");
      assertTcpPaired(initiator, receiver);
    }
  }

  @Test
  void anEmptyUuidClosesTheConnectionWithoutAReply() throws Exception {
    long before = counter(node, "rendezvous_pairing_errors_total", "reason", "empty_uuid");
    try (S1Client c = new S1Client(port)) {
      c.send(hello("", "127.0.0.1", "tcp", ""));
      assertEquals("", c.readUntilClosed());
    }
    try (S1Client c = new S1Client(port)) {
      c.send("null");
      assertEquals("", c.readUntilClosed());
    }
    assertEquals(before + 2, counter(node, "rendezvous_pairing_errors_total", "reason", "empty_uuid"));
  }

  // ---- bad input: an error naming the problem, then the connection is closed ----

  private static void assertRefused(Vertx vertx, int port, byte[] input, String reply, String reason) throws Exception {
    long before = counter(vertx, "rendezvous_pairing_errors_total", "reason", reason);
    try (S1Client c = new S1Client(port)) {
      c.send(input);
      assertEquals(reply, c.readUntilClosed());
    }
    assertEquals(before + 1, counter(vertx, "rendezvous_pairing_errors_total", "reason", reason));
  }

  @Test
  void invalidJsonIsNamed() throws Exception {
    assertRefused(node, port, "{\"uuid\": nope}\n".getBytes(StandardCharsets.UTF_8),
        "{\"protocol\":\"\",\"error\":\"invalid JSON: invalid character 'o' in literal null (expecting 'u') at offset 10\"}\n",
        "invalid_json");
    assertRefused(node, port, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.UTF_8),
        "{\"protocol\":\"\",\"error\":\"invalid JSON: invalid character 'G' looking for beginning of value at offset 0\"}\n",
        "invalid_json");
  }

  @Test
  void wrongTypesAreNamed() throws Exception {
    assertRefused(node, port, "{\"uuid\":42,\"target_ip\":\"\"}".getBytes(StandardCharsets.UTF_8),
        "{\"protocol\":\"\",\"error\":\"invalid hello: \\\"uuid\\\" must be a string, got number\"}\n", "wrong_type");
    assertRefused(node, port, "[\"uuid\"]".getBytes(StandardCharsets.UTF_8),
        "{\"protocol\":\"\",\"error\":\"invalid hello: expected a JSON object, got array\"}\n", "wrong_type");
  }

  @Test
  void anOversizeHelloIsRefused() throws Exception {
    byte[] big = ("{\"uuid\":\"" + "a".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8);
    assertRefused(node, port, big, "{\"protocol\":\"\",\"error\":\"hello larger than 4096 bytes\"}\n", "oversize");
  }

  @Test
  void aHelloOfExactlyTheLimitIsAccepted() throws Exception {
    String head = "{\"uuid\":\"";
    String tail = "\"}";
    String uuid = "u".repeat(4096 - head.length() - tail.length());
    try (S1Client c = new S1Client(port)) {
      c.send(head + uuid + tail);
      assertEquals(NOT_FOUND, c.readUntilClosed());
    }
  }

  @Test
  void anIdleConnectionIsToldAndClosed() throws Exception {
    assertRefused(quick, quickPort, new byte[0], "{\"protocol\":\"\",\"error\":\"no hello within 300 ms\"}\n", "hello_timeout");
    assertRefused(quick, quickPort, "{\"uuid\":\"half".getBytes(StandardCharsets.UTF_8),
        "{\"protocol\":\"\",\"error\":\"no hello within 300 ms\"}\n", "hello_timeout");
  }

  @Test
  void connectionsBeyondTheLimitAreRefused() throws Exception {
    try (S1Client a = new S1Client(limitedPort); S1Client b = new S1Client(limitedPort)) {
      Poll.until(5_000, "2 connections open", () -> counter(limited, "rendezvous_pairing_connections") == 2 ? true : null);
      assertRefused(limited, limitedPort, new byte[0], "{\"protocol\":\"\",\"error\":\"too many connections\"}\n",
          "too_many_connections");
    }
    // Below the limit again once they close.
    Poll.until(5_000, "connections closed", () -> counter(limited, "rendezvous_pairing_connections") == 0 ? true : null);
    try (S1Client c = new S1Client(limitedPort)) {
      c.send(hello(key(), "", "", ""));
      assertEquals(NOT_FOUND, c.readUntilClosed());
    }
  }

  // ---- UDP on the same port number ----

  @Test
  void anyDatagramGetsTheSendersExactAddressWithoutNewline() throws Exception {
    try (UdpClient c = new UdpClient(port)) {
      assertArrayEquals(("127.0.0.1:" + c.localPort()).getBytes(StandardCharsets.US_ASCII), c.request("ping".getBytes(StandardCharsets.UTF_8)));
      assertArrayEquals(("127.0.0.1:" + c.localPort()).getBytes(StandardCharsets.US_ASCII), c.request(new byte[0]));
    }
  }

  @Test
  void aStunBindingRequestOnThePairingPortGetsAStunResponse() throws Exception {
    byte[] id = new byte[12];
    new Random(7).nextBytes(id);
    byte[] request = new StunMessage(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), id).encode();
    long before = counter(node, "rendezvous_stun_responses_total", "port", "7700", "kind", "success");
    try (UdpClient c = new UdpClient(port)) {
      byte[] reply = c.request(request);
      StunMessage m = StunMessage.decode(reply, 0, reply.length);
      assertNotNull(m, "a STUN message");
      assertEquals(StunMessage.CLASS_SUCCESS, m.messageClass());
      assertArrayEquals(id, m.transactionId());
      XorMappedAddress xor = XorMappedAddress.readFrom(m);
      assertEquals(InetAddress.getLoopbackAddress(), xor.address());
      assertEquals(c.localPort(), xor.port());
      assertEquals(c.localPort(), MappedAddress.readFrom(m).port());
    }
    assertEquals(before + 1, counter(node, "rendezvous_stun_responses_total", "port", "7700", "kind", "success"));
  }

  @Test
  void aStunRequestLongerThanTheReadGetsNoEchoAndIsCounted() throws Exception {
    StunMessage big = new StunMessage(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), new byte[12]);
    big.add(0x0026, new byte[3_000]); // PADDING: a 3,024-byte request, cut by the 2,048-byte read
    long before = counter(node, "rendezvous_stun_dropped_total", "port", "7700", "reason", "oversize");
    try (UdpClient c = new UdpClient(port)) {
      c.send(big.encode());
      // In order on loopback: had the long request been echoed, the echo would come before this reply.
      byte[] id = new byte[12];
      new Random(8).nextBytes(id);
      byte[] reply = c.request(new StunMessage(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), id).encode());
      StunMessage m = StunMessage.decode(reply, 0, reply.length);
      assertNotNull(m, "the first reply is the next request's STUN response, not an echo of the long one");
      assertArrayEquals(id, m.transactionId());
      byte[] longText = new byte[3_000];
      Arrays.fill(longText, (byte) 'x');
      assertArrayEquals(("127.0.0.1:" + c.localPort()).getBytes(StandardCharsets.US_ASCII), c.request(longText), "long text is still echoed");
    }
    assertEquals(before + 1, counter(node, "rendezvous_stun_dropped_total", "port", "7700", "reason", "oversize"));
  }

  @Test
  void overIpv6AddressesAreBracketedAndTargetIpMatchesInAnyLiteralForm() throws Exception {
    Vertx v6 = Vertx.vertx();
    try {
      int p = deploy(v6, new JsonObject().put("host", "::1").put("port", 0));
      InetAddress loopback6 = InetAddress.getByName("::1");
      String k = key();
      try (S1Client initiator = new S1Client(loopback6, p); S1Client receiver = new S1Client(loopback6, p)) {
        initiator.send(hello(k, "0:0:0:0:0:0:0:1", "tcp", ""));
        awaitWaiting(v6, 1);
        receiver.send(hello(k, "", "", ""));
        assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"[::1]:" + initiator.localPort() + "\"}\n", receiver.readUntilClosed());
        assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"[::1]:" + receiver.localPort() + "\"}\n", initiator.readUntilClosed());
      }
      try (java.net.DatagramSocket udp = new java.net.DatagramSocket(new java.net.InetSocketAddress(loopback6, 0))) {
        udp.setSoTimeout(5_000);
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        udp.send(new java.net.DatagramPacket(ping, ping.length, loopback6, p));
        java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[100], 100);
        udp.receive(reply);
        assertEquals("[::1]:" + udp.getLocalPort(), new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII));
      }
    } finally {
      v6.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
