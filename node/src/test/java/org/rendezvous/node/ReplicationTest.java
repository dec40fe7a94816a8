package org.rendezvous.node;

import org.rendezvous.common.Metrics;
import org.rendezvous.registry.RegistryClient;
import org.rendezvous.testkit.FreePorts;
import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registry replication between real Hazelcast members on 127.0.0.1 (SPEC §2 rule 5): a write on
 * any node is read on every node, and a node that was down catches up when it comes back.
 */
class ReplicationTest {

  @TempDir
  Path dir;

  private final String cluster = NodeFixture.uniqueClusterName();
  private final HttpClient http = HttpClient.newHttpClient();
  private RendezvousNode a;
  private RendezvousNode b;
  private int hzA;
  private int hzB;

  @AfterEach
  void stopNodes() throws Exception {
    NodeFixture.stop(b);
    NodeFixture.stop(a);
  }

  /** Added to each node's registry section. */
  private final JsonObject registrySettings = new JsonObject();

  private RendezvousNode startNode(String name, int hzPort) throws Exception {
    Path nodeDir = dir.resolve(name);
    Files.createDirectories(nodeDir);
    JsonObject config = NodeFixture.clustered(nodeDir, cluster, hzPort, List.of(hzA, hzB));
    config.getJsonObject("registry").mergeIn(registrySettings);
    return NodeFixture.start(config);
  }

  private void startBoth() throws Exception {
    hzA = FreePorts.tcp();
    hzB = FreePorts.tcp();
    a = startNode("a", hzA);
    b = startNode("b", hzB);
    Poll.until(30_000, "two members", () -> b.clusterManager().getNodes().size() == 2 ? true : null);
  }

  private HttpResponse<String> get(RendezvousNode node, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port("s2-http") + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void register(RendezvousNode node, String peerId, int port) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port("s2-http") + "/register"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"peer_id\":\"" + peerId + "\",\"username\":\"u\",\"port\":" + port + "}"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static String list(RendezvousNode node) throws Exception {
    try (UdpClient c = new UdpClient(node.port("udp"))) {
      return c.requestText("LIST");
    }
  }

  @Test
  void heartbeatOnOneNodeIsListedByTheOther() throws Exception {
    startBoth();
    try (UdpClient client = new UdpClient(a.port("udp"))) {
      client.send("alice");
      String onB = Poll.until(10_000, "alice listed on node B", () -> {
        String l = list(b);
        return l.startsWith("alice,") ? l : null;
      });
      assertEquals("alice,127.0.0.1," + client.localPort(), onB.substring(0, onB.lastIndexOf(',')),
          "node B reports the address node A saw");
      // The cluster view, asked on either node, shows both nodes holding the user.
      JsonObject view = new JsonObject(http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + a.port("ops") + "/api/cluster")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body());
      assertEquals(2, view.getJsonArray("nodes").size(), view.encode());
      for (int i = 0; i < 2; i++) {
        assertEquals(1, view.getJsonArray("nodes").getJsonObject(i).getInteger("s0Users"), view.encode());
      }
    }
  }

  @Test
  void peerRegisteredThroughOneNodeIsServedByTheOther() throws Exception {
    startBoth();
    register(b, "peer-on-b", 41000);
    String body = Poll.until(10_000, "peer served by node A", () -> {
      HttpResponse<String> r = get(a, "/peer/peer-on-b");
      return r.statusCode() == 200 ? r.body() : null;
    });
    assertEquals("{\"peer_id\":\"peer-on-b\",\"username\":\"u\",\"ip\":\"127.0.0.1\",\"port\":41000}", body);
    // And the offline mark replicates too.
    assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port("s2-http") + "/peer/peer-on-b"))
        .DELETE().timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    Poll.until(10_000, "peer offline on node B", () ->
        get(b, "/peer/peer-on-b").body().equals("{\"detail\":\"Peer is offline\"}") ? true : null);
  }

  /** The peer ids of a /peers answer, in its order. */
  private List<String> peerIds(RendezvousNode node) throws Exception {
    return new JsonObject(get(node, "/peers").body()).getJsonArray("peers").stream()
        .map(p -> ((JsonObject) p).getString("peer_id")).toList();
  }

  @Test
  void registrationsMadeOnBothNodesAtOnceAreInOneOrderOnEveryNode() throws Exception {
    registrySettings.put("commitDelayMs", 300); // each node holds its own registration well before the other's arrives
    startBoth();
    CompletableFuture<Void> onA = CompletableFuture.runAsync(() -> registerUnchecked(a, "first-on-a", 42001));
    CompletableFuture<Void> onB = CompletableFuture.runAsync(() -> registerUnchecked(b, "first-on-b", 42002));
    CompletableFuture.allOf(onA, onB).get(20, TimeUnit.SECONDS);
    List<String> orderOnA = Poll.until(10_000, "both peers on node A", () -> peerIds(a).size() == 2 ? peerIds(a) : null);
    List<String> orderOnB = Poll.until(10_000, "both peers on node B", () -> peerIds(b).size() == 2 ? peerIds(b) : null);
    assertEquals(orderOnA, orderOnB, "/peers lists registrations in one order on every node");
    assertEquals(statusIds(a), statusIds(b), "and so does /status");

    // Registering the first of them again, through the other node, keeps its place on both.
    String earlier = orderOnA.get(0);
    register(earlier.equals("first-on-a") ? b : a, earlier, 42003);
    for (RendezvousNode node : List.of(a, b)) {
      Poll.until(10_000, "the new port everywhere", () -> get(node, "/peer/" + earlier).body().contains("42003") ? true : null);
      assertEquals(orderOnA, peerIds(node));
    }
  }

  private List<String> statusIds(RendezvousNode node) throws Exception {
    return new JsonObject(get(node, "/status").body()).getJsonArray("peer_list").stream()
        .map(p -> ((JsonObject) p).getString("peer_id")).toList();
  }

  private void registerUnchecked(RendezvousNode node, String peerId, int port) {
    try {
      register(node, peerId, port);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aNodeThatWasDownHasTheMissedWritesAsSoonAsItIsBack() throws Exception {
    startBoth();
    NodeFixture.stop(b);
    b = null;
    try (UdpClient client = new UdpClient(a.port("udp"))) {
      client.send("written-while-b-was-down");
      Poll.until(5_000, "heartbeat on A", () -> list(a).contains("written-while-b-was-down,") ? true : null);
    }
    register(a, "peer-while-b-down", 42000);
    b = startNode("b", hzB);
    // No polling: the catch-up is part of B's start.
    assertTrue(list(b).contains("written-while-b-was-down,127.0.0.1,"), list(b));
    assertEquals(200, get(b, "/peer/peer-while-b-down").statusCode());
  }

  @Test
  void writesOnlyTheReturningNodeHeldReachTheNodeThatMissedThem() throws Exception {
    startBoth();
    NodeFixture.stop(a);
    a = null;
    register(b, "only-b-knows", 43000);
    NodeFixture.stop(b);
    b = null;
    a = startNode("a", hzA); // alone, with a file that lacks the peer
    assertEquals(404, get(a, "/peer/only-b-knows").statusCode());
    b = startNode("b", hzB); // merges A's snapshot and publishes what A lacks
    Poll.until(15_000, "A learns B's write", () -> get(a, "/peer/only-b-knows").statusCode() == 200 ? true : null);
    JsonObject status = new JsonObject(get(a, "/status").body());
    assertEquals(1, status.getInteger("total_peers"));
  }

  @Test
  void nodesStartingTogetherWithDifferentFilesConverge() throws Exception {
    hzA = FreePorts.tcp();
    hzB = FreePorts.tcp();
    a = startNode("a", hzA);
    register(a, "only-in-a", 44000);
    NodeFixture.stop(a);
    a = null;
    b = startNode("b", hzB);
    register(b, "only-in-b", 45000);
    NodeFixture.stop(b);
    b = null;
    // Both at once: whichever finds the other's registry first (or neither), both end with both files' peers.
    var startA = RendezvousNode.start(NodeFixture.clustered(dir.resolve("a"), cluster, hzA, List.of(hzA, hzB)));
    var startB = RendezvousNode.start(NodeFixture.clustered(dir.resolve("b"), cluster, hzB, List.of(hzA, hzB)));
    a = startA.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    b = startB.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    for (RendezvousNode n : List.of(a, b)) {
      for (String id : List.of("only-in-a", "only-in-b")) {
        Poll.until(15_000, id + " on " + n.nodeId(), () -> get(n, "/peer/" + id).statusCode() == 200 ? true : null);
      }
    }
  }

  @Test
  void batchesLostOnTheirWayAreRepairedByTheAntiEntropyRoundsOfEitherNode() throws Exception {
    registrySettings.put("antiEntropySeconds", 1);
    startBoth();
    // B caught up from A as it started; A has pulled B's snapshot on B's join: no such exchange is left to come.
    Poll.until(30_000, "B's snapshot merged on A", () ->
        Metrics.of(a.vertx()).value("rendezvous_registry_join_syncs_total") >= 1 ? true : null);
    // Node B's registry traffic is cut, as when an event-bus connection drops what it held: A's replication
    // batches (REPLICATE in), A's anti-entropy rounds (DIGEST in) and B's own (DIGEST out) each on its own switch;
    // every other registry message, both ways, throughout.
    AtomicBoolean batchesIn = new AtomicBoolean(false);
    AtomicBoolean roundsIn = new AtomicBoolean(false);
    AtomicBoolean roundsOut = new AtomicBoolean(false);
    AtomicInteger lostBatches = new AtomicInteger();
    AtomicInteger lostRounds = new AtomicInteger();
    b.vertx().eventBus().addInboundInterceptor(ctx -> {
      String address = ctx.message().address();
      if (address.equals(RegistryClient.REPLICATE) ? batchesIn.get() : address.startsWith(RegistryClient.DIGEST_PREFIX)
          ? roundsIn.get() : !address.startsWith("registry.")) {
        ctx.next();
      } else if (address.equals(RegistryClient.REPLICATE)) {
        lostBatches.incrementAndGet();
      } else if (address.startsWith(RegistryClient.DIGEST_PREFIX)) {
        lostRounds.incrementAndGet();
      }
    });
    b.vertx().eventBus().addOutboundInterceptor(ctx -> {
      String address = ctx.message().address();
      if (!address.startsWith("registry.") || (address.startsWith(RegistryClient.DIGEST_PREFIX) && roundsOut.get())) {
        ctx.next();
      } else if (address.startsWith(RegistryClient.DIGEST_PREFIX)) {
        lostRounds.incrementAndGet();
      }
    });
    Metrics.Counter repairedOnB = Metrics.of(b.vertx()).counter("rendezvous_registry_anti_entropy_repaired_total", "");

    // B's own rounds bring what A holds.
    loseBatch(a, "peer-lost-1", 46001, lostBatches, lostRounds);
    roundsOut.set(true);
    Poll.until(15_000, "peer-lost-1 on B", () -> get(b, "/peer/peer-lost-1").statusCode() == 200 ? true : null);
    assertEquals(1, repairedOnB.value(), "brought by B's own round");
    roundsOut.set(false);

    // A's rounds find what B lacks and publish it again.
    loseBatch(a, "peer-lost-2", 46002, lostBatches, lostRounds);
    batchesIn.set(true);
    roundsIn.set(true);
    String body = Poll.until(15_000, "peer-lost-2 on B", () -> {
      HttpResponse<String> r = get(b, "/peer/peer-lost-2");
      return r.statusCode() == 200 ? r.body() : null;
    });
    assertEquals("{\"peer_id\":\"peer-lost-2\",\"username\":\"u\",\"ip\":\"127.0.0.1\",\"port\":46002}", body);
    assertEquals(1, repairedOnB.value(), "B's rounds were cut: A published it again");
  }

  /** Registers {@code peerId} on {@code node} while B is cut off, and checks that B missed it across six lost rounds. */
  private void loseBatch(RendezvousNode node, String peerId, int port, AtomicInteger lostBatches, AtomicInteger lostRounds)
      throws Exception {
    int batchesBefore = lostBatches.get();
    register(node, peerId, port);
    Poll.until(10_000, "the batch with " + peerId + " lost on its way to B", () -> lostBatches.get() > batchesBefore ? true : null);
    int roundsThen = lostRounds.get();
    // rounds of both nodes, 1 s apart, well past the 1.1 s a new write is left out of the comparison
    Poll.until(20_000, "six anti-entropy rounds lost", () -> lostRounds.get() >= roundsThen + 6 ? true : null);
    assertEquals(404, get(b, "/peer/" + peerId).statusCode(), "lost, and nothing else brought it");
  }
}
