package org.rendezvous.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.Poll;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * S3 across node processes: kill -9 of the node holding one side of a call (no shutdown hook,
 * nothing released) — the partner on the survivor gets call_ended and an online_users without the
 * dead node's users within seconds, and their names can be registered again (SPEC §2 rule 4).
 */
class CallSignalingNodeLossTest {

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void killingTheNodeOfOneSideOfACallEndsItForThePartner() throws Exception {
    List<NodeProcess> nodes = NodeProcess.twoMembers(dir, new JsonObject());
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1)) {
      NodeProcess.startCluster(a, b);

      Client alice = registered(a.wsPort, "alice");
      Client bob = registered(b.wsPort, "bob");
      Client dave = registered(b.wsPort, "dave");
      alice.awaitList(List.of("alice", "bob", "dave"));

      alice.send("{\"type\":\"call_request\",\"target_username\":\"bob\"}");
      assertEquals("incoming_call", bob.nextSkippingLists().getString("type"));
      bob.send("{\"type\":\"call_accepted\",\"caller_username\":\"alice\"}");
      assertEquals("call_accepted", alice.nextSkippingLists().getString("type"));

      b.kill();
      long killedAt = System.nanoTime();
      JsonObject ended = alice.nextSkippingLists();
      assertEquals("call_ended", ended.getString("type"));
      assertEquals("bob", ended.getString("from_username"));
      alice.awaitList(List.of("alice"));
      System.out.println("S3: call_ended and the new list reached the survivor's client "
          + (System.nanoTime() - killedAt) / 1_000_000 + " ms after kill -9");

      Client bobAgain = Client.connect(http, a.wsPort);
      bobAgain.send("{\"type\":\"register\",\"username\":\"bob\",\"user_id\":\"ub2\"}");
      assertEquals("registered", bobAgain.next().getString("type"), "the dead node's name is free again");
      Client daveAgain = Client.connect(http, a.wsPort);
      daveAgain.send("{\"type\":\"register\",\"username\":\"dave\",\"user_id\":\"ud2\"}");
      assertEquals("registered", daveAgain.nextSkippingLists().getString("type"));
      alice.awaitList(List.of("alice", "bob", "dave"));
    }
  }

  /**
   * A member cut off while it keeps running (SIGSTOP past the heartbeat timeout) and merged back: each
   * side had dropped the other's users, and lists them again once the split heals.
   */
  @Test
  void afterASplitHealsEachSideListsTheOthersUsersAgain() throws Exception {
    List<NodeProcess> nodes = NodeProcess.twoMembersQuickToMerge(dir, new JsonObject());
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1)) {
      NodeProcess.startCluster(a, b);
      Client alice = registered(a.wsPort, "alice");
      Client bob = registered(b.wsPort, "bob");
      alice.awaitList(List.of("alice", "bob"));
      bob.awaitList(List.of("alice", "bob"));

      b.pause();
      alice.awaitList(List.of("alice")); // a dropped the silent member's users
      b.resume();
      bob.awaitList(List.of("bob")); // b, waking, found a silent for too long and dropped alice

      alice.awaitList(List.of("alice", "bob"));
      bob.awaitList(List.of("alice", "bob"));
    }
  }

  /**
   * A name taken on each side of a split (each side had freed the other's users): once it heals, every node
   * keeps the newer registration, the older one's connection closes with 4409, and the name has one holder,
   * also after the later check against the merged map. Which side merges into which is Hazelcast's choice, so
   * both sides take a turn at being cut off.
   */
  @Test
  void aNameTakenOnBothSidesOfASplitEndsWithTheNewerHolderWhenBWasCutOff() throws Exception {
    nameTakenOnBothSidesOfASplit(false);
  }

  @Test
  void aNameTakenOnBothSidesOfASplitEndsWithTheNewerHolderWhenAWasCutOff() throws Exception {
    nameTakenOnBothSidesOfASplit(true);
  }

  private void nameTakenOnBothSidesOfASplit(boolean cutOffA) throws Exception {
    List<NodeProcess> nodes = NodeProcess.twoMembersQuickToMerge(dir, new JsonObject());
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1)) {
      NodeProcess.startCluster(a, b);
      NodeProcess cut = cutOffA ? a : b;
      NodeProcess kept = cutOffA ? b : a;
      Client alice = registered(kept.wsPort, "alice");
      registered(cut.wsPort, "bob");
      Client older = registered(cut.wsPort, "twin", "older");
      alice.awaitList(List.of("alice", "bob", "twin"));

      cut.pause();
      alice.awaitList(List.of("alice"));
      // The kept side frees the cut-off node's names just after it drops its users from the list.
      Client newer = Poll.until(10_000, "twin free on the kept side", () -> {
        Client c = Client.connect(http, kept.wsPort);
        c.send("{\"type\":\"register\",\"username\":\"twin\",\"user_id\":\"newer\"}");
        return "registered".equals(c.nextSkippingLists().getString("type")) ? c : null;
      });
      alice.awaitList(List.of("alice", "twin"));
      cut.resume();

      assertEquals(4409, older.awaitClose(), "the older registration's connection is closed");
      Poll.until(60_000, "one cluster again", () -> a.clusterSize() == 2 && b.clusterSize() == 2 ? true : null);
      Poll.until(30_000, "both nodes to check their names against the merged map",
          () -> kept.metric("rendezvous_ws_split_name_checks_total") >= 2 && cut.metric("rendezvous_ws_split_name_checks_total") >= 1
              ? true : null);
      assertFalse(newer.isClosed(), "the newer registration keeps its connection");
      assertEquals(1, cut.metric("rendezvous_ws_names_lost_in_split_total"));
      assertEquals(0, kept.metric("rendezvous_ws_names_lost_in_split_total"));

      Client carol = registered(cut.wsPort, "carol");
      JsonObject list = carol.awaitList(List.of("alice", "bob", "twin", "carol"));
      assertEquals("newer", list.getJsonArray("users").getJsonObject(2).getString("user_id"), "the cut-off side lists the newer twin");
      alice.awaitList(List.of("alice", "bob", "twin", "carol"));

      Client taker = Client.connect(http, cut.wsPort);
      taker.send("{\"type\":\"register\",\"username\":\"twin\",\"user_id\":\"x\"}");
      assertEquals("Username already taken", taker.nextSkippingLists().getString("message"), "the name has a holder");
      carol.send("{\"type\":\"offer\",\"target_username\":\"twin\",\"data\":{\"n\":1}}");
      JsonObject offer = newer.nextSkippingLists();
      assertEquals("offer", offer.getString("type"), "a message to the name reaches the one holder, from either node");
      assertEquals("carol", offer.getString("from_username"));
    }
  }

  /** A client of the S3 port {@code port}, registered as {@code name}. */
  private Client registered(int port, String name) throws Exception {
    return registered(port, name, "u-" + name);
  }

  private Client registered(int port, String name, String userId) throws Exception {
    Client c = Client.connect(http, port);
    c.send("{\"type\":\"register\",\"username\":\"" + name + "\",\"user_id\":\"" + userId + "\"}");
    assertEquals("registered", c.nextSkippingLists().getString("type"));
    return c;
  }

  /** A JDK WebSocket client queueing every text message it receives. */
  private static final class Client implements WebSocket.Listener {
    /** Long enough for Hazelcast to declare a killed member dead (5 s without heartbeat) and for the clean-up. */
    private static final long WAIT_MS = 20_000;
    private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private WebSocket ws;

    static Client connect(HttpClient http, int port) throws Exception {
      Client c = new Client();
      c.ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), c).get(10, TimeUnit.SECONDS);
      return c;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        received.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null;
    }

    boolean isClosed() {
      return closeCode.isDone();
    }

    /** The close code the server sent. */
    int awaitClose() throws Exception {
      return closeCode.get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    void send(String text) throws Exception {
      ws.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    JsonObject next() throws Exception {
      String s = received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
      if (s == null) {
        throw new AssertionError("no message within " + WAIT_MS + " ms");
      }
      return new JsonObject(s);
    }

    JsonObject nextSkippingLists() throws Exception {
      JsonObject m;
      do {
        m = next();
      } while ("online_users".equals(m.getString("type")));
      return m;
    }

    /** Reads online_users lists until one holds {@code names}, in that order; returns it. */
    JsonObject awaitList(List<String> names) throws Exception {
      while (true) {
        JsonObject m = next();
        assertEquals("online_users", m.getString("type"), m.encode());
        JsonArray users = m.getJsonArray("users");
        if (users.stream().map(u -> ((JsonObject) u).getString("username")).toList().equals(names)) {
          return m;
        }
      }
    }
  }
}
