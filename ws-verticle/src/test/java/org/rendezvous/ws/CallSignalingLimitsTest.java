package org.rendezvous.ws;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.RawHttp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and limits on one node: oversize messages, floods, silent peers, too many connections,
 * and the optional JWT check. Each outcome is the spec's, and the server and the other connections
 * keep working.
 */
class CallSignalingLimitsTest {

  private static final String SECRET = "test-secret-for-hs256-at-least-32-bytes!";
  private static final int MAX_MESSAGE = 4096;
  private static final int RATE = 20;
  private static final int IDLE_MS = 1_000;

  private static Vertx limited;
  private static Vertx authed;
  private static Vertx clients;
  private static WebSocketClient ws;
  private static int limitedPort;
  private static int authPort;

  @BeforeAll
  static void start() throws Exception {
    limited = Vertx.vertx();
    authed = Vertx.vertx();
    clients = Vertx.vertx();
    limitedPort = CallSignalingTest.deploy(limited, new JsonObject()
        .put("maxMessageBytes", MAX_MESSAGE)
        .put("messagesPerSecond", RATE).put("messageBurst", RATE)
        .put("pingIntervalMs", 100).put("pongTimeoutMs", 300).put("idleTimeoutMs", IDLE_MS)
        .put("maxConnections", 8)
        .put("onlineUsersMinIntervalMs", 0));
    authPort = CallSignalingTest.deploy(authed, new JsonObject().put("jwtSecret", SECRET));
    ws = WsTestClient.client(clients);
  }

  @AfterAll
  static void stop() throws Exception {
    WsTestClient.await(clients.close());
    WsTestClient.await(limited.close());
    WsTestClient.await(authed.close());
  }

  private static long metric(Vertx v, String name, String... labels) {
    return Metrics.of(v).value(name, labels);
  }

  @Test
  void connectionsWithNoTrafficAreClosedButAQuietWebSocketIsKeptByItsPings() throws Exception {
    try (WsTestClient quiet = WsTestClient.connect(ws, limitedPort);
         Socket silent = new Socket(InetAddress.getLoopbackAddress(), limitedPort);
         Socket keepAlive = new Socket(InetAddress.getLoopbackAddress(), limitedPort)) {
      long opened = System.nanoTime();
      silent.setSoTimeout(10_000);
      keepAlive.setSoTimeout(10_000);
      keepAlive.getOutputStream().write("GET /health HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response health = RawHttp.read(keepAlive.getInputStream());
      assertEquals(200, health.status());

      assertEquals(-1, silent.getInputStream().read(), "a connection that never sends a request is closed");
      assertEquals(-1, keepAlive.getInputStream().read(), "an idle keep-alive connection is closed");
      assertTrue(System.nanoTime() - opened >= TimeUnit.MILLISECONDS.toNanos(IDLE_MS), "not before the idle timeout");

      // The WebSocket opened first sent nothing all this time, but the server's pings kept it open.
      assertEquals("quiet-one", quiet.register("quiet-one", "1").getString("username"));
    }
  }

  @Test
  void anOversizeMessageClosesOnlyItsConnectionWith1009() throws Exception {
    try (WsTestClient big = WsTestClient.connect(ws, limitedPort); WsTestClient other = WsTestClient.connect(ws, limitedPort)) {
      big.register("big-sender", "1");
      other.register("big-witness", "2");
      big.send("{\"type\":\"offer\",\"target_username\":\"big-witness\",\"data\":\"" + "x".repeat(MAX_MESSAGE) + "\"}");
      assertEquals((short) 1009, big.closedFuture().get(10, TimeUnit.SECONDS), "message too big");
      other.awaitList("big-witness");
      assertFalse(other.drainTypes().contains("offer"), "the oversize offer was not relayed");
      other.send("{\"type\":\"call_request\",\"target_username\":\"big-sender\"}");
      assertEquals("User not found or offline", other.nextSkippingLists("error").getString("message"),
          "the closed connection's name is gone, the other connection still served");
      try (WsTestClient again = WsTestClient.connect(ws, limitedPort)) {
        assertEquals("big-sender", again.register("big-sender", "3").getString("username"));
      }
    }
  }

  @Test
  void aClientThatVanishesIsAConnectionErrorNotAProtocolError() throws Exception {
    Vertx own = Vertx.vertx(); // its own counters: other tests' connections close at their own pace
    try {
      int port = CallSignalingTest.deploy(own, new JsonObject().put("maxMessageBytes", 1024));
      SilentWsClient gone = new SilentWsClient(port);
      gone.sendText("{\"type\":\"register\",\"username\":\"vanishing\",\"user_id\":1}");
      gone.close(); // FIN, no close frame
      Poll.until(10_000, "the vanished connection counted", () -> metric(own, "rendezvous_ws_connection_errors_total") >= 1 ? true : null);
      Poll.until(10_000, "the vanished connection gone", () -> metric(own, "rendezvous_ws_connections") == 0 ? true : null);
      assertEquals(0, metric(own, "rendezvous_ws_protocol_errors_total"), "vanishing broke no rule of the protocol");
      long lost = metric(own, "rendezvous_ws_connection_errors_total");

      try (WsTestClient polite = WsTestClient.connect(ws, port)) {
        assertEquals("vanishing", polite.register("vanishing", "2").getString("username"), "its name was freed");
      }
      Poll.until(10_000, "the polite connection gone", () -> metric(own, "rendezvous_ws_connections") == 0 ? true : null);
      assertEquals(lost, metric(own, "rendezvous_ws_connection_errors_total"), "a close frame is no error");

      try (SilentWsClient tooBig = new SilentWsClient(port)) {
        tooBig.sendText("x".repeat(1025));
        assertEquals(1009, tooBig.awaitCloseCode());
      }
      assertEquals(1, metric(own, "rendezvous_ws_protocol_errors_total"), "an oversize message is a protocol error");
    } finally {
      WsTestClient.await(own.close());
    }
  }

  @Test
  void aRelayThatGrowsPastTheFrameLimitStillArrivesWhole() throws Exception {
    try (WsTestClient sender = WsTestClient.connect(ws, limitedPort); WsTestClient target = WsTestClient.connect(ws, limitedPort)) {
      String from = "grows-sender-with-a-long-name";
      sender.register(from, "1");
      target.register("gw", "2");
      String head = "{\"type\":\"offer\",\"target_username\":\"gw\",\"data\":\"";
      String data = "x".repeat(MAX_MESSAGE - head.length() - 2);
      sender.send(head + data + "\"}"); // exactly the limit; relayed with a longer name and spaces it is over it
      JsonObject offer = target.nextSkippingLists("offer");
      assertEquals(from, offer.getString("from_username"));
      assertEquals(data, offer.getString("data"));
    }
  }

  @Test
  void aMessageOverTheLimitInSeveralFramesIsRefusedAlike() throws Exception {
    try (SilentWsClient raw = new SilentWsClient(limitedPort)) {
      raw.sendFragmented("{\"type\":\"offer\",\"data\":\"" + "x".repeat(3000), "x".repeat(3000) + "\"}");
      assertEquals(1009, raw.awaitCloseCode());
    }
  }

  @Test
  void aFloodIsCutToTheConnectionsBudgetAndOthersKeepWorking() throws Exception {
    try (WsTestClient flooder = WsTestClient.connect(ws, limitedPort); WsTestClient target = WsTestClient.connect(ws, limitedPort);
         WsTestClient bystander = WsTestClient.connect(ws, limitedPort)) {
      flooder.register("flood-src", "1");
      target.register("flood-dst", "2");
      bystander.register("flood-by", "3");
      long relayedBefore = metric(limited, "rendezvous_ws_messages_relayed_total", "type", "ice_candidate");
      long droppedBefore = floodDrops();
      long rateLimitedBefore = metric(limited, "rendezvous_ws_messages_dropped_total", "reason", "rate_limited");
      int sent = 1_000;
      long start = System.nanoTime();
      for (int i = 0; i < sent; i++) {
        flooder.send("{\"type\":\"ice_candidate\",\"target_username\":\"flood-dst\",\"data\":{\"n\":" + i + "}}");
      }
      Poll.until(10_000, "every message of the flood relayed or dropped", () ->
          metric(limited, "rendezvous_ws_messages_relayed_total", "type", "ice_candidate") - relayedBefore
              + floodDrops() - droppedBefore == sent ? true : null);
      double seconds = (System.nanoTime() - start) / 1e9;
      long admitted = sent - (metric(limited, "rendezvous_ws_messages_dropped_total", "reason", "rate_limited") - rateLimitedBefore);
      // The budget: a burst of RATE (less the register it already paid for) plus RATE a second since.
      assertTrue(admitted >= RATE - 1 && admitted <= RATE + RATE * seconds + 1,
          admitted + " of " + sent + " admitted in " + seconds + " s with a budget of " + RATE + "/s");
      bystander.send("{\"type\":\"call_request\",\"target_username\":\"flood-dst\"}");
      JsonObject call = target.nextSkippingListsAnd("ice_candidate", "incoming_call");
      assertEquals("flood-by", call.getString("caller_username"), "another connection is served during the flood");
      // The flooder's budget refills: a later message of its own is answered again.
      JsonObject reply = Poll.until(10_000, "the flooder served again", () -> {
        flooder.send("{\"type\":\"call_request\",\"target_username\":\"flood-nobody\"}");
        return flooder.pollSkippingLists("error", 200);
      });
      assertEquals("User not found or offline", reply.getString("message"));
    }
  }

  /** Messages dropped for their sender's budget or their target's full write queue. */
  private static long floodDrops() {
    return metric(limited, "rendezvous_ws_messages_dropped_total", "reason", "rate_limited")
        + metric(limited, "rendezvous_ws_messages_dropped_total", "reason", "target_backlog");
  }

  @Test
  void aPeerThatNeverAnswersPingsIsClosedAndItsNameFreed() throws Exception {
    long before = metric(limited, "rendezvous_ws_keepalive_timeouts_total");
    try (WsTestClient alive = WsTestClient.connect(ws, limitedPort); SilentWsClient silent = new SilentWsClient(limitedPort)) {
      alive.register("ka-alive", "1");
      silent.sendText("{\"type\":\"register\",\"username\":\"ka-silent\",\"user_id\":\"2\"}");
      assertEquals(1011, silent.awaitCloseCode(), "keepalive ping timeout");
      assertEquals(1, silent.pingsSeen, "one ping, left unanswered, then the close");
      assertEquals(1, metric(limited, "rendezvous_ws_keepalive_timeouts_total") - before);
      alive.awaitList("ka-alive");
      assertFalse(alive.isClosed(), "a peer answering pings stays connected through the same intervals");
      try (WsTestClient again = WsTestClient.connect(ws, limitedPort)) {
        assertEquals("ka-silent", again.register("ka-silent", "3").getString("username"));
      }
    }
  }

  @Test
  void pongsThatAnswerNoPingDoNotKeepAConnectionAlive() throws Exception {
    long before = metric(limited, "rendezvous_ws_keepalive_timeouts_total");
    try (SilentWsClient faker = new SilentWsClient(limitedPort)) {
      faker.sendText("{\"type\":\"register\",\"username\":\"ka-faker\",\"user_id\":\"1\"}");
      // Unasked pongs, 8 random bytes each, every 20 ms: never the payload of the ping the server sent.
      ScheduledExecutorService ponger = Executors.newSingleThreadScheduledExecutor();
      try {
        ponger.scheduleAtFixedRate(() -> {
          byte[] payload = new byte[8];
          ThreadLocalRandom.current().nextBytes(payload);
          try {
            faker.sendPong(payload);
          } catch (IOException e) {
            throw new UncheckedIOException(e); // closed: no more runs
          }
        }, 0, 20, TimeUnit.MILLISECONDS);
        assertEquals(1011, faker.awaitCloseCode(), "closed for its unanswered ping");
      } finally {
        ponger.shutdownNow();
        assertTrue(ponger.awaitTermination(5, TimeUnit.SECONDS));
      }
      assertEquals(1, metric(limited, "rendezvous_ws_keepalive_timeouts_total") - before);
    }
  }

  @Test
  void slowSendersOfLargeMessagesCannotHoldMoreThanTheNodesBudget() throws Exception {
    Vertx own = Vertx.vertx();
    try {
      int port = CallSignalingTest.deploy(own, new JsonObject().put("maxMessageBytes", 16_384).put("maxArrivingBytes", 20_000));
      String pad = "p".repeat(15_000);
      byte[] first = SilentWsClient.textFrame("{\"type\":\"register\",\"username\":\"slow-a\",\"user_id\":\"a\",\"pad\":\"" + pad + "\"}");
      byte[] second = SilentWsClient.textFrame("{\"type\":\"register\",\"username\":\"slow-b\",\"user_id\":\"b\",\"pad\":\"" + pad + "\"}");
      try (SilentWsClient a = new SilentWsClient(port); SilentWsClient b = new SilentWsClient(port)) {
        a.sendRaw(first, 0, 12_000); // most of a frame the node must hold until the rest comes
        Poll.until(10_000, "the node holding a's part", () -> metric(own, "rendezvous_ws_arriving_bytes") >= 12_000 ? true : null);
        b.sendRaw(second, 0, 12_000); // 24,000 bytes still arriving in all: past the 20,000 of ws.maxArrivingBytes
        assertEquals(1013, b.awaitCloseCode(), "the connection whose read went past the budget is closed");
        assertEquals(1, metric(own, "rendezvous_ws_closed_busy_total"));
        Poll.until(10_000, "b's bytes let go, a's held", () -> metric(own, "rendezvous_ws_arriving_bytes") == 12_000 ? true : null);
        a.sendRaw(first, 12_000, first.length - 12_000);
        assertEquals("registered", new JsonObject(a.readText()).getString("type"), "the other sender's message is whole and served");
        Poll.until(10_000, "nothing held once it is whole", () -> metric(own, "rendezvous_ws_arriving_bytes") == 0 ? true : null);
      }
    } finally {
      own.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientThatDoesNotReadItsAnswersIsNotReadEitherUntilTheyDrain() throws Exception {
    Vertx own = Vertx.vertx();
    try {
      // keepalive far away: this client answers no ping, and a slow machine may take a while over 300,000 answers
      int port = CallSignalingTest.deploy(own, new JsonObject().put("maxMessageBytes", 1024)
          .put("maxQueuedBytesPerConnection", 16_384).put("messagesPerSecond", 1_000_000).put("messageBurst", 1_000_000)
          .put("pingIntervalMs", 600_000).put("pongTimeoutMs", 600_000).put("idleTimeoutMs", 1_300_000));
      int sent = 300_000; // 14 MB of "Invalid JSON" answers: more than the kernel's socket buffers hold
      try (SilentWsClient deaf = new SilentWsClient(port, 4096)) {
        // Its own thread: once the node stops reading, these writes wait on TCP flow control.
        Thread sender = new Thread(() -> {
          try {
            for (int i = 0; i < sent; i++) {
              deaf.sendText("x");
            }
          } catch (IOException e) {
            // the test fails on the answers' count below
          }
        });
        sender.start();
        try {
          Poll.until(30_000, "the node no longer reading the client", () ->
              metric(own, "rendezvous_ws_reads_paused_total") >= 1 ? true : null);
          // Reading stops short of the end: the count stands still for 200 ms, below what was sent.
          long[] seen = {-1, 0}; // the count, and since when it has been that
          long read = Poll.until(30_000, "the node's reading at a standstill", () -> {
            long count = metric(own, "rendezvous_ws_messages_received_total", "type", "invalid_json");
            if (count != seen[0]) {
              seen[0] = count;
              seen[1] = System.nanoTime();
              return null;
            }
            return System.nanoTime() - seen[1] >= 200_000_000L ? count : null;
          });
          assertTrue(read < sent, "read " + read + " of " + sent + " while the client read nothing");
          // Every answer comes, in order, none dropped: the node read no faster than the client took them.
          for (int i = 0; i < sent; i++) {
            assertEquals(ServerMessages.error(ServerMessages.INVALID_JSON), deaf.readText(), "answer " + i);
          }
        } finally {
          sender.join(30_000);
        }
        assertFalse(sender.isAlive(), "every message sent");
        deaf.sendText("{\"type\":\"call_request\",\"target_username\":\"deaf-nobody\"}");
        assertEquals(ServerMessages.error(ServerMessages.NOT_REGISTERED), deaf.readText());
        assertEquals(sent, metric(own, "rendezvous_ws_messages_received_total", "type", "invalid_json"));
      }
    } finally {
      WsTestClient.await(own.close());
    }
  }

  @Test
  void handshakesBeyondTheConnectionLimitAreRefused() throws Exception {
    Poll.until(5_000, "no connection left from other tests", () -> metric(limited, "rendezvous_ws_connections") == 0 ? true : null);
    List<WsTestClient> open = new ArrayList<>();
    try {
      long refusedBefore = metric(limited, "rendezvous_ws_connections_refused_total");
      ExecutionException refused = null;
      for (int i = 0; i < 9 && refused == null; i++) {
        try {
          open.add(WsTestClient.connect(ws, limitedPort));
        } catch (ExecutionException e) {
          refused = e;
        }
      }
      assertEquals(8, open.size(), "the limit's 8 connections are accepted");
      assertTrue(refused != null, "the 9th connection is refused");
      assertInstanceOf(UpgradeRejectedException.class, refused.getCause());
      assertEquals(503, ((UpgradeRejectedException) refused.getCause()).getStatus());
      assertEquals(1, metric(limited, "rendezvous_ws_connections_refused_total") - refusedBefore);
      assertEquals("registered", open.get(0).register("limit-first", "1").getString("type"), "open ones still work");
    } finally {
      for (WsTestClient c : open) {
        c.close();
      }
    }
    Poll.until(5_000, "connections closed", () -> metric(limited, "rendezvous_ws_connections") == 0 ? true : null);
  }

  @Test
  void withASecretRegisterNeedsATokenForThatName() throws Exception {
    JWTAuth issuer = JWTAuth.create(clients, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    JWTAuth stranger = JWTAuth.create(clients, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("another-secret-another-secret-1234")));
    String forAlice = issuer.generateToken(new JsonObject().put("sub", "jwt-alice"), new JWTOptions().setExpiresInSeconds(60));
    String expired = issuer.generateToken(new JsonObject().put("sub", "jwt-alice").put("exp", 1_000_000L), new JWTOptions());
    String forged = stranger.generateToken(new JsonObject().put("sub", "jwt-alice"), new JWTOptions());
    String nameClaimOnly = issuer.generateToken(new JsonObject().put("username", "jwt-alice").put("sub", "jwt-mallory"),
        new JWTOptions());
    try (WsTestClient a = WsTestClient.connect(ws, authPort)) {
      String unauthorized = "{\"type\": \"error\", \"message\": \"Unauthorized\"}";
      JsonObject register = new JsonObject().put("type", "register").put("username", "jwt-alice").put("user_id", "1");
      a.send(register);
      assertEquals(unauthorized, a.nextText(), "no token");
      for (String token : List.of("not-a-jwt", expired, forged, nameClaimOnly)) {
        a.send(register.copy().put("token", token));
        assertEquals(unauthorized, a.nextText(), token);
      }
      a.send(register.copy().put("username", "jwt-bob").put("token", forAlice));
      assertEquals(unauthorized, a.nextText(), "a token for another name");
      a.send(register.copy().put("token", forAlice));
      assertEquals("jwt-alice", a.next("registered").getString("username"));
    }
  }

  @Test
  void withoutAuthConfiguredTokensAreIgnored() throws Exception {
    try (WsTestClient a = WsTestClient.connect(ws, limitedPort)) {
      a.send(new JsonObject().put("type", "register").put("username", "noauth").put("user_id", "1").put("token", "junk"));
      assertEquals("noauth", a.next("registered").getString("username"));
    }
  }
}
