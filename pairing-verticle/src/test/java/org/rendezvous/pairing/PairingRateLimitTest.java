package org.rendezvous.pairing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.Metrics;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.rendezvous.pairing.S1Client.hello;

/**
 * The per-source budget of the pairing port (SPEC §5): TCP connections and UDP datagrams from one
 * address beyond it are refused (an error reply) or dropped, counted, while other addresses are served.
 * Linux routes all of 127.0.0.0/8 to the loopback interface, so each test source binds its own address.
 */
class PairingRateLimitTest {

  private static final String NOT_FOUND = "{\"protocol\":\"\",\"error\":\"Receiver with that UUID not found\"}\n";
  private static final String LIMITED = "{\"protocol\":\"\",\"error\":\"too many connections from this address\"}\n";
  private static final int BURST = 3;

  private static Vertx vertx;
  private static int port;

  @BeforeAll
  static void deploy() throws Exception {
    vertx = Vertx.vertx();
    // One request a second sustained: the test's requests all fall within one budget refill or two.
    port = PairingVerticleTest.deploy(vertx, new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("rateLimitPerSecond", 1).put("rateLimitBurst", BURST));
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void connectionsBeyondASourcesBudgetAreRefusedWithAnErrorWhileOthersAreServed() throws Exception {
    long before = Metrics.of(vertx).value("rendezvous_pairing_errors_total", "reason", "rate_limited");
    for (int i = 0; i < BURST; i++) {
      assertEquals(NOT_FOUND, receiverFrom("127.0.0.2"), "within the burst: served");
    }
    assertEquals(LIMITED, receiverFrom("127.0.0.2"), "over the budget: refused");
    assertEquals(NOT_FOUND, receiverFrom("127.0.0.3"), "another address keeps its own budget");
    assertEquals(before + 1, Metrics.of(vertx).value("rendezvous_pairing_errors_total", "reason", "rate_limited"));
  }

  @Test
  void datagramsBeyondASourcesBudgetAreDroppedAndCounted() throws Exception {
    long before = Metrics.of(vertx).value("rendezvous_pairing_udp_dropped_total", "reason", "rate_limited");
    try (DatagramSocket flood = udpFrom("127.0.0.4"); DatagramSocket other = udpFrom("127.0.0.5")) {
      for (int i = 0; i < BURST; i++) {
        assertEquals("127.0.0.4:" + flood.getLocalPort(), echo(flood));
      }
      assertThrows(SocketTimeoutException.class, () -> echo(flood), "over the budget: no echo");
      assertEquals("127.0.0.5:" + other.getLocalPort(), echo(other));
    }
    assertEquals(before + 1, Metrics.of(vertx).value("rendezvous_pairing_udp_dropped_total", "reason", "rate_limited"));
  }

  /** A receiver hello for a key nobody waits under, from a socket bound to {@code localIp}; the reply. */
  private static String receiverFrom(String localIp) throws IOException {
    try (S1Client c = new S1Client(InetAddress.getByName(localIp), InetAddress.getLoopbackAddress(), port)) {
      return c.send(hello(UUID.randomUUID().toString(), "", "", "")).readUntilClosed();
    }
  }

  private static DatagramSocket udpFrom(String localIp) throws IOException {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(localIp), 0));
    s.setSoTimeout(1_000);
    return s;
  }

  private static String echo(DatagramSocket s) throws IOException {
    byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
    s.send(new DatagramPacket(ping, ping.length, InetAddress.getLoopbackAddress(), port));
    DatagramPacket reply = new DatagramPacket(new byte[256], 256);
    s.receive(reply);
    return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
  }
}
