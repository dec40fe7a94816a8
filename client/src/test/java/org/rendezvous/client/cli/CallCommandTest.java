package org.rendezvous.client.cli;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.client.CallSignalingClient;
import org.rendezvous.client.CallSignalingMessage.CallAccepted;
import org.rendezvous.client.CallSignalingMessage.CallEnded;
import org.rendezvous.client.CallSignalingMessage.IncomingCall;
import org.rendezvous.client.CallSignalingMessage.OnlineUsers;
import org.rendezvous.client.CallSignalingMessage.Relay;
import org.rendezvous.client.CallSignalingMessage.RelayKind;
import org.rendezvous.client.LoopbackNode;
import org.rendezvous.node.RendezvousNode;
import org.rendezvous.testkit.Poll;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rendezvous call} against a real node that checks JWTs, the other side of each call being
 * the SDK client: exit codes, what is printed, and what goes over the wire.
 */
class CallCommandTest {

  private static final String SECRET = "cli-test-secret-cli-test-secret-0123";
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  static Path dir;

  private static RendezvousNode node;
  private static URI ws;
  private static JWTAuth issuer;

  @BeforeAll
  static void start() throws Exception {
    node = LoopbackNode.start(dir, new JsonObject().put("jwtSecret", SECRET));
    ws = LoopbackNode.webSocket(node);
    issuer = JWTAuth.create(node.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
  }

  @AfterAll
  static void stop() throws Exception {
    LoopbackNode.stop(node);
  }

  private static String token(String username) {
    return issuer.generateToken(new JsonObject().put("sub", username), new JWTOptions().setExpiresInSeconds(300));
  }

  /** One run of the CLI in the background, with its stdin and what it prints. */
  private record Run(CompletableFuture<Integer> exit, StringWriter out, StringWriter err) {
    String printed() {
      return out + "\n--- stderr ---\n" + err;
    }
  }

  private static Run cli(InputStream stdin, String... args) {
    CommandLine cli = RendezvousCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    ((CallCommand) cli.getSubcommands().get("call").getCommand()).input = stdin;
    return new Run(CompletableFuture.supplyAsync(() -> cli.execute(args)), out, err);
  }

  private static InputStream lines(String... lines) {
    return new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theCallerSendsItsLinesAsOffersPrintsTheAnswerAndEndsWhenThePeerHangsUp() throws Exception {
    try (CallSignalingClient ben = CallSignalingClient.connect(ws)) {
      ben.register("cli-ben", "ben-1", token("cli-ben")).get(5, TimeUnit.SECONDS);
      Run ann = cli(lines("caller-sdp-1", "caller-sdp-2"),
          "call", ws.toString(), "--username", "cli-ann", "--token", token("cli-ann"), "--call", "cli-ben",
          "--timeout", "20s", "--linger", "60s");

      assertEquals("cli-ann", ben.awaitMessage(IncomingCall.class, WAIT).callerUsername());
      ben.acceptCall("cli-ann").get(5, TimeUnit.SECONDS);
      for (String sdp : new String[] {"caller-sdp-1", "caller-sdp-2"}) {
        Relay offer = ben.awaitMessage(Relay.class, WAIT);
        assertEquals(RelayKind.OFFER, offer.kind());
        assertEquals("cli-ann", offer.fromUsername());
        assertEquals(new JsonObject().put("type", "offer").put("sdp", sdp), offer.data());
      }
      ben.answer("cli-ann", new JsonObject().put("type", "answer").put("sdp", "callee-sdp")).get(5, TimeUnit.SECONDS);
      ben.endCall("cli-ann").get(5, TimeUnit.SECONDS);

      // the linger is a minute: ending well within the wait proves the peer's call_ended ended it
      assertEquals(RendezvousCli.OK, ann.exit().get(15, TimeUnit.SECONDS), ann.printed());
      String out = ann.out().toString();
      assertTrue(out.contains("in a call with cli-ben after "), ann.printed());
      assertTrue(out.contains("answer from cli-ben: callee-sdp"), ann.printed());
      assertTrue(out.contains("peer left: cli-ben ended the call"), ann.printed());
      assertTrue(out.contains("call with cli-ben over after "), ann.printed());
      assertTrue(ann.err().toString().contains("online (2): cli-ben, cli-ann"), ann.printed());
      assertTrue(ann.err().toString().contains("calling cli-ben ..."), ann.printed());
    }
  }

  @Test
  void theCalleeAcceptsAnswersWithItsLinesAndHangsUpWhenItsInputEnds() throws Exception {
    PipedOutputStream typing = new PipedOutputStream();
    PipedInputStream stdin = new PipedInputStream(typing);
    Run bob = cli(stdin, "call", ws.toString(), "--username", "cli-bob", "--token", token("cli-bob"),
        "--timeout", "20s", "--linger", "0s");
    try (CallSignalingClient amy = CallSignalingClient.connect(ws)) {
      amy.register("cli-amy", "amy-1", token("cli-amy")).get(5, TimeUnit.SECONDS);
      amy.awaitMessage(OnlineUsers.class, u -> u.contains("cli-bob"), WAIT);
      amy.callRequest("cli-bob").get(5, TimeUnit.SECONDS);
      assertEquals(new CallAccepted("cli-bob"), amy.awaitMessage(CallAccepted.class, WAIT));
      amy.offer("cli-bob", new JsonObject().put("type", "offer").put("sdp", "caller-sdp")).get(5, TimeUnit.SECONDS);
      Poll.until(10_000, "the offer printed", () -> bob.out().toString().contains("offer from cli-amy: caller-sdp") ? true : null);

      typing.write("callee-sdp\n".getBytes(StandardCharsets.UTF_8));
      typing.flush();
      Relay answer = amy.awaitMessage(Relay.class, WAIT);
      assertEquals(new Relay(RelayKind.ANSWER, "cli-bob", new JsonObject().put("type", "answer").put("sdp", "callee-sdp")), answer);
      typing.close();
      assertEquals(new CallEnded("cli-bob"), amy.awaitMessage(CallEnded.class, WAIT), "end of input hangs up");
      assertEquals(RendezvousCli.OK, bob.exit().get(10, TimeUnit.SECONDS), bob.printed());
      assertTrue(bob.err().toString().contains("incoming call from cli-amy; accepting"), bob.printed());
      assertTrue(bob.out().toString().contains("call with cli-amy over after "), bob.printed());
    }
  }

  @Test
  void aTokenForAnotherNameIsRefusedWithTheServersReason() throws Exception {
    Run run = cli(lines(), "call", ws.toString(), "--username", "cli-eve", "--token", token("cli-someone-else"));
    assertEquals(RendezvousCli.ERROR, run.exit().get(15, TimeUnit.SECONDS), run.printed());
    assertEquals("registration refused: Unauthorized", run.out().toString().strip(), run.printed());
  }

  @Test
  void aCalleeThatGoesOfflineBeforeAnsweringEndsTheWait() throws Exception {
    Run run;
    try (CallSignalingClient gone = CallSignalingClient.connect(ws)) {
      gone.register("cli-gone", "g-1", token("cli-gone")).get(5, TimeUnit.SECONDS);
      run = cli(lines(), "call", ws.toString(), "--username", "cli-waiter", "--token", token("cli-waiter"),
          "--call", "cli-gone", "--timeout", "60s");
      assertEquals("cli-waiter", gone.awaitMessage(IncomingCall.class, WAIT).callerUsername());
    } // it leaves without answering
    // the timeout is a minute: ending well within it proves the new online list ended the wait
    assertEquals(RendezvousCli.ERROR, run.exit().get(15, TimeUnit.SECONDS), run.printed());
    assertEquals("cli-gone went offline before answering", run.out().toString().strip(), run.printed());
  }

  @Test
  void callingSomebodyWhoNeverComesOnlineGivesUpAfterTheTimeout() throws Exception {
    Run run = cli(lines(), "call", ws.toString(), "--username", "cli-caller", "--token", token("cli-caller"),
        "--call", "cli-ghost", "--timeout", "1s");
    assertEquals(RendezvousCli.ERROR, run.exit().get(15, TimeUnit.SECONDS), run.printed());
    assertEquals("cli-ghost did not come online within 1 s", run.out().toString().strip(), run.printed());
    assertTrue(run.err().toString().contains("waiting for cli-ghost to come online ..."), run.printed());
  }

  @Test
  void serverArgumentsBecomeWebSocketAddresses() {
    assertEquals(URI.create("ws://example.org:8765/"), Endpoints.webSocket("example.org", 8765));
    assertEquals(URI.create("ws://example.org:9000/"), Endpoints.webSocket("example.org:9000", 8765));
    assertEquals(URI.create("ws://[::1]:8765/"), Endpoints.webSocket("[::1]", 8765));
    assertEquals(URI.create("ws://[::1]:9000/"), Endpoints.webSocket("[::1]:9000", 8765));
    assertEquals(URI.create("wss://example.org/signal"), Endpoints.webSocket("https://example.org/signal", 8765));
    assertEquals(URI.create("ws://example.org:8765/"), Endpoints.webSocket("http://example.org:8765/", 8765));
    assertEquals(URI.create("ws://example.org:8765"), Endpoints.webSocket("ws://example.org:8765", 8765));
  }
}
