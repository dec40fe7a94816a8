package org.rendezvous.pairing;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.ClusterTestKit;
import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.rendezvous.pairing.S1Client.assertTcpPaired;
import static org.rendezvous.pairing.S1Client.hello;
import static org.rendezvous.pairing.S1Client.tcpPeer;

/** S1 across a real two-member Hazelcast cluster on 127.0.0.1: a client may hit either node. */
class PairingClusterTest {

  private static final String IN_USE = "{\"protocol\":\"\",\"error\":\"UUID already in use\"}\n";
  private static final String NOT_FOUND = "{\"protocol\":\"\",\"error\":\"Receiver with that UUID not found\"}\n";
  private static final String WAITING = "rendezvous_pairing_waiting_initiators";

  private static Vertx a;
  private static Vertx b;
  private static int portA;
  private static int portB;

  @BeforeAll
  static void cluster() throws Exception {
    List<Vertx> members = ClusterTestKit.cluster(2);
    a = members.get(0);
    b = members.get(1);
    portA = deploy(a);
    portB = deploy(b);
  }

  /** Port 0 on each member: TCP binds first, UDP then takes the same number. */
  static int deploy(Vertx vertx) throws Exception {
    vertx.deployVerticle(new PairingVerticle(), new DeploymentOptions().setConfig(new JsonObject()
            .put("nodeId", ClusterTestKit.nodeId(vertx))
            .put("pairing", new JsonObject().put("host", "127.0.0.1").put("port", 0))))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    int tcp = BoundPorts.of(vertx, PairingVerticle.TCP_LISTENER);
    assertEquals(tcp, BoundPorts.of(vertx, PairingVerticle.UDP_LISTENER));
    return tcp;
  }

  @AfterAll
  static void close() throws Exception {
    ClusterTestKit.close(b);
    ClusterTestKit.close(a);
  }

  @AfterEach
  void nothingLeftWaiting() throws Exception {
    awaitWaiting(a, 0);
    awaitWaiting(b, 0);
  }

  private static void awaitWaiting(Vertx vertx, long n) throws Exception {
    Poll.until(10_000, n + " initiators waiting", () -> Metrics.of(vertx).value(WAITING) == n ? true : null);
  }

  private static long waitingEverywhere() {
    return Metrics.of(a).value(WAITING) + Metrics.of(b).value(WAITING);
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }

  @Test
  void anInitiatorOnOneNodeAndAReceiverOnTheOtherLearnEachOthersAddresses() throws Exception {
    String k = key();
    long pairsOnA = Metrics.of(a).value("rendezvous_pairing_pairs_total");
    try (UdpClient iUdp = new UdpClient(portA); UdpClient rUdp = new UdpClient(portB);
         S1Client initiator = new S1Client(portA); S1Client receiver = new S1Client(portB)) {
      String iAddr = iUdp.requestText("ping");
      String rAddr = rUdp.requestText("ping");
      initiator.send(hello(k, "127.0.0.1", "udp", iAddr));
      awaitWaiting(a, 1);
      receiver.send(hello(k, "", "", rAddr));
      assertEquals("{\"protocol\":\"udp\",\"peer_address\":\"" + iAddr + "\"}\n", receiver.readUntilClosed());
      assertEquals("{\"protocol\":\"udp\",\"peer_address\":\"" + rAddr + "\"}\n", initiator.readUntilClosed());
    }
    assertEquals(pairsOnA + 1, Metrics.of(a).value("rendezvous_pairing_pairs_total"), "counted where the initiator waited");
  }

  @Test
  void aTcpReceiverOnTheOtherNodeGetsTheInitiatorsTcpAddress() throws Exception {
    assertTcpPairAcrossNodes(false);
  }

  /** The reply crosses the cluster after the receiver's FIN: it must still be written (printf '...' | nc). */
  @Test
  void aReceiverThatSendsFinAfterItsHelloStillGetsItsReplyFromTheOtherNode() throws Exception {
    assertTcpPairAcrossNodes(true);
  }

  private void assertTcpPairAcrossNodes(boolean receiverSendsFin) throws Exception {
    String k = key();
    try (S1Client initiator = new S1Client(portB); S1Client receiver = new S1Client(portA)) {
      initiator.send(hello(k, "127.0.0.1", "tcp", ""));
      awaitWaiting(b, 1);
      receiver.send(hello(k, "", "", "198.51.100.1:1"));
      if (receiverSendsFin) {
        receiver.finishSending();
      }
      assertTcpPaired(initiator, receiver);
    }
  }


  /**
   * Receivers arriving together at one node for initiators on the other each get their own
   * initiator, and a key nobody waits under among them is still not found.
   */
  @Test
  void manyReceiversArrivingTogetherEachMeetTheirOwnInitiatorOnTheOtherNode() throws Exception {
    int pairs = 60;
    List<String> keys = new ArrayList<>();
    List<S1Client> initiators = new ArrayList<>();
    List<S1Client> receivers = new ArrayList<>();
    List<S1Client> strays = new ArrayList<>();
    try {
      for (int i = 0; i < pairs; i++) {
        keys.add(key());
        initiators.add(new S1Client(portA).send(hello(keys.get(i), "127.0.0.1", "tcp", "")));
      }
      awaitWaiting(a, pairs);
      for (int i = 0; i < pairs; i++) {
        receivers.add(new S1Client(portB));
        if (i % 10 == 0) {
          strays.add(new S1Client(portB));
        }
      }
      for (int i = 0; i < pairs; i++) {
        receivers.get(i).send(hello(keys.get(i), "", "", ""));
        if (i % 10 == 0) {
          strays.get(i / 10).send(hello(key(), "", "", ""));
        }
      }
      for (int i = 0; i < pairs; i++) {
        assertTcpPaired(initiators.get(i), receivers.get(i));
      }
      for (S1Client stray : strays) {
        assertEquals(NOT_FOUND, stray.readUntilClosed());
      }
    } finally {
      for (List<S1Client> clients : List.of(initiators, receivers, strays)) {
        for (S1Client c : clients) {
          c.close();
        }
      }
    }
  }

  @Test
  void aKeyWaitingOnOneNodeIsInUseOnTheOther() throws Exception {
    String k = key();
    try (S1Client first = new S1Client(portA); S1Client second = new S1Client(portB)) {
      first.send(hello(k, "127.0.0.1", "tcp", ""));
      awaitWaiting(a, 1);
      second.send(hello(k, "127.0.0.1", "tcp", ""));
      assertEquals(IN_USE, second.readUntilClosed());
    }
    // Released on A when the first one left: B accepts the key now, and a receiver on A finds it there.
    PairingVerticleTest.awaitKeyReleased(b, Arrival.key(k, "127.0.0.1"));
    PairingVerticleTest.keyPairsAgain(b, portB, portA, k);
  }

  @Test
  void twoInitiatorsRacingForOneKeyOnTwoNodesLeaveExactlyOneWaiting() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 10; round++) {
        String k = key();
        String h = hello(k, "127.0.0.1", "tcp", "");
        try (S1Client onA = new S1Client(portA); S1Client onB = new S1Client(portB)) {
          CountDownLatch go = new CountDownLatch(1);
          CompletableFuture<String> fromA = CompletableFuture.supplyAsync(() -> sendAndRead(go, onA, h), pool);
          CompletableFuture<String> fromB = CompletableFuture.supplyAsync(() -> sendAndRead(go, onB, h), pool);
          go.countDown();
          // The loser is told at once, the winner waits.
          assertEquals(IN_USE, CompletableFuture.anyOf(fromA, fromB).get(10, TimeUnit.SECONDS), "round " + round);
          Poll.until(10_000, "exactly one initiator waiting", () -> waitingEverywhere() == 1 ? true : null);
          boolean aLost = fromA.isDone();
          S1Client winner = aLost ? onB : onA;
          try (S1Client receiver = new S1Client(round % 2 == 0 ? portA : portB)) {
            receiver.send(hello(k, "", "", ""));
            assertEquals(tcpPeer(winner.address()), receiver.readUntilClosed());
            assertEquals(tcpPeer(receiver.address()),
                (aLost ? fromB : fromA).get(10, TimeUnit.SECONDS));
          }
          assertEquals(IN_USE, (aLost ? fromA : fromB).get(10, TimeUnit.SECONDS));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twoReceiversOnTwoNodesForOneInitiatorPairExactlyOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 5; round++) {
        String k = key();
        try (S1Client initiator = new S1Client(round % 2 == 0 ? portA : portB);
             S1Client onA = new S1Client(portA); S1Client onB = new S1Client(portB)) {
          initiator.send(hello(k, "127.0.0.1", "tcp", ""));
          Poll.until(10_000, "initiator waiting", () -> waitingEverywhere() == 1 ? true : null);
          CountDownLatch go = new CountDownLatch(1);
          String h = hello(k, "", "", "");
          CompletableFuture<String> fromA = CompletableFuture.supplyAsync(() -> sendAndRead(go, onA, h), pool);
          CompletableFuture<String> fromB = CompletableFuture.supplyAsync(() -> sendAndRead(go, onB, h), pool);
          go.countDown();
          String a1 = fromA.get(10, TimeUnit.SECONDS);
          String b1 = fromB.get(10, TimeUnit.SECONDS);
          String paired = tcpPeer(initiator.address());
          assertEquals(1, (a1.equals(paired) ? 1 : 0) + (b1.equals(paired) ? 1 : 0), "one pairs: " + a1 + " / " + b1);
          assertEquals(1, (a1.equals(NOT_FOUND) ? 1 : 0) + (b1.equals(NOT_FOUND) ? 1 : 0), "the other finds nothing: " + a1 + " / " + b1);
          S1Client winner = a1.equals(paired) ? onA : onB;
          assertEquals(tcpPeer(winner.address()), initiator.readUntilClosed());
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String sendAndRead(CountDownLatch go, S1Client c, String hello) {
    try {
      go.await();
      c.send(hello);
      return c.readUntilClosed();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A member that dies without cleaning up (its Hazelcast instance terminated, no verticle stopped)
   * leaves its reservations in the replicated map; the survivor releases them when it hears the
   * member left. A receiver arriving before that takes the reservation it finds and is told no
   * initiator waits. Runs on its own cluster, since it kills a member.
   */
  /**
   * The initiator's node is a member, but the bus finds no inbox there (as right after another member died, until
   * that node publishes its subscriptions again): the receiver's node asks again, and the pair is made once the
   * inbox is found. Here the second member runs no pairing at first; the test plays its inbox.
   */
  @Test
  void aReceiverWaitsBrieflyForARouteToALiveInitiatorsNode() throws Exception {
    List<Vertx> members = ClusterTestKit.cluster(2);
    Vertx here = members.get(0);
    Vertx there = members.get(1);
    try {
      int port = deploy(here);
      String k = key();
      String thereId = ClusterTestKit.nodeId(there);
      here.sharedData().<String, String>getAsyncMap(PairingDirectory.KEYS_MAP)
          .compose(m -> m.put(Arrival.key(k, "127.0.0.1"), new PairingDirectory.Ticket(thereId, 1).text()))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      long retriesBefore = Metrics.of(here).value("rendezvous_pairing_route_retries_total");
      try (S1Client receiver = new S1Client(port)) {
        receiver.send(hello(k, "", "", ""));
        Poll.until(10_000, "a retry", () ->
            Metrics.of(here).value("rendezvous_pairing_route_retries_total") > retriesBefore ? true : null);
        String line = "{\"protocol\":\"tcp\",\"peer_address\":\"192.0.2.7:4000\"}\n";
        CompletableFuture<JsonObject> offered = new CompletableFuture<>();
        there.eventBus().<JsonObject>consumer(PairingDirectory.NODE_PREFIX + thereId, m -> {
          offered.complete(m.body());
          m.reply(line);
        }).completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(line, receiver.readUntilClosed(), "the reply the initiator's node made");
        assertEquals(Arrival.key(k, "127.0.0.1"), offered.get(10, TimeUnit.SECONDS).getString("key"));
      }
    } finally {
      ClusterTestKit.close(there);
      ClusterTestKit.close(here);
    }
  }

  @Test
  void aCrashedMembersKeysAreReleasedByTheSurvivor() throws Exception {
    List<Vertx> members = ClusterTestKit.cluster(2);
    Vertx survivor = members.get(0);
    Vertx doomed = members.get(1);
    try {
      int survivorPort = deploy(survivor);
      int doomedPort = deploy(doomed);
      String asked = key();
      String left = key();
      S1Client askedInitiator = new S1Client(doomedPort);
      askedInitiator.send(hello(asked, "127.0.0.1", "tcp", ""));
      S1Client leftInitiator = new S1Client(doomedPort);
      leftInitiator.send(hello(left, "127.0.0.1", "tcp", ""));
      awaitWaiting(doomed, 2);
      try (S1Client probe = new S1Client(survivorPort)) {
        probe.send(hello(left, "127.0.0.1", "tcp", ""));
        assertEquals(IN_USE, probe.readUntilClosed(), "reserved cluster-wide before the crash");
      }
      long reclaimedBefore = Metrics.of(survivor).value("rendezvous_pairing_reclaimed_keys_total");
      ((HazelcastClusterManager) ((VertxInternal) doomed).clusterManager()).getHazelcastInstance()
          .getLifecycleService().terminate();
      // Whether or not the survivor has noticed yet, a receiver is answered, not left hanging.
      try (S1Client receiver = new S1Client(survivorPort)) {
        receiver.send(hello(asked, "", "", ""));
        assertEquals(NOT_FOUND, receiver.readUntilClosed());
      }
      PairingVerticleTest.awaitKeyReleased(survivor, Arrival.key(asked, "127.0.0.1"));
      PairingVerticleTest.awaitKeyReleased(survivor, Arrival.key(left, "127.0.0.1"));
      Poll.until(10_000, "reclaim counted", () ->
          Metrics.of(survivor).value("rendezvous_pairing_reclaimed_keys_total") > reclaimedBefore ? true : null);
      PairingVerticleTest.keyPairsAgain(survivor, survivorPort, survivorPort, left);
      PairingVerticleTest.keyPairsAgain(survivor, survivorPort, survivorPort, asked);
      askedInitiator.close();
      leftInitiator.close();
    } finally {
      try {
        doomed.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // its cluster manager is already gone; the close may fail, the sockets are closed either way
      }
      ClusterTestKit.close(survivor);
    }
  }
}
