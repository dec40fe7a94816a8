package org.rendezvous.node;

import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** S0 STUN-lite over real UDP against a running node (SPEC S0). */
class StunLiteTest {

  @TempDir
  Path dir;

  private RendezvousNode node;

  @AfterEach
  void stop() throws Exception {
    NodeFixture.stop(node);
  }

  private int start(JsonObject udpOverrides) throws Exception {
    JsonObject cfg = NodeFixture.singleNode(dir);
    cfg.getJsonObject("udp").mergeIn(udpOverrides);
    node = NodeFixture.start(cfg);
    return node.port("udp");
  }

  private long metric(String name, String... labels) {
    return Metrics.of(node.vertx()).value(name, labels);
  }

  /** LIST until every name is present (heartbeats are fire-and-forget), returning the reply. */
  private static String listContaining(UdpClient c, String... names) throws Exception {
    return Poll.until(5_000, "LIST with " + Arrays.toString(names), () -> {
      String reply = c.requestText("LIST");
      for (String n : names) {
        if (!reply.contains(n + ",")) {
          return null;
        }
      }
      return reply;
    });
  }

  @Test
  void heartbeatsThenListGiveTheExactCsvMostRecentFirstTiesInRegistrationOrder() throws Exception {
    int port = start(new JsonObject());
    try (UdpClient alice = new UdpClient(port); UdpClient bob = new UdpClient(port); UdpClient asker = new UdpClient(port)) {
      alice.send("alice");
      bob.send("  bob\n");
      String reply = listContaining(asker, "alice", "bob");
      String[] lines = reply.split("\n", -1);
      assertEquals(2, lines.length, reply);
      long agoAlice = Long.parseLong(lineOf(lines, "alice").split(",")[3]);
      long agoBob = Long.parseLong(lineOf(lines, "bob").split(",")[3]);
      assertTrue(agoAlice <= 1 && agoBob <= 1, reply);
      String a = "alice,127.0.0.1," + alice.localPort() + "," + agoAlice;
      String b = "bob,127.0.0.1," + bob.localPort() + "," + agoBob;
      // Registration order breaks the tie; a later second puts bob first.
      String expected = agoAlice == agoBob ? a + "\n" + b : agoBob < agoAlice ? b + "\n" + a : a + "\n" + b;
      assertEquals(expected, reply);
      assertFalse(reply.endsWith("\n"));
    }
  }

  private static String lineOf(String[] lines, String name) {
    for (String l : lines) {
      if (l.startsWith(name + ",")) {
        return l;
      }
    }
    throw new AssertionError(name + " not in " + String.join("|", lines));
  }

  @Test
  void emptyRegistryAnswersAnEmptyDatagramAndListDoesNotRegisterTheSender() throws Exception {
    int port = start(new JsonObject());
    try (UdpClient c = new UdpClient(port)) {
      assertEquals(0, c.request("LIST".getBytes(StandardCharsets.US_ASCII)).length);
      assertEquals(0, c.request(" list\r\n".getBytes(StandardCharsets.US_ASCII)).length);
      assertEquals(0, metric("rendezvous_s0_users"));
    }
  }

  @Test
  void aHeartbeatIsNotAnswered() throws Exception {
    int port = start(new JsonObject());
    try (UdpClient c = new UdpClient(port)) {
      c.send("carol");
      listContaining(c, "carol"); // the heartbeat has been handled by now...
      assertNull(c.receive(300), "...and nothing but the LIST reply came back");
    }
  }

  @Test
  void invalidNamesAreNotStoredAndAreCounted() throws Exception {
    int port = start(new JsonObject());
    try (UdpClient c = new UdpClient(port)) {
      List<byte[]> bad = new ArrayList<>();
      for (String s : new String[] {"", "   ", "a,b", "two\nlines", "ctl\u0001x", "x".repeat(65)}) {
        bad.add(s.getBytes(StandardCharsets.UTF_8));
      }
      byte[] oversize = new byte[3_000];
      Arrays.fill(oversize, (byte) 'z');
      bad.add(oversize);
      for (byte[] b : bad) {
        c.send(b);
      }
      c.send("y".repeat(64));
      c.send("ok\u00e9");
      String reply = listContaining(c, "y".repeat(64), "ok\u00e9");
      assertEquals(2, reply.split("\n").length, reply);
      assertEquals(bad.size(), metric("rendezvous_s0_dropped_total", "reason", "invalid_name"));
      assertEquals(1, metric("rendezvous_s0_oversize_total"));
    }
  }

  @Test
  void nonUtf8BytesAreDroppedFromTheName() throws Exception {
    int port = start(new JsonObject());
    try (UdpClient c = new UdpClient(port)) {
      c.send(new byte[] {'d', (byte) 0xff, 'a', (byte) 0xfe, 'n'});
      String reply = listContaining(c, "dan");
      assertEquals("dan,127.0.0.1," + c.localPort() + ",", reply.substring(0, reply.lastIndexOf(',') + 1));
    }
  }

  @Test
  void replyHoldsTheMostRecentUsersThatFitInOneDatagram() throws Exception {
    int port = start(new JsonObject().put("listMaxBytes", 120));
    try (UdpClient c = new UdpClient(port)) {
      for (int i = 0; i < 10; i++) {
        c.send("user" + i);
      }
      // Wait until all ten are registered, then check the reply is cut to fit 120 bytes.
      Poll.until(5_000, "ten users", () -> metric("rendezvous_s0_users") == 10 ? true : null);
      byte[] reply = c.request("LIST".getBytes(StandardCharsets.US_ASCII));
      assertTrue(reply.length <= 120, "reply is " + reply.length + " bytes");
      String text = new String(reply, StandardCharsets.UTF_8);
      String[] lines = text.split("\n");
      String oneLine = lines[0];
      assertTrue(reply.length + oneLine.length() + 1 > 120, "one more line would not have fit: " + text);
      assertTrue(lines.length >= 3 && lines.length < 10, text);
    }
  }

  @Test
  void aFullSizeRegistryStillAnswersInOneDatagramOfAtMost65507Bytes() throws Exception {
    // 1,200 heartbeats from one address in a blink: far over the per-source rate limit, which is lifted here.
    int port = start(new JsonObject().put("rateLimitPerSecond", 1_000_000).put("rateLimitBurst", 1_000_000));
    try (UdpClient c = new UdpClient(port)) {
      String pad = "n".repeat(56);
      for (int i = 0; i < 1_200; i++) {
        c.send(pad + String.format("%04d", i));
        if (i % 200 == 199) {
          int expected = i + 1;
          Poll.until(5_000, expected + " users", () -> metric("rendezvous_s0_users") >= expected ? true : null);
        }
      }
      byte[] reply = c.request("LIST".getBytes(StandardCharsets.US_ASCII));
      assertTrue(reply.length <= 65_507, "reply is " + reply.length + " bytes");
      assertTrue(reply.length > 60_000, "the reply is filled, not empty: " + reply.length);
      assertFalse(new String(reply, StandardCharsets.UTF_8).endsWith("\n"));
    }
  }

  @Test
  void replyBytesPerDestinationAreCappedByTheBudget() throws Exception {
    int budget = 400;
    int port = start(new JsonObject().put("replyBudgetBytesPerSecond", budget));
    try (UdpClient c = new UdpClient(port)) {
      c.send("somebody-with-a-name");
      String first = listContaining(c, "somebody-with-a-name");
      long start = System.nanoTime();
      int replyCost = first.length() + 28;
      int received = 1;
      for (int i = 0; i < 20; i++) {
        c.send("LIST");
      }
      Poll.until(5_000, "20 LISTs handled", () ->
          metric("rendezvous_s0_lists_total", "result", "sent") + metric("rendezvous_s0_lists_total", "result", "over_budget")
              >= 21 ? true : null);
      while (c.receive(200) != null) {
        received++;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(received * replyCost <= budget + budget * seconds + 1,
          received + " replies of " + replyCost + " bytes in " + seconds + " s exceed a budget of " + budget + " B/s");
      assertTrue(metric("rendezvous_s0_lists_total", "result", "over_budget") >= 10);
    }
  }

  @Test
  void usersSilentLongerThanTheRetentionAreRemoved() throws Exception {
    JsonObject cfg = NodeFixture.singleNode(dir);
    cfg.getJsonObject("registry").put("userRetentionSeconds", 1);
    node = NodeFixture.start(cfg);
    try (UdpClient c = new UdpClient(node.port("udp"))) {
      c.send("short-lived");
      listContaining(c, "short-lived");
      // Retention is 1 s past the last heartbeat; the sweep runs every second.
      Poll.until(10_000, "user expired", () -> c.requestText("LIST").isEmpty() ? true : null);
      assertEquals(0, metric("rendezvous_s0_users"));
    }
  }
}
