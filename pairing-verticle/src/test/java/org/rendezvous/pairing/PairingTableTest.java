package org.rendezvous.pairing;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each waiting initiator leaves the table exactly once: paired, timed out or abandoned. */
class PairingTableTest {

  private static final long WAIT = 30_000;

  private static Arrival.Initiator initiator(String key) {
    return new Arrival.Initiator(key, "tcp", "1.1.1.1:1");
  }

  private static Arrival.Receiver receiver(String key) {
    return new Arrival.Receiver(key, "2.2.2.2:2", "2.2.2.2:3");
  }

  @Test
  void aReceiverClaimsTheInitiatorOnceAndGetsBothReplies() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    assertTrue(t.add(initiator("k"), "conn-i", 0));
    PairingTable.Match<String> m = t.claim(receiver("k"));
    assertNotNull(m);
    assertEquals("conn-i", m.initiatorConnection());
    assertEquals(Reply.peer("tcp", "2.2.2.2:3"), m.pair().toInitiator());
    assertEquals(Reply.peer("tcp", "1.1.1.1:1"), m.pair().toReceiver());
    assertNull(t.claim(receiver("k")), "a pairing is consumed");
    assertEquals(0, t.size());
  }

  @Test
  void aReceiverWithAnotherKeyFindsNothing() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    t.add(initiator("k"), "c", 0);
    assertNull(t.claim(receiver("other")));
    assertEquals(1, t.size());
  }

  @Test
  void aKeyWaitsOnceHere() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    assertTrue(t.add(initiator("k"), "a", 0));
    assertFalse(t.add(initiator("k"), "b", 1));
    assertEquals("a", t.claim(receiver("k")).initiatorConnection());
  }

  @Test
  void initiatorsExpireAtTheirDeadlineOldestFirstAndNotBefore() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    t.add(initiator("a"), "a", 0);
    t.add(initiator("b"), "b", 10);
    t.add(initiator("c"), "c", 20);
    assertTrue(t.expire(WAIT - 1).isEmpty());
    List<PairingTable.Waiting<String>> gone = t.expire(WAIT + 10);
    assertEquals(List.of("a", "b"), gone.stream().map(PairingTable.Waiting::connection).toList());
    assertNull(t.claim(receiver("a")), "an expired initiator cannot be paired");
    assertEquals(1, t.size());
  }

  @Test
  void aPairedInitiatorNeverTimesOut() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    t.add(initiator("k"), "c", 0);
    t.claim(receiver("k"));
    assertTrue(t.expire(Long.MAX_VALUE).isEmpty());
  }

  @Test
  void onlyTheWaitingConnectionCanAbandonItsKey() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    String conn = new String("c");
    t.add(initiator("k"), conn, 0);
    assertFalse(t.abandon("k", new String("c")), "another connection's close frees nothing");
    assertTrue(t.abandon("k", conn));
    assertFalse(t.abandon("k", conn), "abandoned once");
    assertNull(t.claim(receiver("k")));
    assertTrue(t.add(initiator("k"), "again", 5), "the key can wait again");
  }

  @Test
  void aClockSteppingBackDoesNotReorderDeadlines() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    t.add(initiator("a"), "a", 1_000);
    t.add(initiator("b"), "b", 0);
    List<PairingTable.Waiting<String>> gone = t.expire(WAIT + 1_000);
    assertEquals(2, gone.size());
    assertSame("a", gone.get(0).connection());
  }

  @Test
  void drainEmptiesTheTable() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    t.add(initiator("a"), "a", 0);
    t.add(initiator("b"), "b", 0);
    assertEquals(2, t.drain().size());
    assertEquals(0, t.size());
  }

  @Test
  void waitingListsTheInitiatorsOldestFirstWithoutTakingThem() {
    PairingTable<String> t = new PairingTable<>(WAIT);
    t.add(initiator("b"), "b", 0);
    t.add(initiator("a"), "a", 1);
    List<PairingTable.Waiting<String>> seen = t.waiting();
    assertEquals(List.of("b", "a"), seen.stream().map(PairingTable.Waiting::connection).toList());
    t.abandon(seen.get(0).initiator().key(), "b"); // the caller may end waits while it goes through the list
    assertEquals(2, seen.size(), "a copy");
    assertEquals(1, t.size());
  }
}
