package org.rendezvous.udp.lobby;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.Poll;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** S4's per-source rate limit over real UDP: 127.0.0.x are distinct sources on one machine. */
class LobbyRateLimitTest {

  private static final int PER_SECOND = 1;
  private static final int BURST = 5;
  private static final String NON_EXISTENT = "error:session_non_existent";

  private static Vertx node;
  private static int port;

  @BeforeAll
  static void deploy() throws Exception {
    node = Vertx.vertx();
    port = LobbyUdpTest.deploy(node, new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("rateLimitPerSecond", PER_SECOND).put("rateLimitBurst", BURST));
  }

  @AfterAll
  static void close() throws Exception {
    node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static long metric(String name, String... labels) {
    return Metrics.of(node).value(name, labels);
  }

  @Test
  void aFloodFromOneSourceIsDroppedAndCountedWhileAnotherSourceIsServed() throws Exception {
    long pingsBefore = metric("rendezvous_lobby_requests_total", "type", "p");
    long limitedBefore = metric("rendezvous_lobby_dropped_total", "reason", "rate_limited");
    int flood = 40;
    long start = System.nanoTime();
    try (LobbyTestClient flooder = new LobbyTestClient(InetAddress.getByName("127.0.0.1"));
         LobbyTestClient other = new LobbyTestClient(InetAddress.getByName("127.0.0.2"))) {
      for (int i = 0; i < flood; i++) {
        flooder.send(port, "p:Nope:Flooder");
      }
      Poll.until(5_000, "every flood datagram answered or dropped", () ->
          metric("rendezvous_lobby_requests_total", "type", "p") - pingsBefore
              + metric("rendezvous_lobby_dropped_total", "reason", "rate_limited") - limitedBefore == flood ? true : null);
      double seconds = (System.nanoTime() - start) / 1e9;
      long answered = metric("rendezvous_lobby_requests_total", "type", "p") - pingsBefore;
      // Every datagram was either handled or counted as rate-limited (the poll above); no more were handled than the budget.
      assertTrue(answered >= BURST && answered <= BURST + PER_SECOND * seconds + 1,
          answered + " of " + flood + " answered in " + seconds + " s, with a burst of " + BURST + " and " + PER_SECOND + "/s");
      for (long i = 0; i < answered; i++) {
        assertEquals(NON_EXISTENT, flooder.next(port), "each admitted ping has its answer");
      }

      assertEquals(NON_EXISTENT, other.request(port, "p:Nope:Other"), "another source keeps being served");
    }
  }

  @Test
  void playersWithinTheirBudgetAreNeverLimited() throws Exception {
    long limitedBefore = metric("rendezvous_lobby_dropped_total", "reason", "rate_limited");
    // Two players behind one NAT address: five datagrams between them, exactly the burst.
    InetAddress nat = InetAddress.getByName("127.0.0.3");
    try (LobbyTestClient host = new LobbyTestClient(nat); LobbyTestClient guest = new LobbyTestClient(nat)) {
      assertEquals("i:Host", host.request(port, "h:Shared:Host:2"));
      assertEquals("i:Host:Guest", guest.request(port, "c:Shared:Guest"));
      assertEquals("i:Host:Guest", host.next(port));
      assertEquals("i:Host:Guest", guest.request(port, "p:Shared:Guest"));
      assertEquals("error:player_exited_session", guest.request(port, "x:Shared:Guest"));
      assertEquals("error:player_exited_session", host.request(port, "x:Shared:Host"));
    }
    assertEquals(limitedBefore, metric("rendezvous_lobby_dropped_total", "reason", "rate_limited"));
  }
}
