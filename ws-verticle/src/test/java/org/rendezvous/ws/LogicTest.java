package org.rendezvous.ws;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plain classes under the verticle: the online list, call state, budgets, fan-out and config. */
class LogicTest {

  private static OnlineUser user(String name, String node, long seq) {
    return new OnlineUser(name, "\"" + name + "-id\"", node, seq);
  }

  private static List<String> names(OnlineUsers online) {
    return online.inOrder().stream().map(OnlineUser::username).toList();
  }

  @Test
  void onlineUsersAreInRegistrationOrderWhateverOrderEventsArriveIn() {
    OnlineUsers online = new OnlineUsers();
    assertTrue(online.join(user("c", "n2", 30), 0));
    assertTrue(online.join(user("a", "n1", 10), 0));
    assertTrue(online.join(user("b", "n1", 20), 0));
    assertFalse(online.join(user("b", "n1", 20), 0), "a duplicate event changes nothing");
    assertEquals(List.of("a", "b", "c"), names(online));
    assertEquals("[{\"username\": \"a\", \"user_id\": \"a-id\"}, {\"username\": \"b\", \"user_id\": \"b-id\"}, "
        + "{\"username\": \"c\", \"user_id\": \"c-id\"}]", online.usersJson());
  }

  @Test
  void aLeaveOvertakenByAnOlderJoinKeepsTheUserGone() {
    OnlineUsers online = new OnlineUsers();
    assertFalse(online.leave(user("a", "n1", 10), 1_000), "leave of an unknown registration");
    assertFalse(online.join(user("a", "n1", 10), 1_001), "the join it overtook does not bring it back");
    assertTrue(online.join(user("a", "n2", 11), 1_002), "a newer registration of the name does");
    assertFalse(online.join(user("a", "n1", 10), 1_003), "an older one never replaces a newer one");
    assertFalse(online.leave(user("a", "n1", 10), 1_004), "leaving an old registration leaves the new one alone");
    assertEquals(List.of("a"), names(online));
    online.forgetLeavesOlderThan(1_003);
    assertEquals(1, online.departedCount(), "the leave seen again at 1_004 is remembered, nothing older");
  }

  @Test
  void pastTheirMostTheOldestLeavesAreForgottenEarlyAndCounted() {
    int[] early = {0};
    OnlineUsers online = new OnlineUsers(3, () -> early[0]++);
    online.leave(user("a", "n1", 1), 100);
    online.leave(user("a", "n1", 1), 101); // the same leave seen again: one remembered, its first sighting replaced
    online.leave(user("b", "n1", 2), 102);
    online.leave(user("c", "n1", 3), 103);
    assertEquals(3, online.departedCount());
    assertEquals(0, early[0], "a replaced sighting makes no room");
    online.leave(user("d", "n1", 4), 104);
    assertEquals(3, online.departedCount());
    assertEquals(1, early[0], "the oldest leave, a's, is forgotten");
    assertTrue(online.join(user("a", "n1", 1), 105), "its overtaken join is no longer kept out");
    assertFalse(online.join(user("b", "n1", 2), 105), "b's leave is still remembered");
    online.forgetLeavesOlderThan(104);
    assertEquals(1, online.departedCount(), "d's, the one leave of the last cutoff");
    assertEquals(1, early[0], "forgotten in their time is not early");
  }

  @Test
  void oneNameLeavingAgainAndAgainDoesNotPushOtherLeavesOut() {
    int[] early = {0};
    OnlineUsers online = new OnlineUsers(3, () -> early[0]++);
    online.leave(user("b", "n1", 1), 100);
    online.leave(user("c", "n1", 2), 100);
    for (int i = 0; i < 50; i++) {
      online.leave(user("a", "n1", 3 + i), 101 + i); // each a newer registration of a, replacing the last
    }
    assertEquals(3, online.departedCount());
    assertEquals(0, early[0], "fifty sightings of one name are one remembered leave");
    assertFalse(online.join(user("b", "n1", 1), 200), "b's leave still keeps its overtaken join out");
  }

  @Test
  void aDeadNodesUsersAreRemovedTogether() {
    OnlineUsers online = new OnlineUsers();
    online.join(user("a", "n1", 1), 0);
    online.join(user("b", "n2", 2), 0);
    online.join(user("c", "n1", 3), 0);
    String before = online.usersJson();
    List<OnlineUser> gone = online.leaveNode("n1", 5);
    assertEquals(List.of("a", "c"), gone.stream().map(OnlineUser::username).toList());
    assertEquals(List.of("b"), names(online));
    assertFalse(before.equals(online.usersJson()), "the rendered list follows the change");
    assertFalse(online.join(user("a", "n1", 1), 6), "a late join from the dead node is ignored");
  }

  @Test
  void aNodeBackAfterASplitMayBringItsUsersBack() {
    OnlineUsers online = new OnlineUsers();
    online.join(user("a", "n1", 1), 0);
    online.join(user("b", "n2", 2), 0);
    online.leaveNode("n1", 5);
    online.leave(user("b", "n2", 2), 5); // an ordinary leave is not the node's: it stays remembered
    online.forgetNodeLeft("n1");
    assertTrue(online.join(user("a", "n1", 1), 6), "the same registration, announced again by its node");
    assertFalse(online.join(user("b", "n2", 2), 6));
    assertEquals(List.of("a"), names(online));
  }

  @Test
  void registrationsSharingASequenceNumberAfterAHealedSplitAreAllListed() {
    OnlineUsers online = new OnlineUsers();
    assertTrue(online.join(user("b", "n2", 5), 0));
    assertTrue(online.join(user("a", "n1", 5), 0));
    assertTrue(online.join(user("c", "n1", 5), 0), "the same node may reuse a number after the merge, for another name");
    assertEquals(List.of("a", "c", "b"), names(online), "by sequence number, then node, then name");
    assertTrue(online.leave(user("a", "n1", 5), 1));
    assertEquals(List.of("c", "b"), names(online), "a leave takes only its own registration");
  }

  @Test
  void ofTwoRegistrationsOfOneNameEveryListKeepsTheNewerWhateverTheOrderOfEvents() {
    OnlineUser older = user("x", "n9", 7);
    OnlineUser newer = user("x", "n1", 8);
    OnlineUser tie = user("x", "n2", 8); // same number, later node: newer than n1's
    for (List<OnlineUser> events : List.of(List.of(older, newer, tie), List.of(tie, newer, older), List.of(newer, tie, older))) {
      OnlineUsers online = new OnlineUsers();
      events.forEach(u -> online.join(u, 0));
      assertEquals(tie, online.get("x"), "after " + events);
      assertFalse(online.leave(older, 1), "the losers' leaves do not take the winner off");
      assertFalse(online.leave(newer, 1));
      assertEquals(List.of(tie), online.inOrder());
      assertFalse(online.join(newer, 2), "a loser's late join does not come back");
    }
  }

  @Test
  void highestSeqCountsListedAndDepartedRegistrations() {
    OnlineUsers online = new OnlineUsers();
    assertEquals(0, online.highestSeq());
    online.join(user("a", "n1", 4), 0);
    online.join(user("b", "n2", 9), 0);
    assertEquals(9, online.highestSeq());
    online.leave(user("b", "n2", 9), 1);
    online.leave(user("z", "n3", 12), 1); // a leave overtaking its join
    assertEquals(12, online.highestSeq());
  }

  @Test
  void aNodeBackAfterASplitDoesNotFreeANameAnotherNodeSawLeave() {
    OnlineUsers online = new OnlineUsers();
    online.join(user("a", "n1", 1), 0);
    online.leaveNode("n1", 5);
    online.leave(user("a", "n2", 3), 6); // a newer registration of the name, on another node, left meanwhile
    online.forgetNodeLeft("n1");
    assertFalse(online.join(user("a", "n2", 3), 7), "that leave is still remembered");
    assertTrue(online.join(user("a", "n1", 4), 7));
  }

  @Test
  void aRegistrationItsNodeReportsLiveIsListedDespiteANewerOneThatCameAndWentDuringTheSplit() {
    OnlineUsers online = new OnlineUsers();
    online.join(user("a", "n1", 1), 0);
    online.leaveNode("n1", 5);
    online.join(user("a", "n2", 3), 6); // this side freed the name, someone took it and left again
    online.leave(user("a", "n2", 3), 7);
    online.forgetNodeLeft("n1");
    assertFalse(online.join(user("a", "n1", 1), 8), "an ordinary join older than the leave stays out");
    assertTrue(online.joinLive(user("a", "n1", 1), 8), "n1 says its user is still there");
    assertEquals(List.of("a"), names(online));
    assertTrue(online.leave(user("a", "n1", 1), 9));
    assertFalse(online.joinLive(user("a", "n1", 1), 10), "a leave of that very registration does keep it out");
  }

  @Test
  void callBookTracksBothDirectionsAndEndsCallsOfLeavers() {
    CallBook calls = new CallBook();
    calls.start("alice", "bob");
    calls.start("carol", "bob");
    calls.start("alice", "dave");
    calls.start("alice", "bob"); // accepted twice: still one call
    assertEquals(3, calls.size());
    assertEquals(Set.of("bob", "dave"), calls.endAllOf("alice"));
    assertFalse(calls.inCall("alice", "bob"));
    List<CallBook.Call> ended = calls.endAllWith("bob");
    assertEquals(List.of(new CallBook.Call("carol", "bob")), ended);
    assertEquals(0, calls.size());
    assertFalse(calls.end("carol", "bob"), "ending twice is harmless");
  }

  @Test
  void budgetAllowsTheBurstThenTheRate() {
    long t = 1_000_000_000L;
    MessageBudget budget = new MessageBudget(10, 5, t);
    for (int i = 0; i < 5; i++) {
      assertTrue(budget.tryTake(t));
    }
    assertFalse(budget.tryTake(t));
    assertFalse(budget.tryTake(t + 50_000_000L), "half a token after 50 ms at 10/s");
    assertTrue(budget.tryTake(t + 100_000_000L));
    assertFalse(budget.tryTake(t + 100_000_000L));
    t += 10_000_000_000L;
    int taken = 0;
    while (taken < 100 && budget.tryTake(t)) { // bounded: a budget that never runs out fails the assert below
      taken++;
    }
    assertEquals(5, taken, "never more than the burst after a long pause");
  }

  /** A sink that completes writes only when the test says so. */
  private static final class ManualSink implements OnlineUsersFanout.Sink<String, String> {
    final List<String[]> writes = new ArrayList<>();
    final List<Runnable> pending = new ArrayList<>();

    @Override
    public void write(String conn, String frame, Runnable written) {
      writes.add(new String[] {conn, frame});
      pending.add(written);
    }

    void completeAll() {
      List<Runnable> now = new ArrayList<>(pending);
      pending.clear();
      now.forEach(Runnable::run);
    }
  }

  @Test
  void fanoutSendsOnlyTheNewestListToASlowSocketAndBoundsBytesInFlight() {
    ManualSink sink = new ManualSink();
    OnlineUsersFanout<String, String> fanout = new OnlineUsersFanout<>(250, sink);
    fanout.publish("v1", 100, List.of("s1", "s2", "s3"));
    assertEquals(2, sink.writes.size(), "two lists of 100 bytes fit in 250");
    assertEquals(200, fanout.bytesInFlight());
    fanout.publish("v2", 100, List.of("s1", "s2", "s3"));
    fanout.publish("v3", 100, List.of("s1", "s2", "s3"));
    sink.completeAll();
    // s1 and s2 finished v1 and are owed the newest; s3 never got v1 or v2
    List<String> sent = sink.writes.stream().map(w -> w[0] + ":" + w[1]).toList();
    assertEquals(List.of("s1:v1", "s2:v1", "s3:v3", "s1:v3"), sent);
    sink.completeAll();
    assertEquals("s2:v3", sink.writes.get(4)[0] + ":" + sink.writes.get(4)[1]);
    sink.completeAll();
    assertEquals(5, sink.writes.size(), "each socket ends with the newest list, written once");
    assertEquals(0, fanout.bytesInFlight());
    assertEquals(0, fanout.waitingCount());
  }

  @Test
  void fanoutForgetsClosedSocketsAndSurvivesSynchronousCompletion() {
    List<String> written = new ArrayList<>();
    OnlineUsersFanout<String, String> fanout = new OnlineUsersFanout<>(1, (c, f, done) -> {
      written.add(c);
      done.run();
    });
    fanout.forget("gone");
    fanout.publish("v", 10, List.of("a", "b", "c"));
    assertEquals(List.of("a", "b", "c"), written, "a list larger than the budget still goes out, one at a time");
    assertEquals(0, fanout.bytesInFlight());
  }

  @Test
  void configDefaultsThePortEnvAndValidation() {
    WsConfig d = WsConfig.from(new JsonObject(), Map.of());
    assertEquals(8765, d.port());
    assertEquals(20_000, d.pingIntervalMs());
    assertEquals(20_000, d.pongTimeoutMs());
    assertEquals(1 << 20, d.maxMessageBytes());
    assertEquals(60_000, d.idleTimeoutMs());
    assertEquals(140_000, WsConfig.from(new JsonObject().put("pingIntervalMs", 60_000).put("pongTimeoutMs", 60_000), Map.of())
        .idleTimeoutMs(), "a long keepalive moves the idle default with it");
    assertThrows(IllegalArgumentException.class, () -> WsConfig.from(new JsonObject().put("idleTimeoutMs", 40_000), Map.of()),
        "an idle timeout the keepalive cannot beat would close quiet WebSockets");
    assertFalse(d.authRequired());
    assertEquals(10000, WsConfig.from(new JsonObject().put("port", 9000), Map.of("PORT", "10000")).port(), "PORT wins");
    assertEquals(9000, WsConfig.from(new JsonObject().put("port", "9000"), Map.of("PORT", " ")).port());
    assertTrue(WsConfig.from(new JsonObject().put("jwtSecret", "s"), Map.of()).authRequired());
    assertThrows(IllegalArgumentException.class, () -> WsConfig.from(new JsonObject(), Map.of("PORT", "70000")));
    assertThrows(IllegalArgumentException.class, () -> WsConfig.from(new JsonObject(), Map.of("PORT", "http")));
    assertThrows(IllegalArgumentException.class, () -> WsConfig.from(new JsonObject().put("maxMessageBytes", 10), Map.of()));
  }
}
