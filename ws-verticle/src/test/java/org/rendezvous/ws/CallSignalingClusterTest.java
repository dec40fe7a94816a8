package org.rendezvous.ws;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapInterceptor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.Metrics;
import org.rendezvous.testkit.ClusterTestKit;
import org.rendezvous.testkit.Poll;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * S3 across real Hazelcast members on 127.0.0.1: a call between clients of two nodes, names unique
 * across the cluster (racing included), and what partners see when a user or a whole node goes.
 */
class CallSignalingClusterTest {

  private static List<Vertx> nodes;
  private static int port1;
  private static int port2;
  private static Vertx clients;
  private static WebSocketClient ws;

  @BeforeAll
  static void start() throws Exception {
    nodes = ClusterTestKit.cluster(2);
    port1 = deploy(nodes.get(0));
    port2 = deploy(nodes.get(1));
    clients = Vertx.vertx();
    ws = WsTestClient.client(clients);
  }

  @AfterAll
  static void stop() throws Exception {
    WsTestClient.await(clients.close());
    for (Vertx v : nodes) {
      ClusterTestKit.close(v);
    }
  }

  static int deploy(Vertx node) throws Exception {
    JsonObject cfg = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("onlineUsersMinIntervalMs", 0);
    WsTestClient.await(node.deployVerticle(new CallSignalingVerticle(), new DeploymentOptions()
        .setConfig(new JsonObject().put("nodeId", ClusterTestKit.nodeId(node)).put("ws", cfg))));
    return BoundPorts.of(node, CallSignalingVerticle.LISTENER);
  }

  @Test
  void twoClientsOnTwoNodesRunAWholeCall() throws Exception {
    try (WsTestClient alice = WsTestClient.connect(ws, port1); WsTestClient bob = WsTestClient.connect(ws, port2)) {
      alice.register("x-alice", "id-a");
      alice.awaitList("x-alice");
      bob.register("x-bob", "id-b");
      JsonObject onBob = bob.awaitList("x-alice", "x-bob");
      JsonObject onAlice = alice.awaitList("x-alice", "x-bob");
      assertEquals(onBob.getJsonArray("users"), onAlice.getJsonArray("users"), "the same list on both nodes");

      alice.send("{\"type\":\"call_request\",\"target_username\":\"x-bob\"}");
      JsonObject incoming = bob.next("incoming_call");
      assertEquals(List.of("type", "caller_username", "caller_id"), List.copyOf(incoming.fieldNames()));
      assertEquals("x-alice", incoming.getString("caller_username"));
      assertEquals("id-a", incoming.getString("caller_id"));

      bob.send("{\"type\":\"call_accepted\",\"caller_username\":\"x-alice\"}");
      assertEquals("x-bob", alice.next("call_accepted").getString("accepter_username"));

      String offer = "{\"sdp\": \"v=0\\r\\na=group:BUNDLE 0\\r\\n\", \"type\": \"offer\"}";
      alice.send("{\"type\":\"offer\",\"target_username\":\"x-bob\",\"data\":" + offer + "}");
      assertEquals("{\"type\": \"offer\", \"from_username\": \"x-alice\", \"data\": " + offer + "}", bob.nextText());
      String answer = "{\"sdp\":\"v=0\",\"type\":\"answer\"}";
      bob.send("{\"type\":\"answer\",\"target_username\":\"x-alice\",\"data\":" + answer + "}");
      assertEquals("{\"type\": \"answer\", \"from_username\": \"x-bob\", \"data\": " + answer + "}", alice.nextText());
      for (int i = 0; i < 5; i++) {
        String cand = "{\"candidate\":\"candidate:" + i + " 1 udp 1 127.0.0.1 " + (50000 + i) + " typ host\",\"sdpMLineIndex\":0}";
        alice.send("{\"type\":\"ice_candidate\",\"target_username\":\"x-bob\",\"data\":" + cand + "}");
        assertEquals("{\"type\": \"ice_candidate\", \"from_username\": \"x-alice\", \"data\": " + cand + "}", bob.nextText(),
            "candidates arrive whole and in order");
      }
      bob.send("{\"type\":\"call_ended\",\"target_username\":\"x-alice\"}");
      assertEquals("{\"type\": \"call_ended\", \"from_username\": \"x-bob\"}", alice.nextText());
    }
  }

  /** Makes every remove from a Hazelcast map fail, as Hazelcast's own interceptors may: the map keeps the entry. */
  static final class RefuseRemoves implements MapInterceptor {
    @Override
    public Object interceptGet(Object value) {
      return null;
    }

    @Override
    public void afterGet(Object value) {
    }

    @Override
    public Object interceptPut(Object oldValue, Object newValue) {
      return null;
    }

    @Override
    public void afterPut(Object value) {
    }

    @Override
    public Object interceptRemove(Object removedValue) {
      throw new IllegalStateException("this test refuses removes");
    }

    @Override
    public void afterRemove(Object value) {
    }
  }

  @Test
  void aNameWhoseReleaseFailedIsFreedByALaterTry() throws Exception {
    HazelcastInstance hz = ((HazelcastClusterManager) ((VertxInternal) nodes.get(0)).clusterManager()).getHazelcastInstance();
    IMap<Object, Object> names = hz.getMap(UserDirectory.MAP_NAME);
    String refusing = names.addInterceptor(new RefuseRemoves());
    try {
      try (WsTestClient leaving = WsTestClient.connect(ws, port1)) {
        leaving.register("r-sticky", "1");
      }
      Poll.until(10_000, "the release refused", () -> metric(nodes.get(0), "rendezvous_ws_names_unreleased") == 1 ? true : null);
      try (WsTestClient other = WsTestClient.connect(ws, port2)) {
        other.send(new JsonObject().put("type", "register").put("username", "r-sticky").put("user_id", "2"));
        assertEquals("Username already taken", other.nextSkippingLists("error").getString("message"), "still held in the map");
      }
    } finally {
      names.removeInterceptor(refusing);
    }
    Poll.until(25_000, "freed by the sweep's try", () -> metric(nodes.get(0), "rendezvous_ws_names_unreleased") == 0 ? true : null);
    try (WsTestClient again = WsTestClient.connect(ws, port2)) {
      assertEquals("r-sticky", again.register("r-sticky", "3").getString("username"));
    }
  }

  @Test
  void aNameIsUniqueAcrossNodesEvenWhenTwoNodesRaceForIt() throws Exception {
    try (WsTestClient holder = WsTestClient.connect(ws, port1); WsTestClient other = WsTestClient.connect(ws, port2)) {
      holder.register("u-held", "1");
      other.send(new JsonObject().put("type", "register").put("username", "u-held").put("user_id", "2"));
      assertEquals("Username already taken", other.nextSkippingLists("error").getString("message"));
    }
    int rounds = 15;
    List<WsTestClient> on1 = new ArrayList<>();
    List<WsTestClient> on2 = new ArrayList<>();
    try {
      for (int i = 0; i < rounds; i++) {
        on1.add(WsTestClient.connect(ws, port1));
        on2.add(WsTestClient.connect(ws, port2));
      }
      for (int i = 0; i < rounds; i++) {
        String register = new JsonObject().put("type", "register").put("username", "race-" + i).put("user_id", i + 1).encode();
        on1.get(i).send(register);
        on2.get(i).send(register);
      }
      List<WsTestClient> winners = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        String first = firstReplyType(on1.get(i));
        String second = firstReplyType(on2.get(i));
        assertTrue(first.equals("registered") ^ second.equals("registered"), "race-" + i + ": " + first + " / " + second);
        assertTrue(first.equals("error") ^ second.equals("error"), "race-" + i + ": the loser is told the name is taken");
        winners.add(first.equals("registered") ? on1.get(i) : on2.get(i));
      }
      // Every winner, on either node, ends with the same list of all the winners.
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        expected.add("race-" + i);
      }
      List<String> reference = null;
      for (WsTestClient w : winners) {
        List<String> seen = waitForAll(w, rounds);
        assertEquals(expected.stream().sorted().toList(), seen.stream().sorted().toList());
        if (reference == null) {
          reference = seen;
        }
        assertEquals(reference, seen, "online_users is the same list, in the same order, on every node");
      }
    } finally {
      for (WsTestClient c : on1) {
        c.close();
      }
      for (WsTestClient c : on2) {
        c.close();
      }
    }
  }

  /** The type of the first reply that is not online_users (registered or error), and on error checks the text. */
  private static String firstReplyType(WsTestClient c) throws Exception {
    while (true) {
      JsonObject m = c.next();
      String type = m.getString("type");
      if (type.equals("error")) {
        assertEquals("Username already taken", m.getString("message"));
      }
      if (!type.equals("online_users")) {
        return type;
      }
    }
  }

  /** Names of the first online_users with {@code n} users this registered client receives (clients that lost a race get none). */
  private static List<String> waitForAll(WsTestClient c, int n) throws Exception {
    while (true) {
      JsonObject m = c.next();
      if (m.getString("type").equals("online_users") && m.getJsonArray("users").size() == n) {
        return WsTestClient.usernames(m);
      }
    }
  }

  @Test
  void disconnectMidCallAcrossNodesEndsThePartnersCall() throws Exception {
    try (WsTestClient alice = WsTestClient.connect(ws, port1); WsTestClient bob = WsTestClient.connect(ws, port2)) {
      alice.register("d-alice", "1");
      bob.register("d-bob", "2");
      bob.awaitList("d-alice", "d-bob");
      WsTestClient.callAccepted(bob, "d-bob", alice, "d-alice");
      alice.close();
      bob.awaitCallEndedAndList("d-alice", "d-bob");
      // d-alice's node sends call_ended, and bob's node also ends calls on d-alice's leave: once, not twice.
      assertNull(bob.pollSkippingLists("call_ended", 2 * SignalingHub.LEAVE_CALL_GRACE_MS));
    }
  }

  /**
   * A call accepted here just as its caller left on its own node never reached that node, so no
   * call_ended comes from there: the caller's leave, arriving without one before it, ends the call.
   */
  @Test
  void aLeaveWithNoCallEndedBeforeItStillEndsTheCall() throws Exception {
    try (WsTestClient alice = WsTestClient.connect(ws, port1); WsTestClient bob = WsTestClient.connect(ws, port2)) {
      alice.register("o-alice", "1");
      bob.register("o-bob", "2");
      alice.awaitList("o-alice", "o-bob");
      WsTestClient.callAccepted(bob, "o-bob", alice, "o-alice");
      JsonObject entry = WsTestClient.await(nodes.get(0).sharedData().<String, JsonObject>getAsyncMap(UserDirectory.MAP_NAME)
          .compose(m -> m.get("o-bob")));
      OnlineUser bobsRegistration = new OnlineUser("o-bob", entry.getString("user_id_json"), entry.getString("node"),
          entry.getLong("seq"));

      // The leave of o-bob as its node publishes it, reaching node 1 with no call_ended ahead of it.
      nodes.get(0).eventBus().publish(UserDirectory.USERS_CHANGED, UserDirectory.event("leave", bobsRegistration),
          new DeliveryOptions().addHeader(UserDirectory.FROM, bobsRegistration.nodeId()));

      alice.awaitCallEndedAndList("o-bob", "o-alice");
    }
  }

  /**
   * A user listed on another live node whose actor the bus does not find yet (as right after a member died, while
   * its node publishes its subscriptions again): the call_request is asked again, and arrives once the route does;
   * one that never comes gets "User not found or offline" in the end.
   */
  @Test
  void aCallRequestWaitsBrieflyForARouteToAUserListedOnALiveNode() throws Exception {
    Vertx home = nodes.get(1);
    String homeId = ClusterTestKit.nodeId(home);
    DeliveryOptions fromHome = new DeliveryOptions().addHeader(UserDirectory.FROM, homeId);
    try (WsTestClient alice = WsTestClient.connect(ws, port1)) {
      alice.register("r-alice", "1");
      alice.awaitList("r-alice");
      // node 1 hears two joins on node 2 whose actors are not registered (node 2 ignores its own events)
      OnlineUser lateUser = new OnlineUser("r-late", "2", homeId, nextSeq(home));
      OnlineUser neverUser = new OnlineUser("r-never", "3", homeId, nextSeq(home));
      try {
        nodes.get(0).eventBus().publish(UserDirectory.USERS_CHANGED, UserDirectory.event("join", lateUser), fromHome);
        nodes.get(0).eventBus().publish(UserDirectory.USERS_CHANGED, UserDirectory.event("join", neverUser), fromHome);
        alice.awaitList("r-alice", "r-late", "r-never");

        long retriesBefore = metric(nodes.get(0), "rendezvous_ws_route_retries_total");
        alice.send("{\"type\":\"call_request\",\"target_username\":\"r-late\"}");
        Poll.until(10_000, "a retry", () -> metric(nodes.get(0), "rendezvous_ws_route_retries_total") > retriesBefore ? true : null);
        CompletableFuture<String> delivered = new CompletableFuture<>();
        MessageConsumer<String> late = home.eventBus().consumer(UserDirectory.USER_PREFIX + "r-late", m -> {
          delivered.complete(m.body());
          m.reply(null);
        });
        try {
          WsTestClient.await(late.completion());
          assertEquals("r-alice", new JsonObject(delivered.get(10, TimeUnit.SECONDS)).getString("caller_username"));
        } finally {
          WsTestClient.await(late.unregister());
        }

        alice.send("{\"type\":\"call_request\",\"target_username\":\"r-never\"}");
        assertEquals("User not found or offline", alice.nextSkippingLists("error").getString("message"));
      } finally {
        nodes.get(0).eventBus().publish(UserDirectory.USERS_CHANGED, UserDirectory.event("leave", lateUser), fromHome);
        nodes.get(0).eventBus().publish(UserDirectory.USERS_CHANGED, UserDirectory.event("leave", neverUser), fromHome);
      }
      alice.awaitList("r-alice");
    }
  }

  private static long metric(Vertx node, String name) {
    return Metrics.of(node).value(name);
  }

  /** A sequence number newer than every registration made so far in {@code node}'s cluster. */
  private static long nextSeq(Vertx node) throws Exception {
    return WsTestClient.await(node.sharedData().getCounter(UserDirectory.SEQUENCE_NAME).compose(c -> c.addAndGet(1)));
  }

  /** Starts a fresh two-node cluster with S3 on both; index 0 survives in the node-loss tests. */
  private static List<Vertx> freshCluster() throws Exception {
    List<Vertx> pair = ClusterTestKit.cluster(2);
    deploy(pair.get(0));
    deploy(pair.get(1));
    return pair;
  }

  @Test
  void aMemberClosingMidCallEndsTheCallAndFreesItsNames() throws Exception {
    List<Vertx> pair = freshCluster();
    try {
      assertNodeLossSeenBySurvivor(pair, () -> ClusterTestKit.close(pair.get(1)), false);
    } finally {
      ClusterTestKit.close(pair.get(0));
    }
  }

  @Test
  void aMemberCrashingMidCallEndsTheCallAndFreesItsNames() throws Exception {
    List<Vertx> pair = freshCluster();
    try {
      // Hazelcast stops dead: no verticle stop() runs, the survivor only learns of it from membership.
      assertNodeLossSeenBySurvivor(pair, () -> ((HazelcastClusterManager) ((VertxInternal) pair.get(1)).clusterManager())
          .getHazelcastInstance().getLifecycleService().terminate(), true);
    } finally {
      ClusterTestKit.close(pair.get(0));
      pair.get(1).close();
    }
  }

  /**
   * A relay the dead node's process sends after its cluster member stopped (its bus connection may outlive it) is
   * dropped: the call it ends was ended here when the node left, so alice must not hear call_ended twice.
   */
  private static void assertRelayFromTheDeadNodeDropped(Vertx survivor, String doomedId) throws Exception {
    long fromDeparted = Metrics.of(survivor).value("rendezvous_ws_messages_dropped_total", "reason", "departed_node");
    survivor.eventBus().send(UserDirectory.USER_PREFIX + "n-alice", "{\"type\": \"call_ended\", \"from_username\": \"n-bob\"}",
        new DeliveryOptions().addHeader(UserDirectory.KIND, "call_ended").addHeader(UserDirectory.FROM, doomedId)
            .addHeader(UserDirectory.CALL, UserDirectory.CALL_STOP).addHeader(UserDirectory.PEER, "n-bob"));
    Poll.until(5_000, "the dead node's relay dropped", () -> Metrics.of(survivor)
        .value("rendezvous_ws_messages_dropped_total", "reason", "departed_node") == fromDeparted + 1 ? true : null);
  }

  private interface Action {
    void run() throws Exception;
  }

  /**
   * {@code crashed}: the dead node's process lives on without its cluster member, so the survivor learned of the loss
   * from membership alone, and that node's bus connection may still deliver what it sends.
   */
  private static void assertNodeLossSeenBySurvivor(List<Vertx> pair, Action kill, boolean crashed) throws Exception {
    int survivorPort = BoundPorts.of(pair.get(0), CallSignalingVerticle.LISTENER);
    int doomedPort = BoundPorts.of(pair.get(1), CallSignalingVerticle.LISTENER);
    try (WsTestClient alice = WsTestClient.connect(ws, survivorPort); WsTestClient bob = WsTestClient.connect(ws, doomedPort);
         WsTestClient dave = WsTestClient.connect(ws, doomedPort)) {
      alice.register("n-alice", "1");
      bob.register("n-bob", "2");
      dave.register("n-dave", "3");
      alice.awaitList("n-alice", "n-bob", "n-dave");
      WsTestClient.callAccepted(alice, "n-alice", bob, "n-bob");

      String doomedId = ClusterTestKit.nodeId(pair.get(1));
      kill.run();

      alice.awaitCallEndedAndList("n-bob", "n-alice");
      // A join the dead node published just before dying, arriving late: it must not bring a ghost back.
      pair.get(0).eventBus().publish(UserDirectory.USERS_CHANGED,
          UserDirectory.event("join", new OnlineUser("n-ghost", "\"9\"", doomedId, nextSeq(pair.get(0)))),
          new DeliveryOptions().addHeader(UserDirectory.FROM, doomedId));
      if (crashed) {
        assertRelayFromTheDeadNodeDropped(pair.get(0), doomedId);
      }
      try (WsTestClient bobAgain = WsTestClient.connect(ws, survivorPort); WsTestClient daveAgain = WsTestClient.connect(ws, survivorPort)) {
        assertEquals("n-bob", bobAgain.register("n-bob", "2b").getString("username"), "the dead node's names are free");
        assertEquals("n-dave", daveAgain.register("n-dave", "3b").getString("username"));
        alice.awaitList("n-alice", "n-bob", "n-dave");

        // The same node back after a split (it keeps its id): what it announces counts again.
        pair.get(0).eventBus().publish(ClusterEvents.NODE_JOINED, doomedId, new DeliveryOptions().setLocalOnly(true));
        pair.get(0).eventBus().publish(UserDirectory.USERS_CHANGED,
            UserDirectory.event("join", new OnlineUser("n-back", "\"8\"", doomedId, nextSeq(pair.get(0)))),
            new DeliveryOptions().addHeader(UserDirectory.FROM, doomedId));
        alice.awaitList("n-alice", "n-bob", "n-dave", "n-back");
      }
    }
  }
}
