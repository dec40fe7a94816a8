package org.rendezvous.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The periodic repair of the replicated S2 peers (SPEC §2 rule 5). Replication is fire-and-forget, and a batch
 * can be lost without any member leaving: an event-bus connection that drops and reconnects loses what it held,
 * and right after a split heals a node may publish before it knows of the other side's subscriptions. A peer is
 * registered once, so a lost write would stay lost. Each round a node sends one other member a digest of its
 * peers; that member answers with its peers in every bucket whose digest differs, and the asking node merges them
 * both ways ({@link Registry#mergeSnapshot(ReplicationMessage, java.util.function.Predicate,
 * java.util.function.Predicate, java.util.function.Predicate)}): what it lacks or has older it applies, what the
 * other lacks or has older it publishes again. S0 users and S3 name records are not compared: every heartbeat or
 * registration writes them again, and a busy cluster always has some of those on their way.
 * <p>
 * Digest: {@link #BUCKETS} sums of a 64-bit hash of each peer's id, version and origin, the id choosing the bucket,
 * over the peers written before the asking node's cutoff (a little more than two commit delays ago: a later write
 * may still be on its way) and not past the peer TTL. Both sides use the asking node's two instants, so clocks
 * and sweep times do not make buckets differ. A write still on its way can make a bucket differ where the other
 * side holds an older version; merging that bucket costs a little and changes nothing, and only entries written
 * before the cutoff count as repaired.
 */
final class AntiEntropy {

  static final int BUCKETS = 64;

  private AntiEntropy() {
  }

  static int bucket(String key) {
    return Math.floorMod(key.hashCode(), BUCKETS);
  }

  /** Whether {@code p} is compared: written before {@code cutoffMicros}, last seen at or after {@code expiredBeforeMicros}. */
  static boolean compared(PeerRecord p, long cutoffMicros, long expiredBeforeMicros) {
    return p.version() < cutoffMicros && p.lastSeenMicros() >= expiredBeforeMicros;
  }

  /** The digest of the compared peers of {@code index}. */
  static long[] digest(RegistryIndex index, long cutoffMicros, long expiredBeforeMicros) {
    long[] d = new long[BUCKETS];
    for (PeerRecord p : index.peers()) {
      if (compared(p, cutoffMicros, expiredBeforeMicros)) {
        d[bucket(p.peerId())] += hash(p.peerId(), p.version(), p.origin());
      }
    }
    return d;
  }

  /** The buckets where {@code mine} and {@code theirs} differ. */
  static boolean[] differing(long[] mine, long[] theirs) {
    boolean[] out = new boolean[BUCKETS];
    for (int b = 0; b < BUCKETS; b++) {
      out[b] = mine[b] != theirs[b];
    }
    return out;
  }

  static boolean any(boolean[] buckets) {
    for (boolean b : buckets) {
      if (b) {
        return true;
      }
    }
    return false;
  }

  /** The peers of {@code index} in the given buckets and not past the TTL, as a snapshot from {@code from}. */
  static ReplicationMessage peersIn(RegistryIndex index, boolean[] buckets, long expiredBeforeMicros, String from) {
    List<PeerRecord> peers = new ArrayList<>();
    for (PeerRecord p : index.peers()) {
      if (buckets[bucket(p.peerId())] && p.lastSeenMicros() >= expiredBeforeMicros) {
        peers.add(p);
      }
    }
    return new ReplicationMessage(from, List.of(), peers, List.of());
  }

  /** How many of the compared peers of {@code theirs} are missing or older in {@code index}. */
  static int lostHere(RegistryIndex index, ReplicationMessage theirs, long cutoffMicros, long expiredBeforeMicros) {
    int lost = 0;
    for (PeerRecord p : theirs.peers()) {
      PeerRecord mine = index.peer(p.peerId());
      if (compared(p, cutoffMicros, expiredBeforeMicros) && (mine == null || p.newerThan(mine))) {
        lost++;
      }
    }
    return lost;
  }

  /** The request body of a round: {"from", "cutoff" and "expiredBefore" (µs), "digest"}. */
  static JsonObject request(String from, long cutoffMicros, long expiredBeforeMicros, long[] digest) {
    JsonArray d = new JsonArray(new ArrayList<>(BUCKETS));
    for (long v : digest) {
      d.add(v);
    }
    return new JsonObject().put("from", from).put("cutoff", cutoffMicros).put("expiredBefore", expiredBeforeMicros)
        .put("digest", d);
  }

  /** A digest from JSON; null when it is not {@link #BUCKETS} numbers (a node of another build). */
  static long[] digestFromJson(Object json) {
    if (!(json instanceof JsonArray a) || a.size() != BUCKETS) {
      return null;
    }
    long[] d = new long[BUCKETS];
    for (int b = 0; b < BUCKETS; b++) {
      if (!(a.getValue(b) instanceof Number n)) {
        return null;
      }
      d[b] = n.longValue();
    }
    return d;
  }

  /** The bucket numbers that are set. */
  static JsonArray toJson(boolean[] buckets) {
    JsonArray out = new JsonArray();
    for (int b = 0; b < BUCKETS; b++) {
      if (buckets[b]) {
        out.add(b);
      }
    }
    return out;
  }

  /** A bucket set from JSON (bucket numbers); null when malformed. */
  static boolean[] bucketsFromJson(Object json) {
    if (!(json instanceof JsonArray a)) {
      return null;
    }
    boolean[] out = new boolean[BUCKETS];
    for (Object o : a) {
      if (!(o instanceof Number n) || n.intValue() < 0 || n.intValue() >= BUCKETS) {
        return null;
      }
      out[n.intValue()] = true;
    }
    return out;
  }

  /** A 64-bit mix of an id, a version and an origin (SplitMix64's finaliser over a polynomial of the three). */
  private static long hash(String key, long version, String origin) {
    long h = key.hashCode();
    h = h * 1_000_003L + version;
    h = h * 1_000_003L + origin.hashCode();
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
