package org.rendezvous.udp;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Metrics;
import org.rendezvous.common.SourceRateLimiter;
import org.rendezvous.registry.RegistryClient;
import org.rendezvous.registry.RegistryVerticle;
import org.rendezvous.testkit.Poll;
import org.rendezvous.udp.stun.StunMessage;
import org.rendezvous.udp.stun.XorMappedAddress;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-source rate limit of UDP 3478 (S5 STUN and S0 STUN-lite together) over real UDP; 127.0.0.x
 * are distinct sources on one machine. Heartbeats go to a real registry-verticle on a temporary SQLite file.
 */
class UdpRateLimitTest {

  private static final int PER_SECOND = 1;
  private static final int BURST = 5;

  private static Vertx node;
  private static int port;
  @TempDir
  static Path dir;

  @BeforeAll
  static void deploy() throws Exception {
    node = Vertx.vertx();
    JsonObject registry = new JsonObject().put("dbPath", dir.resolve("registry.db").toString())
        .put("httpHost", "127.0.0.1").put("httpPort", 0);
    node.deployVerticle(new RegistryVerticle(), new DeploymentOptions()
            .setConfig(new JsonObject().put("nodeId", "solo").put("registry", registry)))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    JsonObject udp = new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("rateLimitPerSecond", PER_SECOND).put("rateLimitBurst", BURST);
    node.deployVerticle(new UdpVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("nodeId", "solo").put("udp", udp)))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    port = BoundPorts.of(node, UdpVerticle.LISTENER);
  }

  @AfterAll
  static void close() throws Exception {
    node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** The registry's LIST line of {@code username}, asked over the event bus (not through the limited socket); null if absent. */
  private static String listed(String username) throws Exception {
    String csv = new RegistryClient(node.eventBus()).list(65_507).toCompletionStage().toCompletableFuture()
        .get(5, TimeUnit.SECONDS).toString(StandardCharsets.UTF_8);
    return csv.lines().filter(l -> l.startsWith(username + ",")).findFirst().orElse(null);
  }

  private static long metric(String name, String... labels) {
    return Metrics.of(node).value(name, labels);
  }

  private static long stunAnswered() {
    return metric("rendezvous_stun_responses_total", "port", "3478", "kind", "success");
  }

  private static long stunLimited() {
    return metric("rendezvous_stun_dropped_total", "port", "3478", "reason", "rate_limited");
  }

  private static long liteAccepted() {
    return metric("rendezvous_s0_heartbeats_total");
  }

  private static long liteLimited() {
    return metric("rendezvous_s0_dropped_total", "reason", "rate_limited");
  }

  /** Bad outcomes are counted too: on a node without a registry a LIST cannot be answered. */
  @Test
  void aListTheRegistryCannotAnswerIsCountedAsFailed() throws Exception {
    Vertx alone = Vertx.vertx();
    try {
      alone.deployVerticle(new UdpVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("nodeId", "alone")
              .put("udp", new JsonObject().put("host", "127.0.0.1").put("port", 0))))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      int alonePort = BoundPorts.of(alone, UdpVerticle.LISTENER);
      try (DatagramSocket s = socketOn("127.0.0.60")) {
        byte[] list = "LIST".getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(list, list.length, InetAddress.getLoopbackAddress(), alonePort));
        Poll.until(10_000, "the failed LIST counted",
            () -> Metrics.of(alone).value("rendezvous_s0_lists_total", "result", "failed") == 1 ? true : null);
      }
    } finally {
      alone.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static DatagramSocket socketOn(String loopbackAddress) throws IOException {
    return new DatagramSocket(new InetSocketAddress(InetAddress.getByName(loopbackAddress), 0));
  }

  private static void send(DatagramSocket s, byte[] data) throws IOException {
    s.send(new DatagramPacket(data, data.length, InetAddress.getLoopbackAddress(), port));
  }

  private static byte[] receive(DatagramSocket s) throws IOException {
    s.setSoTimeout(5_000);
    byte[] buf = new byte[2048];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    try {
      s.receive(p);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no datagram within 5 s on " + s.getLocalSocketAddress());
    }
    return Arrays.copyOf(buf, p.getLength());
  }

  private static byte[] bindingRequest(int n) {
    byte[] id = new byte[12];
    id[0] = (byte) (n >> 8);
    id[1] = (byte) n;
    return new StunMessage(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), id).encode();
  }

  /** Sends a Binding request and checks the answer tells {@code s} its own address. */
  private static void assertBindingAnswered(DatagramSocket s, int n) throws IOException {
    byte[] request = bindingRequest(n);
    send(s, request);
    byte[] reply = receive(s);
    StunMessage m = StunMessage.decode(reply, 0, reply.length);
    assertEquals(StunMessage.CLASS_SUCCESS, m.messageClass());
    assertArrayEquals(Arrays.copyOfRange(request, 8, 20), m.transactionId());
    XorMappedAddress mapped = XorMappedAddress.readFrom(m);
    assertEquals(s.getLocalAddress(), mapped.address());
    assertEquals(s.getLocalPort(), mapped.port());
  }

  @Test
  void aFloodFromOneSourceIsDroppedAndCountedWhileAnotherSourceIsServed() throws Exception {
    long answeredBefore = stunAnswered();
    long stunLimitedBefore = stunLimited();
    long acceptedBefore = liteAccepted();
    long liteLimitedBefore = liteLimited();
    int flood = 40;
    long start = System.nanoTime();
    try (DatagramSocket flooder = socketOn("127.0.0.1"); DatagramSocket other = socketOn("127.0.0.2")) {
      // STUN and STUN-lite from one address draw on one budget.
      for (int i = 0; i < flood; i++) {
        send(flooder, bindingRequest(i));
        send(flooder, "flooder".getBytes(StandardCharsets.UTF_8));
      }
      Poll.until(5_000, "every flood datagram handled or dropped", () ->
          stunAnswered() - answeredBefore + stunLimited() - stunLimitedBefore == flood
              && liteAccepted() - acceptedBefore + liteLimited() - liteLimitedBefore == flood ? true : null);
      double seconds = (System.nanoTime() - start) / 1e9;
      long stunPassed = stunAnswered() - answeredBefore;
      long passed = stunPassed + liteAccepted() - acceptedBefore;
      assertTrue(passed >= BURST && passed <= BURST + PER_SECOND * seconds + 1,
          passed + " of " + 2 * flood + " passed in " + seconds + " s, with a burst of " + BURST + " and " + PER_SECOND + "/s");
      assertTrue(stunLimited() - stunLimitedBefore > 0 && liteLimited() - liteLimitedBefore > 0,
          "drops are counted under the surface each datagram was for");
      for (long i = 0; i < stunPassed; i++) {
        byte[] reply = receive(flooder);
        assertEquals(StunMessage.CLASS_SUCCESS, StunMessage.decode(reply, 0, reply.length).messageClass(), "admitted means answered");
      }

      assertBindingAnswered(other, 1);
      send(other, "other".getBytes(StandardCharsets.UTF_8));
      String entry = Poll.until(5_000, "the other source's heartbeat in the registry", () -> listed("other"));
      assertTrue(entry.startsWith("other,127.0.0.2," + other.getLocalPort() + ","), entry);
    }
  }

  @Test
  void aSourceWithinItsBudgetIsNeverLimited() throws Exception {
    long limitedBefore = stunLimited() + liteLimited();
    // An ICE agent's first checks plus a STUN-lite heartbeat: the whole burst, one datagram at a time.
    try (DatagramSocket agent = socketOn("127.0.0.3")) {
      for (int i = 0; i < BURST - 1; i++) {
        assertBindingAnswered(agent, i);
      }
      send(agent, "agent".getBytes(StandardCharsets.UTF_8));
      Poll.until(5_000, "the agent's heartbeat", () -> listed("agent"));
    }
    assertEquals(limitedBefore, stunLimited() + liteLimited());
  }

  @Test
  void theDefaultLimitIsGenerousAndBadValuesAreRefused() {
    UdpConfig c = UdpConfig.from(new JsonObject());
    assertEquals(new SourceRateLimiter.Limits(200, 400, 65_536), c.rateLimit());
    assertEquals(new SourceRateLimiter.Limits(9, 10, 11), UdpConfig.from(new JsonObject()
        .put("rateLimitPerSecond", "9").put("rateLimitBurst", 10).put("rateLimitMaxSources", 11)).rateLimit());
    for (String key : new String[] {"rateLimitPerSecond", "rateLimitBurst", "rateLimitMaxSources"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UdpConfig.from(new JsonObject().put(key, 0)));
      assertTrue(e.getMessage().contains("udp." + key), e.getMessage());
    }
  }
}
