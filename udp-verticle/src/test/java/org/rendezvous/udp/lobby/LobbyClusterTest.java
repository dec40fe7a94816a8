package org.rendezvous.udp.lobby;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.ClusterTestKit;
import org.rendezvous.testkit.Poll;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * S4 across three real Hazelcast members on 127.0.0.1, each with its own lobby socket: a session
 * owned by one node, players talking to the others (SPEC §2 rules 1–4).
 */
class LobbyClusterTest {

  private List<Vertx> nodes;
  private final int[] ports = new int[3];
  private final String[] ids = new String[3];

  @BeforeEach
  void cluster() throws Exception {
    nodes = ClusterTestKit.cluster(3);
    for (int i = 0; i < 3; i++) {
      Vertx v = nodes.get(i);
      ids[i] = ClusterTestKit.nodeId(v);
      v.deployVerticle(new LobbyVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("nodeId", ids[i])
              .put("lobby", new JsonObject().put("host", "127.0.0.1").put("port", 0))))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      ports[i] = BoundPorts.of(v, LobbyVerticle.LISTENER);
    }
  }

  @AfterEach
  void close() throws Exception {
    for (Vertx v : nodes) {
      try {
        ClusterTestKit.close(v);
      } catch (Exception alreadyClosedOrDead) {
        // the node-loss test killed one
      }
    }
  }

  /** Each session name in the names map, with the node that holds it. */
  private static Map<String, String> names(Vertx via) throws Exception {
    Map<String, String> holds = via.sharedData().<String, String>getAsyncMap(LobbyBus.NAMES_MAP)
        .compose(m -> m.entries()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Map<String, String> owners = new HashMap<>();
    holds.forEach((name, hold) -> owners.put(name, LobbyVerticle.ownerOf(hold)));
    return owners;
  }

  private static long metric(Vertx v, String name, String... labels) {
    return Metrics.of(v).value(name, labels);
  }

  @Test
  void eachPlayerHearsEverythingFromTheNodeItTalksToAndTheStartListsPublicAddresses() throws Exception {
    int a = ports[0];
    int b = ports[1];
    int c = ports[2];
    try (LobbyTestClient host = new LobbyTestClient(); LobbyTestClient bob = new LobbyTestClient();
         LobbyTestClient cat = new LobbyTestClient()) {
      assertEquals("i:Host", host.request(a, "h:Arena:Host:3"));
      assertEquals(Map.of("Arena", ids[0]), names(nodes.get(2)), "reserved cluster-wide for its owner");
      assertEquals("error:session_exists", cat.request(c, "h:Arena:Cat:3"), "the name is taken on every node");

      long forwardedBefore = metric(nodes.get(1), "rendezvous_lobby_request_latency_microseconds_count", "owner", "other_node");
      assertEquals("i:Host:Bob", bob.request(b, "c:Arena:Bob"));
      Poll.until(5_000, "the forwarded join's latency observed on B", () -> metric(nodes.get(1),
          "rendezvous_lobby_request_latency_microseconds_count", "owner", "other_node") > forwardedBefore ? true : null);
      assertEquals("i:Host:Bob", host.next(a));
      assertEquals("i:Host:Bob:Cat", cat.request(c, "c:Arena:Cat"));
      assertEquals("i:Host:Bob:Cat", host.next(a));
      assertEquals("i:Host:Bob:Cat", bob.next(b));

      assertEquals("i:Host:Bob:Cat", bob.request(b, "p:Arena:Bob"));
      assertEquals("i:Host:Bob:Cat", cat.request(c, "p:Arena:Cat"));
      assertEquals("i:Host:Bob:Cat", host.request(a, "p:Arena:Host"));
      assertEquals("error:non_host_player", cat.request(c, "s:Arena:Cat"));
      assertEquals("i:Host:Bob:Cat", host.request(a, "h:Arena:Host:3"), "the host's retransmit, not a new session");

      host.send(a, "s:Arena:Host");
      assertEquals("s:" + host.port() + ":Bob:" + bob.address() + ";Cat:" + cat.address(), host.next(a));
      String toBob = "s:" + bob.port() + ":Host:" + host.address() + ";Cat:" + cat.address();
      String toCat = "s:" + cat.port() + ":Host:" + host.address() + ";Bob:" + bob.address();
      assertEquals(toBob, bob.next(b));
      assertEquals(toCat, cat.next(c));
      assertEquals(toBob, bob.next(b), "the second round, again from node B's socket");
      assertEquals(toCat, cat.next(c));

      // Everyone confirms: the session ends at once and its name is free on every node.
      host.send(a, "y:Arena:Host");
      bob.send(b, "y:Arena:Bob");
      cat.send(c, "y:Arena:Cat");
      Poll.until(5_000, "name freed", () -> names(nodes.get(1)).isEmpty() ? true : null);
      assertEquals("error:session_non_existent", Poll.until(5_000, "session gone", () -> {
        String r = bob.request(b, "p:Arena:Bob");
        return r.startsWith("error:") ? r : null;
      }));
    }
    assertEquals(1, metric(nodes.get(0), "rendezvous_lobby_starts_total"));
    assertEquals(0, metric(nodes.get(0), "rendezvous_lobby_sessions"));
    assertEquals(0, metric(nodes.get(1), "rendezvous_lobby_sessions"), "only the owner holds a session");
  }

  @Test
  void whenTheOwnerDiesItsNameIsFreedItsPlayersAreToldAndPlayersHomedThereMoveOn() throws Exception {
    int a = ports[0];
    int b = ports[1];
    int c = ports[2];
    try (LobbyTestClient host = new LobbyTestClient(); LobbyTestClient bob = new LobbyTestClient();
         LobbyTestClient cat = new LobbyTestClient(); LobbyTestClient host2 = new LobbyTestClient();
         LobbyTestClient dan = new LobbyTestClient(); LobbyTestClient eve = new LobbyTestClient()) {
      // "Doomed" lives on node A; "Safe" on node B with Dan homed on node A.
      assertEquals("i:Host", host.request(a, "h:Doomed:Host:4"));
      assertEquals("i:Host:Bob", bob.request(b, "c:Doomed:Bob"));
      assertEquals("i:Host:Bob", host.next(a));
      assertEquals("i:Host:Bob:Cat", cat.request(c, "c:Doomed:Cat"));
      assertEquals("i:Host:Bob:Cat", host.next(a));
      assertEquals("i:Host:Bob:Cat", bob.next(b));
      assertEquals("i:Host2", host2.request(b, "h:Safe:Host2:4"));
      assertEquals("i:Host2:Dan", dan.request(a, "c:Safe:Dan"));
      assertEquals("i:Host2:Dan", host2.next(b));
      assertEquals(Map.of("Doomed", ids[0], "Safe", ids[1]), names(nodes.get(2)));

      kill(nodes.get(0));

      awaitToldGone(bob, b, "p:Doomed:Bob");
      awaitToldGone(cat, c, "p:Doomed:Cat");
      // The dead node's name is gone; the survivor's session keeps its name (put back if the map lost it).
      Map<String, String> expected = Map.of("Safe", ids[1]);
      Poll.until(30_000, "only the survivor's name left", () -> names(nodes.get(2)).equals(expected) ? true : null);
      // At most once, whichever survivor got there first; none when the map lost the entry with the
      // dead member (the case LobbyVerticle puts survivors' names back for).
      long freed = metric(nodes.get(1), "rendezvous_lobby_names_freed_total")
          + metric(nodes.get(2), "rendezvous_lobby_names_freed_total");
      assertTrue(freed <= 1, "freed " + freed + " times");
      try (LobbyTestClient reborn = new LobbyTestClient()) {
        assertEquals("i:Reborn", reborn.request(c, "h:Doomed:Reborn:2"), "the name can be hosted again");
      }

      // Dan's home died with node A; his next datagram, to node C, makes C his home. Like a client, he
      // retransmits until answered: C may have no route to node B's session yet, and then drops the ping.
      assertEquals("i:Host2:Dan", Poll.until(30_000, "Dan's ping answered through node C", () -> {
        dan.send(c, "p:Safe:Dan");
        LobbyTestClient.Received r = dan.receive(1_000);
        return r == null ? null : r.text();
      }));
      assertEquals("i:Host2:Dan:Eve", eve.request(b, "c:Safe:Eve"));
      assertEquals("i:Host2:Dan:Eve", host2.next(b));
      assertEquals("i:Host2:Dan:Eve", dan.next(c), "the broadcast reaches Dan from his new home's socket");
      assertNull(dan.receive(200), "one copy only");
      assertFalse(names(nodes.get(1)).containsValue(ids[0]));
    }
  }

  /** Pings until the answer is an error, which must be that the session does not exist. */
  private static void awaitToldGone(LobbyTestClient player, int via, String ping) throws Exception {
    assertEquals("error:session_non_existent", Poll.until(30_000, ping + " told the session is gone", () -> {
      player.send(via, ping);
      LobbyTestClient.Received r = player.receive(1_000);
      return r != null && r.text().startsWith("error:") ? r.text() : null;
    }));
  }

  /** Stops a member abruptly: Hazelcast terminated without leaving, then its sockets closed. */
  private static void kill(Vertx v) throws Exception {
    HazelcastClusterManager hz = (HazelcastClusterManager) ((VertxInternal) v).clusterManager();
    hz.getHazelcastInstance().getLifecycleService().terminate();
    try {
      v.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception expected) {
      // leaving a terminated cluster fails; the sockets are closed regardless
    }
  }
}
