package org.rendezvous.node;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rendezvous.common.Metrics;
import org.rendezvous.pairing.PairingVerticle;
import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;
import org.rendezvous.udp.UdpVerticle;
import org.rendezvous.ws.CallSignalingVerticle;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * node.transport: each transport this machine offers serves UDP (the zero-byte S0 answer included), TCP and
 * HTTP; one it does not offer stops the node with the reason; auto takes epoll, else nio.
 */
class NodeTransportTest {

  @TempDir
  Path dir;

  private RendezvousNode node;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    NodeFixture.stop(node);
  }

  private static boolean available(String transport) {
    return switch (transport) {
      case "io_uring" -> IoUring.isAvailable();
      case "epoll" -> Epoll.isAvailable();
      default -> true;
    };
  }

  private static JsonObject config(Path dir, String transport) {
    return NodeFixture.singleNode(dir).put("node", new JsonObject().put("transport", transport));
  }

  @ParameterizedTest
  @ValueSource(strings = {"io_uring", "epoll", "nio"})
  void eachAvailableTransportServesEverySurfaceAndAnUnavailableOneStopsTheNode(String transport) throws Exception {
    if (!available(transport)) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> node = NodeFixture.start(config(dir, transport)));
      assertTrue(e.getCause().getMessage().contains("node.transport " + transport + " is not available here"),
          e.getCause().getMessage());
      return;
    }
    node = NodeFixture.start(config(dir, transport));
    assertEquals(transport, node.transport());
    assertEquals(transport, clusterView().getJsonObject(0).getString("transport"));

    // UDP: S0's empty answer is a zero-byte datagram, which Netty's channels skip; then a stored heartbeat.
    try (UdpClient asker = new UdpClient(node.port(UdpVerticle.LISTENER));
         UdpClient alice = new UdpClient(node.port(UdpVerticle.LISTENER))) {
      assertEquals(0, asker.request("LIST".getBytes(StandardCharsets.US_ASCII)).length);
      alice.send("alice");
      String reply = Poll.until(5_000, "alice listed", () -> {
        String r = asker.requestText("LIST");
        return r.startsWith("alice,") ? r : null;
      });
      assertTrue(reply.startsWith("alice,127.0.0.1," + alice.localPort() + ","), reply);
    }
    // UDP on the pairing port: the sender's address as text.
    try (UdpClient probe = new UdpClient(node.port(PairingVerticle.UDP_LISTENER))) {
      assertEquals("127.0.0.1:" + probe.localPort(), probe.requestText("probe"));
    }
    // TCP: an S1 pair, each side told the other's address.
    String key = UUID.randomUUID().toString();
    int pairing = node.port(PairingVerticle.TCP_LISTENER);
    try (Socket initiator = new Socket("127.0.0.1", pairing); Socket receiver = new Socket("127.0.0.1", pairing)) {
      hello(initiator, key, "127.0.0.1");
      Poll.until(5_000, "initiator waiting",
          () -> Metrics.of(node.vertx()).value("rendezvous_pairing_waiting_initiators") == 1 ? true : null);
      hello(receiver, key, "");
      assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"127.0.0.1:" + initiator.getLocalPort() + "\"}",
          firstLine(receiver));
      assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"127.0.0.1:" + receiver.getLocalPort() + "\"}",
          firstLine(initiator));
    }
    // HTTP on the WebSocket port.
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.port(CallSignalingVerticle.LISTENER) + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals("OK\n", health.body());
  }

  @Test
  void autoTakesEpollWhereItCanElseNio() throws Exception {
    node = NodeFixture.start(NodeFixture.singleNode(dir));
    String expected = Epoll.isAvailable() ? "epoll" : "nio";
    assertEquals(expected, node.transport());
  }

  @Test
  void onlyFailuresFromNettysIoUringCodeAreBlamedOnIoUring() {
    assertFalse(NodeTransport.isIoUringFailure(new IllegalStateException("bind failed", new java.io.IOException("in use"))));
    IllegalStateException fromUring = new IllegalStateException("failed to create a child event loop");
    fromUring.setStackTrace(new StackTraceElement[] {
        new StackTraceElement("io.netty.channel.uring.Native", "ioUringSetup", "Native.java", 1)});
    assertTrue(NodeTransport.isIoUringFailure(new RuntimeException(fromUring)));
  }

  @Test
  void anUnknownTransportIsABadConfigValue() {
    JsonObject cfg = config(dir, "uring");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigCheck.unknownKeys(cfg, java.util.Map.of()));
    assertEquals("config node.transport must be one of auto, io_uring, epoll, nio, got \"uring\"", e.getMessage());
  }

  private JsonArray clusterView() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.port(OpsVerticle.LISTENER) + "/api/cluster")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("nodes");
  }

  private static void hello(Socket s, String key, String targetIp) throws Exception {
    OutputStream out = s.getOutputStream();
    out.write((new JsonObject().put("uuid", key).put("target_ip", targetIp).put("protocol", "tcp").put("address", "")
        .encode() + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String firstLine(Socket s) throws Exception {
    s.setSoTimeout(10_000);
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
  }
}
