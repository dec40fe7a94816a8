package org.rendezvous.ws;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every S3 message and error on one node, through real WebSockets: replies compared field by field
 * and in the spec's key order.
 */
class CallSignalingTest {

  private static Vertx server;
  private static Vertx clients;
  private static WebSocketClient ws;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    server = Vertx.vertx();
    clients = Vertx.vertx();
    port = deploy(server, new JsonObject().put("onlineUsersMinIntervalMs", 0));
    ws = WsTestClient.client(clients);
  }

  @AfterAll
  static void stop() throws Exception {
    WsTestClient.await(clients.close());
    WsTestClient.await(server.close());
  }

  /** Deploys the verticle on 127.0.0.1, any free port, with {@code overrides}; returns the bound port. */
  static int deploy(Vertx vertx, JsonObject overrides) throws Exception {
    JsonObject cfg = new JsonObject().put("host", "127.0.0.1").put("port", 0).mergeIn(overrides);
    WsTestClient.await(vertx.deployVerticle(new CallSignalingVerticle(),
        new DeploymentOptions().setConfig(new JsonObject().put("nodeId", "test-node").put("ws", cfg))));
    return BoundPorts.of(vertx, CallSignalingVerticle.LISTENER);
  }

  private static WsTestClient connect() throws Exception {
    return WsTestClient.connect(ws, port);
  }

  private static void assertKeys(JsonObject m, String... keys) {
    assertEquals(List.of(keys), List.copyOf(m.fieldNames()), "key order of " + m.encode());
  }

  private static long metric(String name, String... labels) {
    return Metrics.of(server).value(name, labels);
  }

  @Test
  void plainGetOnRootAndHealthAnswersOk() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String path : List.of("/", "/health", "/?probe=1")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), path);
      assertEquals("OK\n", r.body(), path);
      assertEquals("text/plain", r.headers().firstValue("content-type").orElse(""), path);
    }
    HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/elsewhere"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(426, other.statusCode(), "a plain request elsewhere is told to upgrade");
  }

  @Test
  void registerAnswersRegisteredThenOnlineUsersWithTimestamp() throws Exception {
    try (WsTestClient a = WsTestClient.connect(ws, port, "/any/path?x=1")) {
      LocalDateTime before = LocalDateTime.now().minusSeconds(1);
      a.send("{\"type\": \"register\", \"username\": \"reg-alice\", \"user_id\": \"uuid-1\"}");
      String registeredText = a.nextText();
      assertEquals("{\"type\": \"registered\", \"username\": \"reg-alice\", \"user_id\": \"uuid-1\"}", registeredText,
          "the original server's json.dumps layout");
      JsonObject list = a.next("online_users");
      assertKeys(list, "type", "users", "timestamp");
      JsonArray users = list.getJsonArray("users");
      assertEquals(1, users.size());
      assertKeys(users.getJsonObject(0), "username", "user_id");
      assertEquals("reg-alice", users.getJsonObject(0).getString("username"));
      assertEquals("uuid-1", users.getJsonObject(0).getString("user_id"));
      String ts = list.getString("timestamp");
      assertTrue(ts.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}"), ts);
      LocalDateTime stamped = LocalDateTime.parse(ts);
      assertTrue(!stamped.isBefore(before) && !stamped.isAfter(LocalDateTime.now().plusSeconds(1)), "local time now: " + ts);
    }
  }

  @Test
  void userIdIsEchoedWithItsJsonType() throws Exception {
    try (WsTestClient a = connect(); WsTestClient b = connect(); WsTestClient c = connect()) {
      JsonObject r = a.register("type-num", 42);
      assertKeys(r, "type", "username", "user_id");
      assertEquals(42, r.getValue("user_id"));
      JsonObject obj = new JsonObject().put("id", "x").put("n", 1);
      assertEquals(obj, b.register("type-obj", obj).getJsonObject("user_id"));
      assertEquals(true, c.register("type-bool", true).getValue("user_id"));
      JsonObject list = c.awaitList("type-num", "type-obj", "type-bool");
      assertEquals(42, list.getJsonArray("users").getJsonObject(0).getValue("user_id"));
      assertEquals(obj, list.getJsonArray("users").getJsonObject(1).getJsonObject("user_id"));
    }
  }

  @Test
  void registerWithoutNameOrIdIsRefused() throws Exception {
    String required = "{\"type\": \"error\", \"message\": \"Username and user_id required\"}";
    try (WsTestClient a = connect()) {
      for (String bad : List.of(
          "{\"type\":\"register\",\"user_id\":\"u\"}",
          "{\"type\":\"register\",\"username\":\"\",\"user_id\":\"u\"}",
          "{\"type\":\"register\",\"username\":null,\"user_id\":\"u\"}",
          "{\"type\":\"register\",\"username\":\"req-x\"}",
          "{\"type\":\"register\",\"username\":\"req-x\",\"user_id\":\"\"}",
          "{\"type\":\"register\",\"username\":\"req-x\",\"user_id\":0}",
          "{\"type\":\"register\",\"username\":\"req-x\",\"user_id\":{}}",
          "{\"type\":\"register\",\"username\":7,\"user_id\":\"u\"}",
          "{\"type\":\"register\",\"username\":\"half\\ud800\",\"user_id\":\"u\"}")) {
        a.send(bad);
        assertEquals(required, a.nextText(), bad);
      }
    }
  }

  @Test
  void aMessageRightAfterRegisterSeesTheRegistration() throws Exception {
    try (WsTestClient a = connect()) {
      // sent back to back: the call_request must wait for the cluster-wide claim to finish
      a.send("{\"type\":\"register\",\"username\":\"eager\",\"user_id\":\"1\"}");
      a.send("{\"type\":\"call_request\",\"target_username\":\"eager-nobody\"}");
      assertEquals("registered", a.next().getString("type"));
      assertEquals("User not found or offline", a.nextSkippingLists("error").getString("message"));
    }
  }

  @Test
  void aNameHeldByAnotherConnectionIsTaken() throws Exception {
    try (WsTestClient a = connect(); WsTestClient b = connect()) {
      a.register("taken-name", "1");
      b.send(new JsonObject().put("type", "register").put("username", "taken-name").put("user_id", "2"));
      JsonObject err = b.next("error");
      assertKeys(err, "type", "message");
      assertEquals("Username already taken", err.getString("message"));
    }
  }

  @Test
  void overlongNamesAreRefused() throws Exception {
    try (WsTestClient a = connect()) {
      a.send(new JsonObject().put("type", "register").put("username", "n".repeat(300)).put("user_id", "1"));
      assertEquals("Username or user_id too long", a.next("error").getString("message"));
    }
  }

  @Test
  void everyRegisteredSocketGetsTheListInRegistrationOrder() throws Exception {
    try (WsTestClient a = connect(); WsTestClient b = connect(); WsTestClient c = connect()) {
      a.register("order-1", "1");
      a.awaitList("order-1");
      b.register("order-2", "2");
      b.awaitList("order-1", "order-2");
      a.awaitList("order-1", "order-2");
      c.register("order-3", "3");
      for (WsTestClient x : List.of(a, b, c)) {
        x.awaitList("order-1", "order-2", "order-3");
      }
      b.close();
      a.awaitList("order-1", "order-3");
      c.awaitList("order-1", "order-3");
    }
  }

  @Test
  void callRequestNeedsRegistrationAndAKnownTarget() throws Exception {
    try (WsTestClient a = connect()) {
      a.send("{\"type\":\"call_request\",\"target_username\":\"anyone\"}");
      assertEquals("{\"type\": \"error\", \"message\": \"Not registered\"}", a.nextText());
      a.register("cr-alone", "1");
      a.send("{\"type\":\"call_request\",\"target_username\":\"cr-nobody\"}");
      JsonObject notFound = a.nextSkippingLists("error");
      assertKeys(notFound, "type", "message");
      assertEquals("User not found or offline", notFound.getString("message"));
      a.send("{\"type\":\"call_request\"}");
      assertEquals("User not found or offline", a.nextSkippingLists("error").getString("message"));
    }
  }

  @Test
  void aWholeCallIsRelayedFieldByField() throws Exception {
    try (WsTestClient alice = connect(); WsTestClient bob = connect()) {
      alice.register("call-alice", "id-alice");
      bob.register("call-bob", "id-bob");
      alice.awaitList("call-alice", "call-bob");
      bob.awaitList("call-alice", "call-bob");

      alice.send("{\"type\":\"call_request\",\"target_username\":\"call-bob\"}");
      JsonObject incoming = bob.next("incoming_call");
      assertKeys(incoming, "type", "caller_username", "caller_id");
      assertEquals("call-alice", incoming.getString("caller_username"));
      assertEquals("id-alice", incoming.getString("caller_id"));

      bob.send("{\"type\":\"call_accepted\",\"caller_username\":\"call-alice\"}");
      JsonObject accepted = alice.next("call_accepted");
      assertKeys(accepted, "type", "accepter_username");
      assertEquals("call-bob", accepted.getString("accepter_username"));
      long callSidesDuringCall = metric("rendezvous_ws_calls");
      assertTrue(callSidesDuringCall >= 2, "both sides of the accepted call are recorded");

      String sdp = "v=0\\r\\no=- 46117 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\n";
      String offerData = "{\"sdp\": \"" + sdp + "\", \"type\": \"offer\", \"nested\": [1, 2.5, null, {\"k\": \"\\u00e9\"}]}";
      alice.send("{\"type\":\"offer\",\"target_username\":\"call-bob\",\"data\":" + offerData + "}");
      String offerText = bob.nextText();
      assertEquals("{\"type\": \"offer\", \"from_username\": \"call-alice\", \"data\": " + offerData + "}", offerText,
          "data is relayed as the sender wrote it");
      JsonObject offer = new JsonObject(offerText);
      assertKeys(offer, "type", "from_username", "data");
      assertEquals(new JsonObject(offerData), offer.getJsonObject("data"));

      bob.send(new JsonObject().put("type", "answer").put("target_username", "call-alice")
          .put("data", new JsonObject().put("sdp", "v=0").put("type", "answer")));
      JsonObject answer = alice.next("answer");
      assertKeys(answer, "type", "from_username", "data");
      assertEquals("call-bob", answer.getString("from_username"));
      assertEquals(new JsonObject().put("sdp", "v=0").put("type", "answer"), answer.getJsonObject("data"));

      JsonObject candidate = new JsonObject().put("candidate", "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host")
          .put("sdpMLineIndex", 0).put("sdpMid", "0");
      alice.send(new JsonObject().put("type", "ice_candidate").put("target_username", "call-bob").put("data", candidate));
      JsonObject ice = bob.next("ice_candidate");
      assertKeys(ice, "type", "from_username", "data");
      assertEquals(candidate, ice.getJsonObject("data"));

      bob.send("{\"type\":\"ice_candidate\",\"target_username\":\"call-alice\"}");
      JsonObject noData = alice.next("ice_candidate");
      assertKeys(noData, "type", "from_username", "data");
      assertTrue(noData.containsKey("data"));
      assertNull(noData.getValue("data"), "absent data is relayed as null");

      alice.send("{\"type\":\"call_ended\",\"target_username\":\"call-bob\"}");
      JsonObject ended = bob.next("call_ended");
      assertKeys(ended, "type", "from_username");
      assertEquals("call-alice", ended.getString("from_username"));
      assertTrue(callSidesDuringCall - metric("rendezvous_ws_calls") >= 2, "the call is over on both sides");

      bob.send("{\"type\":\"call_request\",\"target_username\":\"call-alice\"}");
      alice.next("incoming_call");
      alice.send("{\"type\":\"call_rejected\",\"caller_username\":\"call-bob\"}");
      JsonObject rejected = bob.next("call_rejected");
      assertKeys(rejected, "type", "rejecter_username");
      assertEquals("call-alice", rejected.getString("rejecter_username"));
    }
  }

  @Test
  void invalidJsonGetsTheErrorAndTheConnectionKeepsWorking() throws Exception {
    try (WsTestClient a = connect()) {
      for (String bad : List.of("not json", "{", "{\"type\":\"register\"} trailing", "", "{'type':'register'}",
          "\ufeff{\"type\":\"x\"}", "{\"a\":1,}", "{\"type\":\"register\",\"username\":\"inf\",\"user_id\":+INF}",
          "{\"type\":\"offer\",\"target_username\":\"x\",\"data\":{\"a\":[-INF]}}")) {
        a.send(bad);
        assertEquals("{\"type\": \"error\", \"message\": \"Invalid JSON\"}", a.nextText(), bad);
      }
      a.sendBinary(new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'});
      assertEquals("Invalid JSON", a.next("error").getString("message"), "binary frames must be UTF-8");
      assertEquals("registered", a.register("after-bad-input", "1").getString("type"));
    }
  }

  @Test
  void aTextMessageThatIsNotUtf8ClosesTheConnectionWith1007() throws Exception {
    long before = metric("rendezvous_ws_protocol_errors_total");
    // Bytes no UTF-8 decoder takes: a stray continuation byte, an overlong '/', a surrogate in UTF-8 form.
    for (byte[] bad : List.of(new byte[] {'{', '"', (byte) 0x80, '"', ':', '1', '}'},
        new byte[] {'{', '"', (byte) 0xc0, (byte) 0xaf, '"', ':', '1', '}'},
        new byte[] {'{', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', ':', '1', '}'})) {
      try (SilentWsClient raw = new SilentWsClient(port)) {
        raw.sendTextBytes(bad);
        assertEquals(1007, raw.awaitCloseCode(), Arrays.toString(bad));
      }
    }
    assertEquals(3, metric("rendezvous_ws_protocol_errors_total") - before);
    // What the client sends after such a message is not read (RFC 6455 7.1.7): a register right behind it is not made.
    long registrations = metric("rendezvous_ws_registrations_total");
    try (SilentWsClient raw = new SilentWsClient(port)) {
      raw.sendTextBytes(new byte[] {'{', (byte) 0xff, '}'});
      raw.sendText("{\"type\":\"register\",\"username\":\"behind-bad-text\",\"user_id\":\"1\"}");
      assertEquals(1007, raw.awaitCloseCode());
    }
    try (WsTestClient later = connect()) {
      later.register("after-the-bad-text", "2"); // handled after anything the closed connection sent
    }
    assertEquals(1, metric("rendezvous_ws_registrations_total") - registrations, "only the later client registered");
    // Inside a value the server passes on untouched, too: the target never gets bytes that are not UTF-8.
    try (WsTestClient target = connect(); SilentWsClient raw = new SilentWsClient(port)) {
      target.register("utf8-target", "1");
      raw.sendText("{\"type\":\"register\",\"username\":\"utf8-sender\",\"user_id\":\"2\"}");
      target.awaitList("utf8-target", "utf8-sender");
      byte[] head = "{\"type\":\"offer\",\"target_username\":\"utf8-target\",\"data\":\"".getBytes(StandardCharsets.UTF_8);
      byte[] offer = Arrays.copyOf(head, head.length + 4);
      offer[head.length] = (byte) 0xc0;
      offer[head.length + 1] = (byte) 0xaf;
      offer[head.length + 2] = '"';
      offer[head.length + 3] = '}';
      raw.sendTextBytes(offer);
      assertEquals(1007, raw.awaitCloseCode());
      target.send("{\"type\":\"call_request\",\"target_username\":\"nobody-here\"}");
      assertEquals("User not found or offline", target.nextSkippingLists("error").getString("message"),
          "the next frame the target gets is its own reply, not the offer");
    }
    try (WsTestClient a = connect()) {
      assertEquals("registered", a.register("after-bad-text", "1").getString("type"), "the server carries on");
    }
  }

  @Test
  void nonObjectsAndUnknownTypesAreDroppedWithoutReply() throws Exception {
    long unknownBefore = metric("rendezvous_ws_messages_received_total", "type", "unknown");
    long notObjectBefore = metric("rendezvous_ws_messages_received_total", "type", "not_object");
    try (WsTestClient a = connect()) {
      for (String dropped : List.of("[1, 2]", "42", "\"register\"", "null", "{\"type\":\"dance\"}", "{\"no\":\"type\"}",
          "{\"type\":5}")) {
        a.send(dropped);
      }
      a.send("not json"); // replies come in order: the first reply must be this one's
      assertEquals("Invalid JSON", a.next("error").getString("message"));
      assertTrue(a.nothingQueued());
    }
    assertEquals(3, metric("rendezvous_ws_messages_received_total", "type", "unknown") - unknownBefore);
    assertEquals(4, metric("rendezvous_ws_messages_received_total", "type", "not_object") - notObjectBefore);
  }

  @Test
  void relaysFromStrangersOrToUnknownUsersAreDroppedWithoutReply() throws Exception {
    long unregisteredBefore = metric("rendezvous_ws_messages_dropped_total", "reason", "unregistered_sender");
    long unknownBefore = metric("rendezvous_ws_messages_dropped_total", "reason", "unknown_target");
    try (WsTestClient stranger = connect(); WsTestClient a = connect()) {
      stranger.send("{\"type\":\"offer\",\"target_username\":\"x\",\"data\":{}}");
      stranger.send("{\"type\":\"call_accepted\",\"caller_username\":\"x\"}");
      stranger.send("{\"type\":\"call_ended\",\"target_username\":\"x\"}");
      stranger.send("{\"type\":\"call_request\",\"target_username\":\"x\"}");
      assertEquals("Not registered", stranger.next("error").getString("message"), "the first reply is call_request's");
      a.register("drop-sender", "1");
      a.send("{\"type\":\"answer\",\"target_username\":\"drop-nobody\",\"data\":{}}");
      a.send("{\"type\":\"call_rejected\",\"caller_username\":\"drop-nobody\"}");
      a.send("{\"type\":\"ice_candidate\",\"data\":{}}");
      a.send("{\"type\":\"call_request\",\"target_username\":\"drop-nobody\"}");
      assertEquals("User not found or offline", a.nextSkippingLists("error").getString("message"));
    }
    assertEquals(3, metric("rendezvous_ws_messages_dropped_total", "reason", "unregistered_sender") - unregisteredBefore);
    assertEquals(3, metric("rendezvous_ws_messages_dropped_total", "reason", "unknown_target") - unknownBefore);
  }

  @Test
  void registeringANewNameReleasesTheOldOne() throws Exception {
    try (WsTestClient a = connect(); WsTestClient b = connect()) {
      a.register("rename-old", "1");
      a.awaitList("rename-old");
      a.register("rename-new", "1");
      a.awaitList("rename-new");
      assertEquals("rename-old", b.register("rename-old", "2").getString("username"), "the old name is free again");
      a.awaitList("rename-new", "rename-old");
    }
  }

  @Test
  void registeringTheSameNameAgainKeepsItsPlaceWithTheNewId() throws Exception {
    try (WsTestClient a = connect(); WsTestClient b = connect()) {
      a.register("again-a", "first");
      b.register("again-b", "b");
      a.awaitList("again-a", "again-b");
      JsonObject r = a.register("again-a", "second");
      assertEquals("second", r.getString("user_id"));
      JsonObject list = b.awaitList("again-a", "again-b");
      while (!"second".equals(list.getJsonArray("users").getJsonObject(0).getString("user_id"))) {
        list = b.awaitList("again-a", "again-b");
      }
    }
  }

  @Test
  void disconnectMidCallSendsCallEndedAndANewList() throws Exception {
    try (WsTestClient alice = connect(); WsTestClient bob = connect(); WsTestClient carol = connect()) {
      alice.register("dc-alice", "1");
      bob.register("dc-bob", "2");
      carol.register("dc-carol", "3");
      WsTestClient.callAccepted(alice, "dc-alice", bob, "dc-bob");
      carol.send("{\"type\":\"call_request\",\"target_username\":\"dc-bob\"}"); // only requested: no call yet
      bob.nextSkippingLists("incoming_call");

      alice.close();
      JsonObject ended = bob.nextSkippingLists("call_ended");
      assertEquals("dc-alice", ended.getString("from_username"));
      bob.awaitList("dc-bob", "dc-carol");
      carol.awaitList("dc-bob", "dc-carol");
      assertFalse(carol.drainTypes().contains("call_ended"), "carol had no call with alice");

      carol.close();
      bob.awaitList("dc-bob");
      assertFalse(bob.drainTypes().contains("call_ended"), "a requested call that was never accepted is not ended");
    }
  }

  @Test
  void binaryFramesAreReadAsJsonText() throws Exception {
    try (WsTestClient a = connect()) {
      a.sendBinary("{\"type\":\"register\",\"username\":\"bin-user\",\"user_id\":\"b\"}".getBytes(StandardCharsets.UTF_8));
      assertEquals("bin-user", a.next("registered").getString("username"));
    }
  }

  @Test
  void nonAsciiNamesAreEscapedAsTheOriginalDid() throws Exception {
    try (WsTestClient a = connect()) {
      a.send("{\"type\":\"register\",\"username\":\"Jos\u00e9 \ud83d\ude00\",\"user_id\":\"u\"}");
      assertEquals("{\"type\": \"registered\", \"username\": \"Jos\\u00e9 \\ud83d\\ude00\", \"user_id\": \"u\"}", a.nextText());
    }
  }

  @Test
  void metricsCountConnectionsRelaysAndLatency() throws Exception {
    long relayedBefore = metric("rendezvous_ws_messages_relayed_total", "type", "offer");
    long latencyBefore = metric("rendezvous_ws_relay_latency_microseconds_count");
    long infBucketBefore = metric("rendezvous_ws_relay_latency_microseconds_bucket", "le", "+Inf");
    long openedBefore = metric("rendezvous_ws_connections_total");
    try (WsTestClient a = connect(); WsTestClient b = connect()) {
      a.register("m-a", "1");
      b.register("m-b", "2");
      a.send("{\"type\":\"offer\",\"target_username\":\"m-b\",\"data\":{}}");
      b.nextSkippingLists("offer");
      assertEquals(2, metric("rendezvous_ws_connections_total") - openedBefore);
      assertTrue(metric("rendezvous_ws_connections") >= 2);
      assertTrue(metric("rendezvous_ws_users", "scope", "node") >= 2);
      assertEquals(1, metric("rendezvous_ws_messages_relayed_total", "type", "offer") - relayedBefore);
      assertEquals(1, metric("rendezvous_ws_relay_latency_microseconds_count") - latencyBefore);
      assertEquals(1, metric("rendezvous_ws_relay_latency_microseconds_bucket", "le", "+Inf") - infBucketBefore,
          "the relay is in the histogram's buckets, not only its count");
    }
  }
}
