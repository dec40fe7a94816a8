package org.rendezvous.registry;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The digest two registries compare: equal for equal entries, whatever order they came in; one bucket per difference. */
class AntiEntropyTest {

  private static final long NOW = 1_790_000_000_000_000L;
  private static final long CUTOFF = NOW - 2_000_000L;

  private static RegistryIndex index(List<UserRecord> users, List<PeerRecord> peers, List<WsUserRecord> ws) {
    RegistryIndex i = new RegistryIndex();
    users.forEach(i::apply);
    peers.forEach(i::apply);
    ws.forEach(i::apply);
    return i;
  }

  private static UserRecord user(String name, long micros, String origin) {
    return new UserRecord(name, "198.51.100.1", 1, micros / 1_000_000L, micros, origin);
  }

  private static PeerRecord peer(String id, long micros) {
    return new PeerRecord(id, "u", "198.51.100.2", 2, true, micros, micros, "n1");
  }

  @Test
  void equalRegistriesHaveEqualDigestsWhateverTheOrderOfTheirEntries() {
    long t = NOW - 60_000_000L;
    RegistryIndex one = index(List.of(user("ann", t, "n1"), user("bob", t + 1, "n2")), List.of(peer("p1", t), peer("p2", t)),
        List.of(new WsUserRecord("w", "\"1\"", 5, 6)));
    RegistryIndex two = index(List.of(user("bob", t + 1, "n2"), user("ann", t, "n1")), List.of(peer("p2", t), peer("p1", t)),
        List.of(new WsUserRecord("w", "\"1\"", 5, 6)));
    long[][] d1 = AntiEntropy.digest(one, CUTOFF);
    long[][] d2 = AntiEntropy.digest(two, CUTOFF);
    for (int k = 0; k < 3; k++) {
      assertArrayEquals(d1[k], d2[k]);
    }
    assertFalse(AntiEntropy.any(AntiEntropy.differing(d1, d2)));
  }

  @Test
  void aMissingOrOlderEntryMakesOnlyItsOwnBucketDiffer() {
    long t = NOW - 60_000_000L;
    RegistryIndex full = index(List.of(user("ann", t, "n1"), user("bob", t, "n1")), List.of(peer("p1", t)), List.of());
    RegistryIndex behind = index(List.of(user("ann", t - 5, "n1")), List.of(peer("p1", t)), List.of());
    boolean[][] differ = AntiEntropy.differing(AntiEntropy.digest(full, CUTOFF), AntiEntropy.digest(behind, CUTOFF));
    for (int b = 0; b < AntiEntropy.BUCKETS; b++) {
      boolean expected = b == AntiEntropy.bucket("ann") || b == AntiEntropy.bucket("bob");
      assertEquals(expected, differ[0][b], "users bucket " + b);
      assertFalse(differ[1][b], "peers bucket " + b);
    }
    ReplicationMessage sent = AntiEntropy.entriesIn(full, differ, "n1");
    assertEquals(List.of("ann", "bob"), sent.users().stream().map(UserRecord::username).sorted().toList());
    assertEquals(List.of(), sent.peers());
  }

  @Test
  void entriesLastSeenAfterTheCutoffAreLeftOut() {
    RegistryIndex settled = index(List.of(), List.of(peer("p1", NOW - 60_000_000L)), List.of());
    RegistryIndex withNew = index(List.of(user("new", NOW, "n2")), List.of(peer("p1", NOW - 60_000_000L), peer("p-new", NOW)),
        List.of(new WsUserRecord("w-new", "\"1\"", NOW / 1_000, NOW / 1_000)));
    assertFalse(AntiEntropy.any(AntiEntropy.differing(AntiEntropy.digest(settled, CUTOFF), AntiEntropy.digest(withNew, CUTOFF))),
        "what may still be on its way does not count");
  }

  @Test
  void digestsAndBucketSetsSurviveTheirJsonAndMalformedOnesAreRefused() {
    long[][] d = AntiEntropy.digest(index(List.of(user("ann", NOW - 60_000_000L, "n1")), List.of(), List.of()), CUTOFF);
    long[][] back = AntiEntropy.digestFromJson(AntiEntropy.toJson(d));
    for (int k = 0; k < 3; k++) {
      assertArrayEquals(d[k], back[k]);
    }
    boolean[][] buckets = new boolean[3][AntiEntropy.BUCKETS];
    buckets[1][7] = true;
    boolean[][] bucketsBack = AntiEntropy.bucketsFromJson(AntiEntropy.toJson(buckets));
    assertTrue(bucketsBack[1][7]);
    assertFalse(AntiEntropy.any(new boolean[][] {bucketsBack[0], bucketsBack[2]}));
    assertNull(AntiEntropy.digestFromJson(new io.vertx.core.json.JsonArray().add(1)));
    assertNull(AntiEntropy.bucketsFromJson(new io.vertx.core.json.JsonArray("[[64],[],[]]")));
  }
}
