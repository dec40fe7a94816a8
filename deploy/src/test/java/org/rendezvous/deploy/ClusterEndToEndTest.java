package org.rendezvous.deploy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.client.PairingClient;
import org.rendezvous.client.PeerRegistryClient;
import org.rendezvous.client.StunClient;
import org.rendezvous.testkit.ClusterTestKit;
import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three node processes of the fat jar (deploy/local/cluster.sh) with clients of every surface spread
 * over them; node 2 is killed with SIGKILL under that load, the survivors must keep serving and
 * release what it owned, and node 2 must rejoin and catch up. Prints how long each step took.
 */
class ClusterEndToEndTest {

  private static final int PORT_BASE = 27400;
  private static final Path JAR = DeployTree.NODE_JAR;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, Long> timings = new LinkedHashMap<>();
  private Map<String, String> env;

  /** A WebSocket client that keeps every JSON message it received. */
  private final class WsClient implements WebSocket.Listener {
    final List<JsonObject> received = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    final WebSocket ws;

    WsClient(int port) throws Exception {
      ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), this).get(10, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        received.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    void send(JsonObject m) throws Exception {
      ws.sendText(m.encode(), true).get(5, TimeUnit.SECONDS);
    }

    /** The first message received so far, or within {@code ms}, that matches. */
    JsonObject await(String what, long ms, Predicate<JsonObject> match) throws Exception {
      return Poll.until(ms, what, () -> received.stream().filter(match).findFirst().orElse(null));
    }

    JsonObject next(String type, long ms) throws Exception {
      return await(type, ms, m -> type.equals(m.getString("type")));
    }
  }

  @Test
  void everySurfaceSurvivesKillingANodeAndTheNodeCatchesUp(@TempDir Path runDir) throws Exception {
    assertTrue(Files.isRegularFile(JAR), JAR + " is built by mvn -B verify before this module's tests");
    env = new HashMap<>(Map.of("RUN_DIR", runDir.toString(), "JAR", JAR.toString(), "PORT_BASE", Integer.toString(PORT_BASE),
        "CLUSTER_NAME", ClusterTestKit.uniqueClusterName(), "RENDEZVOUS_CLUSTER_MAX_NO_HEARTBEAT_SECONDS", "5"));
    List<WsClient> sockets = new ArrayList<>();
    List<UdpClient> udp = new ArrayList<>();
    try {
      long t = System.nanoTime();
      assertEquals(0, script("start", "3"));
      lap("3 nodes started and ready", t);
      Map<Integer, Map<String, Integer>> ports = new HashMap<>();
      for (int i = 1; i <= 3; i++) {
        ports.put(i, ports(i));
      }

      // S0 from clients on every node; S5 on every node
      UdpClient[] s0 = new UdpClient[4];
      for (int i = 1; i <= 3; i++) {
        s0[i] = new UdpClient(ports.get(i).get("udp"));
        udp.add(s0[i]);
        s0[i].send("e2e-user-" + i);
        try (DatagramSocket d = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
          InetSocketAddress mapped = StunClient.mappedAddress(d,
              new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get(i).get("udp")), Duration.ofSeconds(3));
          assertEquals(d.getLocalPort(), mapped.getPort(), "STUN on node " + i);
        }
      }
      t = System.nanoTime();
      for (int i = 1; i <= 3; i++) {
        UdpClient asker = s0[i];
        Poll.until(10_000, "every user listed on node " + i, () -> {
          String l = asker.requestText("LIST");
          return l.contains("e2e-user-1,") && l.contains("e2e-user-2,") && l.contains("e2e-user-3,") ? true : null;
        });
      }
      lap("S0 heartbeats replicated to all 3 nodes", t);

      // S2 through node 2, read everywhere
      new PeerRegistryClient("http://127.0.0.1:" + ports.get(2).get("s2")).register("e2e-peer", "pat", 45000);
      for (int i = 1; i <= 3; i++) {
        PeerRegistryClient c = new PeerRegistryClient("http://127.0.0.1:" + ports.get(i).get("s2"));
        Poll.until(10_000, "peer on node " + i, () -> c.peer("e2e-peer").orElse(null));
      }

      // S3: caller on node 1, callee on node 2 (to be killed), in an accepted call
      WsClient caller = new WsClient(ports.get(1).get("ws"));
      WsClient callee = new WsClient(ports.get(2).get("ws"));
      sockets.add(caller);
      sockets.add(callee);
      caller.send(new JsonObject().put("type", "register").put("username", "caller").put("user_id", "u1"));
      caller.next("registered", 10_000);
      callee.send(new JsonObject().put("type", "register").put("username", "callee").put("user_id", "u2"));
      callee.next("registered", 10_000);
      caller.send(new JsonObject().put("type", "call_request").put("target_username", "callee"));
      callee.next("incoming_call", 10_000);
      callee.send(new JsonObject().put("type", "call_accepted").put("caller_username", "caller"));
      caller.next("call_accepted", 10_000);

      // S4: session hosted through node 2 (its owner dies), a player through node 1
      UdpClient host = new UdpClient(ports.get(2).get("lobby"));
      UdpClient player = new UdpClient(ports.get(1).get("lobby"));
      udp.add(host);
      udp.add(player);
      assertEquals("i:hoster", host.requestText("h:e2egame:hoster:4"));
      assertEquals("i:hoster:player", player.requestText("c:e2egame:player"));

      // S1: an initiator waiting on node 2 (dies with its key)
      CompletableFuture<PairingClient.Reply> doomed = CompletableFuture.supplyAsync(() -> hello(ports.get(2).get("pairing"),
          "e2e-key", "127.0.0.1", Duration.ofSeconds(60)));

      // kill -9 node 2 under that load
      t = System.nanoTime();
      assertEquals(0, script("kill9", "2"));
      JsonObject ended = caller.next("call_ended", 30_000);
      assertEquals("callee", ended.getString("from_username"));
      lap("S3 call partner got call_ended", t);
      caller.await("online_users without callee", 30_000, o -> "online_users".equals(o.getString("type"))
          && o.getJsonArray("users").stream().noneMatch(u -> "callee".equals(((JsonObject) u).getString("username"))));
      lap("S3 online_users without the dead node's users", t);
      Poll.until(30_000, "lobby session released", () ->
          player.requestText("p:e2egame:player").equals("error:session_non_existent") ? true : null);
      lap("S4 session of the dead node released", t);
      UdpClient host3 = new UdpClient(ports.get(3).get("lobby"));
      udp.add(host3);
      assertEquals("i:newhost", host3.requestText("h:e2egame:newhost:4"), "the session name is free again");
      CompletableFuture<PairingClient.Reply> initiator = Poll.until(30_000, "pairing key released", () -> {
        CompletableFuture<PairingClient.Reply> f = CompletableFuture.supplyAsync(() -> hello(ports.get(1).get("pairing"),
            "e2e-key", "127.0.0.1", Duration.ofSeconds(20)));
        try {
          f.get(1, TimeUnit.SECONDS);
          return null; // answered at once: "UUID already in use", the dead node still holds the key
        } catch (TimeoutException waiting) {
          return f; // still waiting after 1 s: the key was free
        }
      });
      lap("S1 key of the dead node released", t);
      PairingClient.Reply receiver = hello(ports.get(3).get("pairing"), "e2e-key", "", Duration.ofSeconds(10));
      assertEquals("", receiver.error(), "receiver on node 3 pairs with the initiator on node 1");
      assertTrue(initiator.get(15, TimeUnit.SECONDS).ok());
      assertTrue(doomed.handle((r, e) -> r == null || !r.ok()).get(30, TimeUnit.SECONDS),
          "the killed node's initiator is told its wait failed (its connection is gone), not left hanging");

      // survivors keep answering; registry data is on both; re-pointed clients carry on
      for (int i : List.of(1, 3)) {
        PeerRegistryClient c = new PeerRegistryClient("http://127.0.0.1:" + ports.get(i).get("s2"));
        assertTrue(c.peer("e2e-peer").isPresent(), "S2 data on node " + i);
        assertTrue(s0[i].requestText("LIST").contains("e2e-user-2,"), "S0 data written through node 2 on node " + i);
      }
      WsClient again = new WsClient(ports.get(3).get("ws"));
      sockets.add(again);
      again.send(new JsonObject().put("type", "register").put("username", "callee").put("user_id", "u2"));
      again.next("registered", 10_000);
      UdpClient moved = new UdpClient(ports.get(3).get("udp"));
      udp.add(moved);
      moved.send("e2e-late");

      // restart node 2: it rejoins and has what it missed
      t = System.nanoTime();
      assertEquals(0, script("restart", "2"));
      lap("node 2 restarted and ready", t);
      try (UdpClient onTwo = new UdpClient(ports.get(2).get("udp"))) {
        assertTrue(onTwo.requestText("LIST").contains("e2e-late,"), "node 2 caught up on a write made while it was down");
      }
      System.out.println("cluster end-to-end timings:");
      timings.forEach((k, v) -> System.out.println(String.format("  %-50s %6d ms", k, v)));
    } finally {
      sockets.forEach(s -> s.ws.abort());
      udp.forEach(UdpClient::close);
      script("clean");
    }
  }

  private void lap(String what, long since) {
    timings.put(what, (System.nanoTime() - since) / 1_000_000);
  }

  private static PairingClient.Reply hello(int port, String uuid, String target, Duration wait) {
    try {
      return PairingClient.hello(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0, uuid, target, "udp",
          "127.0.0.1:" + (40000 + Math.abs(uuid.hashCode() % 1000)), wait);
    } catch (IOException e) {
      return new PairingClient.Reply("", "", "io: " + e.getMessage());
    }
  }

  private int script(String... args) throws IOException, InterruptedException {
    LocalClusterScript.Run r = LocalClusterScript.run(env, args);
    if (r.exitCode() != 0) {
      System.out.println("cluster.sh " + String.join(" ", args) + ":\n" + r.output());
    }
    return r.exitCode();
  }

  private Map<String, Integer> ports(int node) throws Exception {
    Map<String, Integer> ports = LocalClusterScript.ports(env, node);
    assertFalse(ports.isEmpty(), "ports of node " + node);
    return ports;
  }
}
