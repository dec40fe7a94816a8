package org.rendezvous.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.RawHttp;
import org.rendezvous.testkit.RawHttp.Response;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry's bounds over real HTTP and the real bus: how many entries of each kind it takes, how long
 * S2 fields may be, how many S2 connections may be open, and how long one may sit idle.
 */
class RegistryLimitsTest {

  private static final int IDLE_MS = 1_000;

  @TempDir
  static Path dir;
  private static SoloRegistry solo;

  @BeforeAll
  static void deploy() throws Exception {
    solo = SoloRegistry.deploy(dir, new JsonObject()
        .put("maxUsers", 2).put("maxPeers", 2).put("maxWsNames", 2).put("maxFieldChars", 8)
        .put("httpMaxConnections", 2).put("httpIdleTimeoutMs", IDLE_MS));
  }

  @AfterAll
  static void close() throws Exception {
    solo.close();
  }

  private static long metric(String name, String... labels) {
    return Metrics.of(solo.vertx()).value(name, labels);
  }

  private static Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), solo.port());
    s.setSoTimeout(10_000);
    return s;
  }

  private static Response register(String peerId, String username) throws IOException {
    return post(new JsonObject().put("peer_id", peerId).put("username", username).put("port", 5000).encode());
  }

  /** One POST /register on its own connection (closed after): the response. */
  private static Response post(String body) throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream().write(("POST /register HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      return RawHttp.read(s.getInputStream());
    }
  }

  @Test
  void aFullRegistryRefusesNewEntriesButKeepsRefreshingKnownOnes() throws Exception {
    long timed = metric("rendezvous_s2_request_latency_microseconds_count", "route", "register");
    assertEquals(200, register("peer-a", "a").status());
    assertEquals(200, register("peer-b", "b").status());
    Response full = register("peer-c", "c");
    assertEquals(503, full.status());
    assertEquals("{\"detail\":\"Registry full\"}", full.text());
    assertEquals(200, register("peer-a", "a2").status(), "a known id registers again");
    assertEquals(1, metric("rendezvous_registry_full_total", "kind", "s2_peer"));
    assertEquals(2, metric("rendezvous_s2_peers", "state", "all"));
    Poll.until(5_000, "each request's latency observed", () ->
        metric("rendezvous_s2_request_latency_microseconds_count", "route", "register") - timed == 4 ? true : null);

    RegistryClient client = new RegistryClient(solo.vertx().eventBus());
    for (String name : new String[] {"u1", "u2", "u3", "u1"}) {
      client.heartbeat(name, "192.0.2.1", 4000);
    }
    Poll.until(5_000, "the third S0 name refused", () -> metric("rendezvous_registry_full_total", "kind", "s0_user") == 1 ? true : null);
    assertEquals(2, metric("rendezvous_s0_users"));
    String list = client.list(1_200).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).toString(StandardCharsets.UTF_8);
    assertTrue(list.contains("u1,") && list.contains("u2,") && !list.contains("u3"), list);

    for (String name : new String[] {"w1", "w2", "w3", "w1"}) {
      solo.vertx().eventBus().send(RegistryClient.WS_SEEN, new JsonObject().put("username", name).put("user_id_json", "1")
          .put("ts", System.currentTimeMillis()));
    }
    Poll.until(5_000, "the third S3 name refused", () -> metric("rendezvous_registry_full_total", "kind", "s3_name") == 1 ? true : null);
    assertEquals(2, metric("rendezvous_s3_known_names"));
  }

  @Test
  void overlongS2FieldsGetPydanticsStringTooLong() throws Exception {
    // The port is wrong in each, so nothing is stored: the other test counts the peers.
    String fits = new JsonObject().put("peer_id", "p-\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00x").put("username", "okname")
        .put("port", "x").encode(); // 8 characters (10 UTF-16 units)
    JsonArray onlyPort = new JsonObject(post(fits).text()).getJsonArray("detail");
    assertEquals(1, onlyPort.size(), onlyPort.encode());
    assertEquals("int_parsing", onlyPort.getJsonObject(0).getString("type"));

    Response tooLong = post(new JsonObject().put("peer_id", "peer-id-9").put("username", "name").put("port", "x").encode());
    assertEquals(422, tooLong.status());
    JsonArray detail = new JsonObject(tooLong.text()).getJsonArray("detail");
    assertEquals(2, detail.size(), detail.encode());
    assertEquals("{\"type\":\"string_too_long\",\"loc\":[\"body\",\"peer_id\"],\"msg\":\"String should have at most 8 characters\","
        + "\"input\":\"peer-id-9\",\"ctx\":{\"max_length\":8}}", detail.getJsonObject(0).encode());
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAndIdleOnesTimeOut() throws Exception {
    Poll.until(10_000, "no S2 connection open", () -> metric("rendezvous_s2_connections") == 0 ? true : null);
    long refusedBefore = metric("rendezvous_s2_connections_refused_total");
    try (Socket first = connect(); Socket second = connect()) {
      OutputStream out = first.getOutputStream();
      out.write("GET /status HTTP/1.1\r\nHost: t\r\n".getBytes(StandardCharsets.US_ASCII)); // half a request
      second.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertEquals(200, RawHttp.read(second.getInputStream()).status(), "both connections are open");
      try (Socket third = connect()) {
        assertEquals(-1, third.getInputStream().read(), "a third connection is closed as it is accepted");
      }
      assertEquals(1, metric("rendezvous_s2_connections_refused_total") - refusedBefore,
          "open " + metric("rendezvous_s2_connections"));
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      assertEquals(200, RawHttp.read(first.getInputStream()).status(), "the first connection was still served");

      long quietSince = System.nanoTime();
      assertEquals(-1, second.getInputStream().read(), "a connection idle past registry.httpIdleTimeoutMs is closed");
      assertTrue(System.nanoTime() - quietSince >= TimeUnit.MILLISECONDS.toNanos(IDLE_MS - 100), "not before its time");
    }
  }
}
