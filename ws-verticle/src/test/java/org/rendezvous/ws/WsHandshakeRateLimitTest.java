package org.rendezvous.ws;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.Metrics;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The per-source handshake budget (SPEC §5): handshakes from one address beyond it are refused with
 * 429 and counted, while another address connects. Linux routes all of 127.0.0.0/8 to the loopback
 * interface, so each source binds its own address.
 */
class WsHandshakeRateLimitTest {

  private static final int BURST = 2;

  private static Vertx node;
  private static Vertx clients;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    node = Vertx.vertx();
    clients = Vertx.vertx();
    // One handshake a second sustained: the test's handshakes all fall within one refill.
    port = CallSignalingTest.deploy(node, new JsonObject()
        .put("handshakeRateLimitPerSecond", 1).put("handshakeRateLimitBurst", BURST));
  }

  @AfterAll
  static void stop() throws Exception {
    clients.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static WebSocketClient from(String localIp) {
    return clients.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(localIp));
  }

  @Test
  void handshakesBeyondASourcesBudgetAreRefusedWith429WhileOthersConnect() throws Exception {
    long before = Metrics.of(node).value("rendezvous_ws_handshakes_rate_limited_total");
    WebSocketClient flood = from("127.0.0.2");
    for (int i = 0; i < BURST; i++) {
      try (WsTestClient c = WsTestClient.connect(flood, port)) {
        assertEquals("registered", c.register("within-" + i, "1").getString("type"), "within the burst: served");
      }
    }
    ExecutionException refused = assertThrows(ExecutionException.class, () -> WsTestClient.connect(flood, port));
    assertInstanceOf(UpgradeRejectedException.class, refused.getCause());
    assertEquals(429, ((UpgradeRejectedException) refused.getCause()).getStatus());
    try (WsTestClient other = WsTestClient.connect(from("127.0.0.3"), port)) {
      assertEquals("registered", other.register("other-source", "1").getString("type"), "another address keeps its own budget");
    }
    assertEquals(before + 1, Metrics.of(node).value("rendezvous_ws_handshakes_rate_limited_total"));
  }
  @Test
  void tcpConnectionsBeyondTwiceTheHandshakeBudgetAreClosedAtOnce() throws Exception {
    long before = Metrics.of(node).value("rendezvous_ws_connects_rate_limited_total");
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 2 * BURST; i++) {
        held.add(silentConnection("127.0.0.4")); // within the budget: kept (until the idle timeout)
      }
      try (Socket over = silentConnection("127.0.0.4")) {
        over.setSoTimeout(10_000);
        assertEquals(-1, over.getInputStream().read(), "over the budget: closed without a byte");
      }
      assertEquals(before + 1, Metrics.of(node).value("rendezvous_ws_connects_rate_limited_total"));
      held.get(0).setSoTimeout(300);
      assertThrows(SocketTimeoutException.class, () -> held.get(0).getInputStream().read(), "one within the budget stays open");
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  private static Socket silentConnection(String localIp) throws Exception {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(localIp, 0));
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    return s;
  }
}
