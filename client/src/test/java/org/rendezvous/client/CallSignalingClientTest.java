package org.rendezvous.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.client.CallSignalingMessage.CallAccepted;
import org.rendezvous.client.CallSignalingMessage.CallEnded;
import org.rendezvous.client.CallSignalingMessage.CallRejected;
import org.rendezvous.client.CallSignalingClient.CallSignalingException;
import org.rendezvous.client.CallSignalingMessage.Closed;
import org.rendezvous.client.CallSignalingMessage.IncomingCall;
import org.rendezvous.client.CallSignalingClient.Limits;
import org.rendezvous.client.CallSignalingMessage.OnlineUsers;
import org.rendezvous.client.CallSignalingMessage.Registered;
import org.rendezvous.client.CallSignalingMessage.Relay;
import org.rendezvous.client.CallSignalingMessage.RelayKind;
import org.rendezvous.client.CallSignalingMessage.ServerError;
import org.rendezvous.client.CallSignalingMessage.Unrecognised;
import org.rendezvous.node.RendezvousNode;
import org.rendezvous.testkit.FreePorts;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The S3 call-signaling client against a real node on loopback: every message of a call, its errors and its limits. */
class CallSignalingClientTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir
  static Path dir;

  private static RendezvousNode node;
  private static URI ws;

  @BeforeAll
  static void start() throws Exception {
    node = LoopbackNode.start(dir, new JsonObject());
    ws = LoopbackNode.webSocket(node);
  }

  @AfterAll
  static void stop() throws Exception {
    LoopbackNode.stop(node);
  }

  /** A username no other test uses (they share the node). */
  private static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static OnlineUsers register(CallSignalingClient c, String name, Object userId) throws Exception {
    return c.register(name, userId).get(5, TimeUnit.SECONDS);
  }

  /** Two clients on the node registered under fresh names (user ids "ann-id", "ben-id"); closing closes both. */
  private record Two(CallSignalingClient a, String ann, CallSignalingClient b, String ben) implements AutoCloseable {
    static Two registered(Limits benLimits) throws Exception {
      Two t = new Two(CallSignalingClient.connect(ws), unique("ann"), CallSignalingClient.connect(ws, WAIT, benLimits), unique("ben"));
      register(t.a, t.ann, "ann-id");
      register(t.b, t.ben, "ben-id");
      return t;
    }

    /** Ann calls Ben and Ben accepts: both sides past call_accepted. Returns what Ben was told. */
    IncomingCall callAndAccept() throws Exception {
      a.callRequest(ben).get(5, TimeUnit.SECONDS);
      IncomingCall incoming = b.awaitMessage(IncomingCall.class, WAIT);
      b.acceptCall(ann).get(5, TimeUnit.SECONDS);
      assertEquals(new CallAccepted(ben), a.awaitMessage(CallAccepted.class, WAIT));
      return incoming;
    }

    @Override
    public void close() {
      a.close();
      b.close();
    }
  }

  @Test
  void twoClientsRegisterAndEachSeesBothOnlineWithTheirUserIds() throws Exception {
    String ann = unique("ann");
    String ben = unique("ben");
    try (CallSignalingClient a = CallSignalingClient.connect(ws);
         CallSignalingClient b = CallSignalingClient.connect(ws)) {
      OnlineUsers first = register(a, ann, 7);
      assertTrue(first.contains(ann));
      assertEquals(new Registered(ann, 7), a.next(WAIT).orElseThrow(), "registered comes first, user_id keeps its JSON type");

      OnlineUsers both = register(b, ben, "ben-id");
      List<String> names = both.usernames();
      assertTrue(names.indexOf(ann) >= 0 && names.indexOf(ann) < names.indexOf(ben), "registration order: " + names);
      assertTrue(both.users().contains(new CallSignalingMessage.User(ann, 7)), both.users().toString());
      assertTrue(both.users().contains(new CallSignalingMessage.User(ben, "ben-id")), both.users().toString());
      assertFalse(both.timestamp().isEmpty());

      OnlineUsers seenByAnn = a.awaitMessage(OnlineUsers.class, u -> u.contains(ben), WAIT);
      assertTrue(seenByAnn.contains(ann));
    }
  }

  @Test
  void aNameHeldByAnotherConnectionIsRefusedAndTheConnectionStaysUsable() throws Exception {
    String taken = unique("taken");
    try (CallSignalingClient a = CallSignalingClient.connect(ws);
         CallSignalingClient c = CallSignalingClient.connect(ws)) {
      register(a, taken, "1");
      ExecutionException refused = assertThrows(ExecutionException.class, () -> c.register(taken, "2").get(5, TimeUnit.SECONDS));
      CallSignalingException e = assertInstanceOf(CallSignalingException.class, refused.getCause());
      assertEquals("Username already taken", e.serverMessage());
      assertEquals(new ServerError("Username already taken"), c.awaitMessage(ServerError.class, WAIT), "also queued");

      ExecutionException noId = assertThrows(ExecutionException.class, () -> c.register(unique("z"), "").get(5, TimeUnit.SECONDS));
      assertEquals("Username and user_id required", ((CallSignalingException) noId.getCause()).serverMessage());

      String other = unique("other");
      assertTrue(register(c, other, "2").contains(other), "the same connection registers another name");
    }
  }

  @Test
  void callingBeforeRegisteringOrCallingSomebodyOfflineIsTheServersError() throws Exception {
    try (CallSignalingClient a = CallSignalingClient.connect(ws)) {
      a.callRequest("whoever").get(5, TimeUnit.SECONDS);
      assertEquals(new ServerError("Not registered"), a.awaitMessage(ServerError.class, WAIT));
      register(a, unique("lonely"), "1");
      a.callRequest(unique("nobody")).get(5, TimeUnit.SECONDS);
      assertEquals(new ServerError("User not found or offline"), a.awaitMessage(ServerError.class, WAIT));
    }
  }

  @Test
  void aWholeCallRelaysOfferAnswerAndCandidatesWithTheirDataIntactThenEnds() throws Exception {
    try (Two t = Two.registered(Limits.DEFAULT)) {
      CallSignalingClient a = t.a();
      CallSignalingClient b = t.b();
      String ann = t.ann();
      String ben = t.ben();
      assertEquals(new IncomingCall(ann, "ann-id"), t.callAndAccept());

      JsonObject offer = new JsonObject()
          .put("type", "offer")
          .put("sdp", "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=\"quoted\" \\ é 漢 😀\r\n")
          .put("nested", new JsonObject().put("list", new JsonArray().add(1).add("two").add(true).addNull()))
          .put("count", 3)
          .put("ratio", 0.25)
          .put("big", new BigInteger("123456789012345678901234567890"))
          .put("flag", false)
          .putNull("nothing");
      a.offer(ben, offer).get(5, TimeUnit.SECONDS);
      Relay gotOffer = b.awaitMessage(Relay.class, WAIT);
      assertEquals(RelayKind.OFFER, gotOffer.kind());
      assertEquals(ann, gotOffer.fromUsername());
      JsonObject data = (JsonObject) gotOffer.data();
      assertEquals(offer.fieldNames(), data.fieldNames());
      for (String field : offer.fieldNames()) {
        assertEquals(offer.getValue(field), data.getValue(field), field);
      }
      assertEquals(List.of("type", "sdp", "nested", "count", "ratio", "big", "flag", "nothing"), List.copyOf(data.fieldNames()),
          "key order kept");

      JsonObject answer = new JsonObject().put("type", "answer").put("sdp", "v=0\r\nanswer\r\n");
      b.answer(ann, answer).get(5, TimeUnit.SECONDS);
      assertEquals(new Relay(RelayKind.ANSWER, ben, answer), a.awaitMessage(Relay.class, WAIT));

      JsonObject candidate = new JsonObject().put("candidate", "candidate:1 1 udp 2122260223 192.0.2.7 54400 typ host")
          .put("sdpMid", "0").put("sdpMLineIndex", 0);
      a.iceCandidate(ben, candidate).get(5, TimeUnit.SECONDS);
      b.iceCandidate(ann, new JsonArray().add("not an object")).get(5, TimeUnit.SECONDS);
      a.iceCandidate(ben, null).get(5, TimeUnit.SECONDS);
      assertEquals(new Relay(RelayKind.ICE_CANDIDATE, ann, candidate), b.awaitMessage(Relay.class, WAIT));
      assertEquals(new Relay(RelayKind.ICE_CANDIDATE, ben, new JsonArray().add("not an object")), a.awaitMessage(Relay.class, WAIT));
      assertEquals(new Relay(RelayKind.ICE_CANDIDATE, ann, null), b.awaitMessage(Relay.class, WAIT), "null data stays null");

      a.endCall(ben).get(5, TimeUnit.SECONDS);
      assertEquals(new CallEnded(ann), b.awaitMessage(CallEnded.class, WAIT));
    }
  }

  @Test
  void aRejectedCallerHearsWhoRejected() throws Exception {
    try (Two t = Two.registered(Limits.DEFAULT)) {
      t.a().callRequest(t.ben()).get(5, TimeUnit.SECONDS);
      t.b().awaitMessage(IncomingCall.class, WAIT);
      t.b().rejectCall(t.ann()).get(5, TimeUnit.SECONDS);
      assertEquals(new CallRejected(t.ben()), t.a().awaitMessage(CallRejected.class, WAIT));
    }
  }

  @Test
  void whenThePartnerDisconnectsTheOtherSideGetsCallEndedAndANewOnlineList() throws Exception {
    try (Two t = Two.registered(Limits.DEFAULT)) {
      t.callAndAccept();
      t.b().close();
      assertEquals(java.net.http.WebSocket.NORMAL_CLOSURE, t.b().closed().get(5, TimeUnit.SECONDS).code());
      ExecutionException afterClose = assertThrows(ExecutionException.class, () -> t.b().offer(t.ann(), null).get(5, TimeUnit.SECONDS));
      assertInstanceOf(CallSignalingException.class, afterClose.getCause());

      assertEquals(new CallEnded(t.ben()), t.a().awaitMessage(CallEnded.class, WAIT));
      t.a().awaitMessage(OnlineUsers.class, u -> u.contains(t.ann()) && !u.contains(t.ben()), WAIT);
    }
  }

  @Test
  void aMessageLargerThanOneReadArrivesWhole() throws Exception {
    try (Two t = Two.registered(Limits.DEFAULT)) {
      StringBuilder sdp = new StringBuilder();
      for (int i = 0; sdp.length() < 600_000; i++) {
        sdp.append("a=candidate-line-").append(i).append(" é\r\n");
      }
      JsonObject offer = new JsonObject().put("type", "offer").put("sdp", sdp.toString());
      t.a().offer(t.ben(), offer).get(5, TimeUnit.SECONDS);
      Relay got = t.b().awaitMessage(Relay.class, WAIT);
      assertEquals(sdp.toString(), ((JsonObject) got.data()).getString("sdp"));
    }
  }

  @Test
  void aMessageBeyondTheClientsLimitClosesItsConnectionWithTheReason() throws Exception {
    try (Two t = Two.registered(new Limits(16, 4096, 16))) {
      t.a().offer(t.ben(), new JsonObject().put("sdp", "x".repeat(10_000))).get(5, TimeUnit.SECONDS);
      Closed closed = t.b().awaitMessage(Closed.class, WAIT);
      assertEquals(1009, closed.code());
      assertTrue(closed.reason().contains("4096"), closed.reason());
      assertEquals(closed, t.b().closed().getNow(null));
      t.a().awaitMessage(OnlineUsers.class, u -> !u.contains(t.ben()), WAIT);
    }
  }

  @Test
  void aSlowReaderWithATinyQueueLosesNothingAndKeepsTheOrder() throws Exception {
    try (Two t = Two.registered(new Limits(4, 1 << 20, 64))) {
      CallSignalingClient a = t.a();
      CallSignalingClient b = t.b();
      String ben = t.ben();
      int count = 60;
      CompletableFuture<?>[] sends = new CompletableFuture<?>[count];
      for (int i = 0; i < count; i++) {
        sends[i] = a.offer(ben, new JsonObject().put("seq", i));
      }
      CompletableFuture.allOf(sends).get(5, TimeUnit.SECONDS);
      for (int i = 0; i < count; i++) {
        Relay r = b.awaitMessage(Relay.class, WAIT);
        assertEquals(i, ((JsonObject) r.data()).getInteger("seq"));
      }
    }
  }

  @Test
  void sendsToAPeerThatStoppedReadingFailOnceThePendingLimitIsReached() throws Exception {
    try (StalledWebSocketServer stalled = new StalledWebSocketServer();
         CallSignalingClient a = CallSignalingClient.connect(stalled.uri(), WAIT, new Limits(16, 1 << 20, 4))) {
      String megabyte = "x".repeat(1 << 20);
      List<CompletableFuture<Void>> sends = new java.util.ArrayList<>();
      CompletableFuture<Void> refused = null;
      // the socket buffers take some megabytes before sends stay pending; 200 MB is far beyond any of them
      for (int i = 0; i < 200 && refused == null; i++) {
        CompletableFuture<Void> s = a.offer("peer", megabyte);
        if (s.isCompletedExceptionally()) {
          refused = s;
        } else {
          sends.add(s);
        }
      }
      assertTrue(refused != null, "a send was refused");
      ExecutionException e = assertThrows(ExecutionException.class, refused::get);
      assertEquals("more than 4 messages are waiting to be sent", e.getCause().getMessage());
      assertEquals(4, sends.stream().filter(f -> !f.isDone()).count(), "exactly the limit is pending");
      stalled.close();
      assertEquals(1006, a.closed().get(5, TimeUnit.SECONDS).code(), "a peer that goes away ends the connection");
    }
  }

  @Test
  void withAJwtSecretRegisterNeedsATokenWhoseSubjectIsTheName(@TempDir Path authDir) throws Exception {
    String secret = "client-test-secret-client-test-secret";
    RendezvousNode authed = LoopbackNode.start(authDir, new JsonObject().put("jwtSecret", secret));
    try (CallSignalingClient a = CallSignalingClient.connect(LoopbackNode.webSocket(authed))) {
      JWTAuth issuer = JWTAuth.create(authed.vertx(), new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
      String forAnn = issuer.generateToken(new JsonObject().put("sub", "jwt-ann"), new JWTOptions().setExpiresInSeconds(60));
      assertUnauthorized(a.register("jwt-ann", "1"), "no token");
      assertUnauthorized(a.register("jwt-ann", "1", "not-a-jwt"), "not a JWT");
      assertUnauthorized(a.register("jwt-ben", "1", forAnn), "another name's token");
      assertTrue(a.register("jwt-ann", "1", forAnn).get(5, TimeUnit.SECONDS).contains("jwt-ann"));
    } finally {
      LoopbackNode.stop(authed);
    }
  }

  private static void assertUnauthorized(CompletableFuture<OnlineUsers> register, String why) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> register.get(5, TimeUnit.SECONDS), why);
    assertEquals("Unauthorized", ((CallSignalingException) e.getCause()).serverMessage(), why);
  }

  @Test
  void connectingWhereNoServerListensFailsWithAClearReason() throws Exception {
    URI nowhere = URI.create("ws://127.0.0.1:" + FreePorts.tcp() + "/");
    CallSignalingException e = assertThrows(CallSignalingException.class, () -> CallSignalingClient.connect(nowhere));
    assertTrue(e.getMessage().startsWith("cannot open a WebSocket to " + nowhere), e.getMessage());
    assertNull(e.serverMessage());
    CallSignalingException notWs = assertThrows(CallSignalingException.class,
        () -> CallSignalingClient.connect(URI.create("http://127.0.0.1:" + node.port("ws") + "/")));
    assertTrue(notWs.getMessage().startsWith("not a WebSocket URI"), notWs.getMessage());
  }

  @Test
  void serverTextThatIsNotAnS3MessageIsUnrecognisedNotAnException() {
    for (String text : List.of("not json", "[1, 2]", "{\"type\": \"party\"}", "{\"no\": \"type\"}",
        "{\"type\": \"call_ended\", \"from_username\": 5}", "{\"type\": \"online_users\", \"users\": \"nobody\"}")) {
      assertEquals(new Unrecognised(text), CallSignalingMessage.parse(text), text);
    }
    assertEquals(new CallEnded("ann"), CallSignalingMessage.parse("{\"type\": \"call_ended\", \"from_username\": \"ann\"}"));
  }
}
