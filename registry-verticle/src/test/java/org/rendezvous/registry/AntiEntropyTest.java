package org.rendezvous.registry;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The digest two registries compare: equal for equal peers in any order, one bucket per settled difference. */
class AntiEntropyTest {

  private static final long NOW = 1_790_000_000_000_000L;
  private static final long CUTOFF = NOW - 2_000_000L;
  private static final long OLD = NOW - 60_000_000L;
  private static final long NO_TTL = Long.MIN_VALUE;

  private static RegistryIndex index(PeerRecord... peers) {
    RegistryIndex i = new RegistryIndex();
    for (PeerRecord p : peers) {
      i.apply(p);
    }
    return i;
  }

  private static PeerRecord peer(String id, long version) {
    return new PeerRecord(id, "u", "198.51.100.2", 2, true, version, version, "n1", version);
  }

  private static boolean[] differing(RegistryIndex one, RegistryIndex two, long expiredBefore) {
    return AntiEntropy.differing(AntiEntropy.digest(one, CUTOFF, expiredBefore), AntiEntropy.digest(two, CUTOFF, expiredBefore));
  }

  @Test
  void equalRegistriesHaveEqualDigestsWhateverTheOrderOfTheirPeers() {
    long[] one = AntiEntropy.digest(index(peer("p1", OLD), peer("p2", OLD + 1)), CUTOFF, NO_TTL);
    long[] two = AntiEntropy.digest(index(peer("p2", OLD + 1), peer("p1", OLD)), CUTOFF, NO_TTL);
    assertArrayEquals(one, two);
  }

  @Test
  void aMissingOrOlderPeerMakesOnlyItsOwnBucketDifferAndCountsAsLost() {
    RegistryIndex full = index(peer("p1", OLD + 5), peer("p2", OLD));
    RegistryIndex behind = index(peer("p1", OLD));
    boolean[] differ = differing(full, behind, NO_TTL);
    for (int b = 0; b < AntiEntropy.BUCKETS; b++) {
      assertEquals(b == AntiEntropy.bucket("p1") || b == AntiEntropy.bucket("p2"), differ[b], "bucket " + b);
    }
    ReplicationMessage sent = AntiEntropy.peersIn(full, differ, NO_TTL, "n1");
    assertEquals(List.of("p1", "p2"), sent.peers().stream().map(PeerRecord::peerId).sorted().toList());
    assertEquals(2, AntiEntropy.lostHere(behind, sent, CUTOFF, NO_TTL));
    assertEquals(0, AntiEntropy.lostHere(full, AntiEntropy.peersIn(behind, differ, NO_TTL, "n2"), CUTOFF, NO_TTL));
  }

  @Test
  void writesStillOnTheirWayAreNotCountedAsLost() {
    // one node has the new version of p1 (an update or a DELETE, written after the cutoff), the other the old one
    RegistryIndex updated = index(peer("p1", NOW), peer("p-new", NOW));
    RegistryIndex before = index(peer("p1", OLD));
    ReplicationMessage fromUpdated = AntiEntropy.peersIn(updated, differing(updated, before, NO_TTL), NO_TTL, "n1");
    assertEquals(0, AntiEntropy.lostHere(before, fromUpdated, CUTOFF, NO_TTL), "they arrive by replication");
    RegistryIndex settled = index(peer("p1", OLD));
    assertFalse(AntiEntropy.any(differing(settled, index(peer("p1", OLD), peer("p-new", NOW)), NO_TTL)),
        "a new peer not yet past the cutoff is in no digest");
  }

  @Test
  void peersPastTheTtlAreInNoDigestWhicheverNodeHasSweptThem() {
    long expiredBefore = OLD + 10;
    RegistryIndex swept = index(peer("fresh", OLD + 20));
    RegistryIndex notSwept = index(peer("fresh", OLD + 20), peer("expired", OLD));
    assertFalse(AntiEntropy.any(differing(swept, notSwept, expiredBefore)));
    boolean[] all = new boolean[AntiEntropy.BUCKETS];
    java.util.Arrays.fill(all, true);
    assertEquals(List.of("fresh"), AntiEntropy.peersIn(notSwept, all, expiredBefore, "n").peers().stream()
        .map(PeerRecord::peerId).toList());
  }

  @Test
  void digestsAndBucketSetsSurviveTheirJsonAndMalformedOnesAreRefused() {
    long[] d = AntiEntropy.digest(index(peer("p1", OLD)), CUTOFF, NO_TTL);
    assertArrayEquals(d, AntiEntropy.digestFromJson(AntiEntropy.request("n", CUTOFF, NO_TTL, d).getValue("digest")));
    boolean[] buckets = new boolean[AntiEntropy.BUCKETS];
    buckets[7] = true;
    assertArrayEquals(buckets, AntiEntropy.bucketsFromJson(AntiEntropy.toJson(buckets)));
    assertNull(AntiEntropy.digestFromJson(new JsonArray().add(1)));
    assertNull(AntiEntropy.bucketsFromJson(new JsonArray("[64]")));
    assertTrue(AntiEntropy.any(buckets));
  }
}
