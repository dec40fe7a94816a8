package org.rendezvous.udp.lobby;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.Poll;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** S4 over real UDP on one node (not clustered): the wire bytes, the timers, bad input. */
class LobbyUdpTest {

  private static final String NON_EXISTENT = "error:session_non_existent";

  /** Spec timers. */
  private static Vertx node;
  private static int port;
  /** A 1 s player timeout, so a real timeout happens within the test. */
  private static Vertx quick;
  private static int quickPort;

  @BeforeAll
  static void deploy() throws Exception {
    // Every client here is 127.0.0.1 and the bad-input test sends thousands of datagrams: the per-source
    // limit is lifted (LobbyRateLimitTest tests it).
    JsonObject unlimited = new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("rateLimitPerSecond", 1_000_000).put("rateLimitBurst", 1_000_000);
    node = Vertx.vertx();
    port = deploy(node, unlimited.copy());
    quick = Vertx.vertx();
    quickPort = deploy(quick, unlimited.copy().put("playerTimeoutMs", 1_000));
  }

  static int deploy(Vertx vertx, JsonObject lobby) throws Exception {
    vertx.deployVerticle(new LobbyVerticle(), new DeploymentOptions()
            .setConfig(new JsonObject().put("nodeId", "solo").put("lobby", lobby)))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return BoundPorts.of(vertx, LobbyVerticle.LISTENER);
  }

  @AfterAll
  static void close() throws Exception {
    for (Vertx v : new Vertx[] {node, quick}) {
      if (v != null) {
        v.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static long metric(Vertx vertx, String name, String... labels) {
    return Metrics.of(vertx).value(name, labels);
  }

  /** Waits until this node owns no session (the previous test's sessions are gone). */
  private static void awaitNoSessions(Vertx vertx) throws Exception {
    Poll.until(5_000, "no sessions left", () -> metric(vertx, "rendezvous_lobby_sessions") == 0 ? true : null);
  }

  @Test
  void eachSessionHoldsItsNameWithItsOwnValue() throws Exception {
    try (LobbyTestClient one = new LobbyTestClient(); LobbyTestClient two = new LobbyTestClient()) {
      assertEquals("i:A", one.request(port, "h:HoldA:A:2"));
      assertEquals("i:B", two.request(port, "h:HoldB:B:2"));
      Map<String, String> holds = node.sharedData().<String, String>getAsyncMap(LobbyBus.NAMES_MAP)
          .compose(m -> m.entries()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      String a = holds.get("HoldA");
      String b = holds.get("HoldB");
      assertEquals(LobbyVerticle.ownerOf(a), LobbyVerticle.ownerOf(b), "one node holds both");
      assertTrue(!a.equals(b), "but each session with its own value, so freeing one can never free the other: " + a + " " + b);
      assertEquals("node-x", LobbyVerticle.ownerOf("node-x#12"));
      assertEquals("node-y", LobbyVerticle.ownerOf("node-y"), "a value without a number (an older node's) is its node");
      one.send(port, "x:HoldA:A");
      two.send(port, "x:HoldB:B");
    }
  }

  @Test
  void aHostAndTwoClientsGoFromHostingToTheStartMessagesByteForByte() throws Exception {
    long startsBefore = metric(node, "rendezvous_lobby_starts_total");
    long timedBefore = metric(node, "rendezvous_lobby_request_latency_microseconds_count", "owner", "here");
    try (LobbyTestClient host = new LobbyTestClient(); LobbyTestClient bob = new LobbyTestClient();
         LobbyTestClient cat = new LobbyTestClient()) {
      assertEquals("i:Host", host.request(port, "h:Game:Host:3:pw"));
      assertEquals("i:Host", host.request(port, "h:Game:Host:3:pw"), "a retransmitted h");

      assertEquals("i:Host:Bob", bob.request(port, "c:Game:Bob:pw\n"));
      assertEquals("i:Host:Bob", host.next(port), "the join is broadcast");

      assertEquals("i:Host:Bob:Cat", cat.request(port, "c:Game:Cat:pw"));
      assertEquals("i:Host:Bob:Cat", host.next(port));
      assertEquals("i:Host:Bob:Cat", bob.next(port));
      assertEquals(1, metric(node, "rendezvous_lobby_sessions"));
      assertEquals(3, metric(node, "rendezvous_lobby_players"));

      assertEquals("i:Host:Bob:Cat", bob.request(port, "p:Game:Bob"));
      // the retransmitted h, two joins and this ping were each handled by the session here
      Poll.until(5_000, "their latencies observed", () -> metric(node, "rendezvous_lobby_request_latency_microseconds_count",
          "owner", "here") - timedBefore >= 4 ? true : null);
      assertEquals("error:session_full", bob.request(port, "c:Game:Dan:pw"));
      assertEquals("error:non_host_player", bob.request(port, "s:Game:Bob"));

      host.send(port, "s:Game:Host");
      String toHost = "s:" + host.port() + ":Bob:" + bob.address() + ";Cat:" + cat.address();
      String toBob = "s:" + bob.port() + ":Host:" + host.address() + ";Cat:" + cat.address();
      String toCat = "s:" + cat.port() + ":Host:" + host.address() + ";Bob:" + bob.address();
      assertEquals(toHost, host.next(port));
      assertEquals(toBob, bob.next(port));
      assertEquals(toCat, cat.next(port));

      // Bob and Cat confirm; the host does not (as the Godot client): it gets every one of the 8 rounds.
      bob.send(port, "y:Game:Bob");
      cat.send(port, "y:Game:Cat");
      int rounds = 1;
      // Bounded: rounds that never stop end the loop one past the spec's count, and fail the assert below.
      for (LobbyTestClient.Received r = host.receive(1_000); r != null && rounds <= LobbySession.START_ROUNDS;
           r = host.receive(1_000)) {
        assertEquals(new LobbyTestClient.Received(toHost, port), r);
        rounds++;
      }
      assertEquals(LobbySession.START_ROUNDS, rounds);
      assertEquals(NON_EXISTENT, host.request(port, "p:Game:Host"), "deleted after its rounds");
      drainStartRounds(bob, toBob);
      drainStartRounds(cat, toCat);
    }
    assertEquals(startsBefore + 1, metric(node, "rendezvous_lobby_starts_total"));
    awaitNoSessions(node);
    assertEquals(0, metric(node, "rendezvous_lobby_players"));
  }

  /** Start messages sent before the confirmation arrived (fewer than the rounds of an unconfirmed player), then nothing. */
  private static void drainStartRounds(LobbyTestClient c, String expected) throws Exception {
    int received = 0;
    for (LobbyTestClient.Received r = c.receive(200); r != null; r = c.receive(200)) {
      assertEquals(expected, r.text());
      assertTrue(++received < LobbySession.START_ROUNDS, "a confirmed player's start messages stop");
    }
  }

  @Test
  void everyRequestForAMissingSessionIsToldItDoesNotExist() throws Exception {
    try (LobbyTestClient c = new LobbyTestClient()) {
      for (String req : new String[] {"c:Nowhere:Bob", "c:Nowhere:Bob:pw", "p:Nowhere:Bob", "k:Nowhere:Bob",
          "x:Nowhere:Bob", "s:Nowhere:Bob", "y:Nowhere:Bob"}) {
        assertEquals(NON_EXISTENT, c.request(port, req), req);
      }
    }
  }

  @Test
  void hostsRacingForOneNameGetOneSessionAndTheOthersAreToldItExists() throws Exception {
    List<LobbyTestClient> hosts = new ArrayList<>();
    try {
      for (int i = 0; i < 12; i++) {
        hosts.add(new LobbyTestClient());
      }
      for (int i = 0; i < hosts.size(); i++) {
        hosts.get(i).send(port, "h:Race:P" + i + ":4");
      }
      int winners = 0;
      String winner = null;
      for (int i = 0; i < hosts.size(); i++) {
        String reply = hosts.get(i).next(port);
        if (reply.equals("i:P" + i)) {
          winners++;
          winner = "P" + i;
        } else {
          assertEquals("error:session_exists", reply);
        }
      }
      assertEquals(1, winners);
      LobbyTestClient w = hosts.get(Integer.parseInt(winner.substring(1)));
      assertEquals("error:player_exited_session", w.request(port, "x:Race:" + winner));
    } finally {
      hosts.forEach(LobbyTestClient::close);
    }
  }

  @Test
  void aDeletedSessionsNameCanBeHostedAgain() throws Exception {
    try (LobbyTestClient first = new LobbyTestClient(); LobbyTestClient second = new LobbyTestClient()) {
      assertEquals("i:One", first.request(port, "h:Reuse:One:2"));
      assertEquals("error:session_exists", second.request(port, "h:Reuse:Two:2"));
      assertEquals("error:kicked_by_host", first.request(port, "k:Reuse:One"));
      assertEquals("i:Two", Poll.until(5_000, "name free again", () -> {
        String r = second.request(port, "h:Reuse:Two:2");
        return r.startsWith("i:") ? r : null;
      }));
      assertEquals("error:player_exited_session", second.request(port, "x:Reuse:Two"));
    }
  }

  @Test
  void aSilentPlayerIsToldThreeTimesAndTheOthersGetTheNewList() throws Exception {
    long timeouts = metric(quick, "rendezvous_lobby_timeouts_total", "kind", "player");
    try (LobbyTestClient host = new LobbyTestClient(); LobbyTestClient bob = new LobbyTestClient()) {
      assertEquals("i:Host", host.request(quickPort, "h:Quiet:Host:2"));
      assertEquals("i:Host:Bob", bob.request(quickPort, "c:Quiet:Bob"));
      assertEquals("i:Host:Bob", host.next(quickPort));
      // The host keeps pinging, at most 100 ms apart (well inside 1 s); Bob says nothing more.
      int[] pings = {0};
      assertEquals("error:player_timeout", Poll.until(5_000, "Bob timed out", () -> {
        host.send(quickPort, "p:Quiet:Host");
        pings[0]++;
        LobbyTestClient.Received r = bob.receive(100);
        return r == null ? null : r.text();
      }));
      for (int i = 1; i < LobbySession.TIMEOUT_NOTICES; i++) {
        assertEquals("error:player_timeout", bob.next(quickPort));
      }
      // The host got one answer per ping, and one more: the new list when Bob was removed.
      host.send(quickPort, "x:Quiet:Host");
      List<String> lists = new ArrayList<>();
      for (String r = host.next(quickPort); !r.equals("error:player_exited_session"); r = host.next(quickPort)) {
        lists.add(r);
      }
      assertEquals(pings[0] + 1, lists.size(), lists.toString());
      assertEquals("i:Host", lists.get(lists.size() - 1));
      assertTrue(lists.stream().allMatch(l -> l.equals("i:Host") || l.equals("i:Host:Bob")), lists.toString());
      assertNull(bob.receive(300), "three notices, no more");
    }
    assertEquals(timeouts + 1, metric(quick, "rendezvous_lobby_timeouts_total", "kind", "player"));
    awaitNoSessions(quick);
  }

  @Test
  void badInputGetsTheSpecsOutcomeAndTheSocketKeepsServing() throws Exception {
    long notUtf8 = metric(node, "rendezvous_lobby_dropped_total", "reason", "not_utf8");
    long unknown = metric(node, "rendezvous_lobby_dropped_total", "reason", "unknown_type");
    long oversize = metric(node, "rendezvous_lobby_dropped_total", "reason", "oversize");
    long invalid = metric(node, "rendezvous_lobby_errors_total", "error", "invalid_request");
    try (LobbyTestClient c = new LobbyTestClient()) {
      // Each malformed form is answered error:invalid_request, in order.
      String[] malformed = {"", "\n", "hello", "h:Bad", "h:Bad:P", "h:Bad:P:1", "h:Bad:P:13", "h:Bad:P:4:", "h:Bad:P:4:pw:x",
          "h:ABCDEFGHIJK:P:4", "h:Bad:ABCDEFGHIJKLM:4", "h:Bad:P:4:ABCDEFGHIJKLM", "c:Bad", "c:Bad:P:pw:x", "p:Bad",
          "p:Bad:P:x", "k:Bad", "x:Bad:P:Q", "s:", "y:Bad:", "p:Bad:P\r\n", "p:Bad:P\n\n", "p:B\u00e4d:P", "p:Bad:P "};
      for (String m : malformed) {
        assertEquals("error:invalid_request", c.request(port, m), () -> "\"" + m + "\"");
      }
      // Ignored without a reply: unknown types, bytes that are not UTF-8, datagrams too long to be a request.
      List<byte[]> ignored = new ArrayList<>();
      for (String u : new String[] {":Bad:P", "H:Bad:P:4", "hh:Bad:P:4", "i:Host", "error:session_full", "\u00e9:x"}) {
        ignored.add(u.getBytes(StandardCharsets.UTF_8));
      }
      ignored.add(new byte[] {'p', ':', 'B', ':', (byte) 0xff});
      ignored.add(new byte[] {(byte) 0xc0, (byte) 0xba});
      ignored.add(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80, ':'});
      byte[] big = new byte[3_000];
      java.util.Arrays.fill(big, (byte) 'a');
      big[0] = 'p';
      big[1] = ':';
      ignored.add(big);
      ignored.add(java.util.Arrays.copyOf(big, 2_048));
      ignored.add(new byte[60_000]);
      for (byte[] b : ignored) {
        c.send(port, b);
      }
      assertEquals(NON_EXISTENT, c.request(port, "p:Marker:Me"), "the next reply is the marker's: the others had none");

      // Random bytes: each gets what the codec decides, nothing else, and no datagram breaks the socket.
      Random random = new Random(42);
      int expectInvalid = 0;
      int expectNotUtf8 = 0;
      int expectUnknown = 0;
      for (int i = 0; i < 2_000; i++) {
        byte[] b = new byte[random.nextInt(64)];
        random.nextBytes(b);
        switch (LobbyCodec.parse(b, 0, b.length).verdict()) {
          case INVALID_REQUEST -> expectInvalid++;
          case NOT_UTF8 -> expectNotUtf8++;
          case UNKNOWN_TYPE -> expectUnknown++;
          case COMMAND -> {
            continue; // astronomically unlikely; not sent so the expectation stays exact
          }
        }
        c.send(port, b);
        if (i % 100 == 0) {
          c.send(port, "p:Marker:Me"); // paced, so the test never overruns the receive buffers
          String r;
          while (!(r = c.next(port)).equals(NON_EXISTENT)) {
            assertEquals("error:invalid_request", r);
            expectInvalid--;
          }
        }
      }
      c.send(port, "p:Marker:Me");
      for (String r = c.next(port); !r.equals(NON_EXISTENT); r = c.next(port)) {
        assertEquals("error:invalid_request", r);
        expectInvalid--;
      }
      assertEquals(0, expectInvalid, "every datagram the codec calls invalid was answered, and no other");
      assertTrue(expectNotUtf8 > 1_000, "random bytes are mostly not UTF-8");
      assertEquals(notUtf8 + 3 + expectNotUtf8, metric(node, "rendezvous_lobby_dropped_total", "reason", "not_utf8"));
      assertEquals(unknown + 6 + expectUnknown, metric(node, "rendezvous_lobby_dropped_total", "reason", "unknown_type"));
      assertEquals(oversize + 3, metric(node, "rendezvous_lobby_dropped_total", "reason", "oversize"));
      assertTrue(metric(node, "rendezvous_lobby_errors_total", "error", "invalid_request") >= invalid + malformed.length);

      // Still serving: a whole session works after all that.
      assertEquals("i:After", c.request(port, "h:After:After:2"));
      assertEquals("error:player_exited_session", c.request(port, "x:After:After"));
    }
  }
}
