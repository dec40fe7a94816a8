package org.rendezvous.node;

import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ops listener: health, Prometheus metrics fed by real traffic, cluster view (SPEC §4). */
class OpsTest {

  @TempDir
  Path dir;

  private RendezvousNode node;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    node = NodeFixture.start(NodeFixture.singleNode(dir));
  }

  @AfterEach
  void stop() throws Exception {
    NodeFixture.stop(node);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port("ops") + path))
            .timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void liveAndReadyAnswer200OnAStartedNode() throws Exception {
    assertEquals(200, get("/health/live").statusCode());
    assertEquals(200, get("/health/ready").statusCode());
    assertEquals(404, get("/nope").statusCode());
  }

  @Test
  void metricsCountRealTraffic() throws Exception {
    try (UdpClient c = new UdpClient(node.port("udp"))) {
      c.send("metered");
      Poll.until(5_000, "heartbeat listed", () -> c.requestText("LIST").startsWith("metered,") ? true : null);
    }
    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    String body = r.body();
    assertTrue(body.contains("\nrendezvous_s0_heartbeats_total 1\n"), body);
    assertTrue(body.contains("\nrendezvous_s0_users 1\n"), body);
    assertTrue(body.matches("(?s).*\nrendezvous_s0_lists_total\\{result=\"sent\"} [1-9][0-9]*\n.*"), body);
    assertTrue(body.contains("# TYPE rendezvous_s0_heartbeats_total counter"), body);
  }

  @Test
  void clusterViewOfASingleNodeListsItselfAndWhatItHolds() throws Exception {
    try (UdpClient c = new UdpClient(node.port("udp"))) {
      c.send("held");
      Poll.until(5_000, "heartbeat listed", () -> c.requestText("LIST").startsWith("held,") ? true : null);
    }
    JsonObject view = new JsonObject(get("/api/cluster").body());
    assertEquals(node.nodeId(), view.getString("self"));
    assertEquals(false, view.getBoolean("clustered"));
    assertEquals(1, view.getJsonArray("nodes").size());
    JsonObject self = view.getJsonArray("nodes").getJsonObject(0);
    assertEquals(node.nodeId(), self.getString("node"));
    assertEquals(1, self.getInteger("s0Users"));
    assertEquals(0, self.getInteger("s2Peers"));
  }

  @Test
  void notReadyOnceStopping() throws Exception {
    int port = node.port("ops");
    var closing = node.stop();
    assertFalse(node.ready(), "not ready from the moment it starts stopping");
    // Over HTTP: either the listener is already closed or it reports 503; it never claims ready.
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(503, r.statusCode());
    } catch (java.io.IOException closed) {
      // connection refused: not ready either
    }
    closing.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    node = null;
  }
}
