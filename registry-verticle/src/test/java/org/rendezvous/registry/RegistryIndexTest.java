package org.rendezvous.registry;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryIndexTest {

  private static UserRecord user(String name, int port, long lastSeen, long version, String origin) {
    return new UserRecord(name, "198.51.100.7", port, lastSeen, version, origin);
  }

  private static String list(RegistryIndex index, long now, int max) {
    return new String(index.renderList(now, max), StandardCharsets.UTF_8);
  }

  @Test
  void listIsMostRecentFirstWithTiesInRegistrationOrder() {
    RegistryIndex index = new RegistryIndex();
    index.apply(user("ann", 1, 100, 1, "a"));
    index.apply(user("bob", 2, 105, 2, "a"));
    index.apply(user("cat", 3, 100, 3, "a"));
    index.apply(user("dan", 4, 105, 4, "a"));
    assertEquals("bob,198.51.100.7,2,5\ndan,198.51.100.7,4,5\nann,198.51.100.7,1,10\ncat,198.51.100.7,3,10",
        list(index, 110, 65_507));
  }

  @Test
  void aHeartbeatMovesAUserUpButNotItsRegistrationPlace() {
    RegistryIndex index = new RegistryIndex();
    index.apply(user("ann", 1, 100, 1, "a"));
    index.apply(user("bob", 2, 100, 2, "a"));
    index.apply(user("ann", 9, 100, 3, "a"));
    assertEquals("ann,198.51.100.7,9,0\nbob,198.51.100.7,2,0", list(index, 100, 65_507));
  }

  @Test
  void emptyRegistryGivesAnEmptyReply() {
    assertEquals(0, new RegistryIndex().renderList(1, 65_507).length);
  }

  @Test
  void replyHoldsTheMostRecentUsersThatFit() {
    RegistryIndex index = new RegistryIndex();
    index.apply(user("old", 1, 90, 1, "a"));
    index.apply(user("new", 2, 99, 2, "a"));
    String full = list(index, 100, 65_507);
    assertEquals("new,198.51.100.7,2,1\nold,198.51.100.7,1,10", full);
    assertEquals("new,198.51.100.7,2,1", list(index, 100, full.length() - 1));
    assertEquals(full, list(index, 100, full.length()));
    assertEquals("", list(index, 100, 5));
  }

  @Test
  void lastWriterWinsByVersionThenOrigin() {
    RegistryIndex index = new RegistryIndex();
    assertTrue(index.apply(user("ann", 1, 100, 10, "b")));
    assertFalse(index.apply(user("ann", 2, 100, 9, "z")), "older version loses whatever its origin");
    assertFalse(index.apply(user("ann", 3, 100, 10, "a")), "same version: smaller origin loses");
    assertTrue(index.apply(user("ann", 4, 100, 10, "c")), "same version: larger origin wins");
    assertEquals(4, index.user("ann").port());
  }

  @Test
  void retentionRemovesOnlyUsersOlderThanTheCutoff() {
    RegistryIndex index = new RegistryIndex();
    index.apply(user("ann", 1, 100, 1, "a"));
    index.apply(user("bob", 2, 200, 2, "a"));
    assertEquals(List.of("ann"), index.expireUsers(150));
    assertEquals("bob,198.51.100.7,2,0", list(index, 200, 65_507));
  }

  @Test
  void onlineCountFollowsReplacementAndOffline() {
    RegistryIndex index = new RegistryIndex();
    PeerRecord p = new PeerRecord("p1", "ann", "192.0.2.1", 5000, true, 1, 1, "a", 1);
    index.apply(p);
    index.apply(new PeerRecord("p2", "bob", "192.0.2.2", 5001, true, 2, 2, "a", 2));
    assertEquals(2, index.onlinePeerCount());
    index.apply(p.offline(3, "a"));
    assertEquals(1, index.onlinePeerCount());
    index.apply(new PeerRecord("p1", "ann", "192.0.2.1", 5000, true, 4, 4, "a", 1));
    assertEquals(2, index.onlinePeerCount());
    assertEquals(List.of("p1", "p2"), index.peers().stream().map(PeerRecord::peerId).toList(),
        "re-registering keeps the first registration's place");
  }

  @Test
  void theEstimatedSizeFollowsEveryWriteReplacementAndExpiryBackToZero() {
    RegistryIndex index = new RegistryIndex();
    index.apply(user("ann", 1, 100, 1, "a"));
    long oneUser = index.bytes();
    assertTrue(oneUser > 2 * "ann".length(), "counts at least two bytes a character: " + oneUser);
    index.apply(new UserRecord("ann", "2001:db8::1234:5678", 1, 101, 2, "a"));
    assertEquals(oneUser + 2 * ("2001:db8::1234:5678".length() - "198.51.100.7".length()), index.bytes(),
        "a replacement counts the new record instead of the old");
    index.apply(new PeerRecord("p1", "x".repeat(1_000), "198.51.100.9", 5, true, 10, 10, "a", 10));
    assertTrue(index.bytes() - oneUser > 2_000, "a 1,000-character field counts 2,000 bytes or more");
    index.apply(new WsUserRecord("w", "{\"id\": 7}", 5, 5));
    long all = index.bytes();
    index.apply(new WsUserRecord("w", "{\"id\": 7}", 3, 9)); // merged: same strings, other times
    assertEquals(all, index.bytes());

    index.expireUsers(Long.MAX_VALUE);
    index.expirePeers(Long.MAX_VALUE);
    index.expireWsUsers(Long.MAX_VALUE);
    assertEquals(0, index.bytes());
  }

  @Test
  void peersAreInFirstRegistrationOrderWhateverOrderTheyArriveIn() {
    RegistryIndex index = new RegistryIndex();
    index.apply(new PeerRecord("late", "l", "192.0.2.1", 1, true, 30, 30, "b", 30));
    index.apply(new PeerRecord("early", "e", "192.0.2.2", 2, true, 10, 10, "a", 10));
    index.apply(new PeerRecord("tie-b", "t", "192.0.2.3", 3, true, 20, 20, "a", 20));
    index.apply(new PeerRecord("tie-a", "t", "192.0.2.4", 4, true, 20, 21, "b", 20));
    assertEquals(List.of("early", "tie-a", "tie-b", "late"), index.peers().stream().map(PeerRecord::peerId).toList(),
        "by first registration time, then by id");
    index.apply(new PeerRecord("early", "e", "192.0.2.2", 9, true, 40, 40, "b", 10));
    assertEquals("early", index.peers().iterator().next().peerId(), "registered again, it keeps its place");
    index.expirePeers(25);
    assertEquals(List.of("early", "late"), index.peers().stream().map(PeerRecord::peerId).toList(),
        "expiry takes peers out of the order too");
  }
}
