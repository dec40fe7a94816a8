package org.rendezvous.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The periodic repair of the replicated registry (SPEC §2 rule 5). Replication is fire-and-forget, and a batch
 * can be lost without any member leaving: an event-bus connection that drops and reconnects loses what it held,
 * and right after a split heals a node may publish before it knows of the other side's subscriptions. Each round,
 * a node sends one other member a digest of its registry; that member answers with its entries in every bucket
 * whose digest differs, and the asking node merges them both ways ({@link Registry#mergeSnapshot(ReplicationMessage,
 * Predicate, Predicate, Predicate)}): what it lacks or has older it applies, what the other lacks or has older it
 * publishes again.
 * <p>
 * Digest: for each kind of entry (S0 users, S2 peers, S3 names) {@link #BUCKETS} sums of a 64-bit hash of each
 * entry's key and version (key and content for S3 names), the key choosing the bucket. Entries written after the
 * asking node's cutoff (a little more than two commit delays ago) are left out on both sides: those may still be on
 * their way, and counting them would make most buckets differ on a busy cluster. A lost write is repaired in the
 * first round after it is older than the cutoff.
 */
final class AntiEntropy {

  static final int BUCKETS = 64;

  private AntiEntropy() {
  }

  static int bucket(String key) {
    return Math.floorMod(key.hashCode(), BUCKETS);
  }

  /** The digest of {@code index} without entries last seen at or after {@code cutoffMicros}: three arrays of sums. */
  static long[][] digest(RegistryIndex index, long cutoffMicros) {
    long[][] d = new long[3][BUCKETS];
    for (UserRecord u : index.users()) {
      if (u.lastSeen() * 1_000_000L < cutoffMicros) {
        d[0][bucket(u.username())] += hash(u.username(), u.version(), u.origin());
      }
    }
    for (PeerRecord p : index.peers()) {
      if (p.lastSeenMicros() < cutoffMicros) {
        d[1][bucket(p.peerId())] += hash(p.peerId(), p.version(), p.origin());
      }
    }
    for (WsUserRecord w : index.wsUsers()) {
      if (w.lastSeen() * 1_000L < cutoffMicros) {
        d[2][bucket(w.username())] += hash(w.username() + '\n' + w.userIdJson(), w.firstSeen(), Long.toString(w.lastSeen()));
      }
    }
    return d;
  }

  /** For each kind, the buckets where {@code mine} and {@code theirs} differ. */
  static boolean[][] differing(long[][] mine, long[][] theirs) {
    boolean[][] out = new boolean[3][BUCKETS];
    for (int k = 0; k < 3; k++) {
      for (int b = 0; b < BUCKETS; b++) {
        out[k][b] = mine[k][b] != theirs[k][b];
      }
    }
    return out;
  }

  static boolean any(boolean[][] buckets) {
    for (boolean[] kind : buckets) {
      for (boolean b : kind) {
        if (b) {
          return true;
        }
      }
    }
    return false;
  }

  /** The entries of {@code index} in the given buckets, as a snapshot from {@code from}. */
  static ReplicationMessage entriesIn(RegistryIndex index, boolean[][] buckets, String from) {
    List<UserRecord> users = new ArrayList<>();
    for (UserRecord u : index.users()) {
      if (buckets[0][bucket(u.username())]) {
        users.add(u);
      }
    }
    List<PeerRecord> peers = new ArrayList<>();
    for (PeerRecord p : index.peers()) {
      if (buckets[1][bucket(p.peerId())]) {
        peers.add(p);
      }
    }
    List<WsUserRecord> wsUsers = new ArrayList<>();
    for (WsUserRecord w : index.wsUsers()) {
      if (buckets[2][bucket(w.username())]) {
        wsUsers.add(w);
      }
    }
    return new ReplicationMessage(from, users, peers, wsUsers);
  }

  /** The key test of bucket set {@code kind} (0 users, 1 peers, 2 S3 names). */
  static Predicate<String> in(boolean[][] buckets, int kind) {
    return key -> buckets[kind][bucket(key)];
  }

  static JsonArray toJson(long[][] digest) {
    JsonArray out = new JsonArray();
    for (long[] kind : digest) {
      JsonArray a = new JsonArray(new ArrayList<>(BUCKETS));
      for (long v : kind) {
        a.add(v);
      }
      out.add(a);
    }
    return out;
  }

  /** A digest from JSON; null when it is not three arrays of {@link #BUCKETS} numbers (a node of another build). */
  static long[][] digestFromJson(Object json) {
    if (!(json instanceof JsonArray kinds) || kinds.size() != 3) {
      return null;
    }
    long[][] d = new long[3][BUCKETS];
    for (int k = 0; k < 3; k++) {
      if (!(kinds.getValue(k) instanceof JsonArray a) || a.size() != BUCKETS) {
        return null;
      }
      for (int b = 0; b < BUCKETS; b++) {
        if (!(a.getValue(b) instanceof Number n)) {
          return null;
        }
        d[k][b] = n.longValue();
      }
    }
    return d;
  }

  static JsonArray toJson(boolean[][] buckets) {
    JsonArray out = new JsonArray();
    for (boolean[] kind : buckets) {
      JsonArray a = new JsonArray();
      for (int b = 0; b < BUCKETS; b++) {
        if (kind[b]) {
          a.add(b);
        }
      }
      out.add(a);
    }
    return out;
  }

  /** Bucket sets from JSON (three arrays of bucket numbers); null when malformed. */
  static boolean[][] bucketsFromJson(Object json) {
    if (!(json instanceof JsonArray kinds) || kinds.size() != 3) {
      return null;
    }
    boolean[][] out = new boolean[3][BUCKETS];
    for (int k = 0; k < 3; k++) {
      if (!(kinds.getValue(k) instanceof JsonArray a)) {
        return null;
      }
      for (Object o : a) {
        if (!(o instanceof Number n) || n.intValue() < 0 || n.intValue() >= BUCKETS) {
          return null;
        }
        out[k][n.intValue()] = true;
      }
    }
    return out;
  }

  /** A 64-bit mix of a key, a version and an origin (SplitMix64's finaliser over a polynomial of the three). */
  private static long hash(String key, long version, String origin) {
    long h = key.hashCode();
    h = h * 1_000_003L + version;
    h = h * 1_000_003L + origin.hashCode();
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  /** The request body a round sends: {"from", "cutoff" (µs), "digest"}. */
  static JsonObject request(String from, long cutoffMicros, long[][] digest) {
    return new JsonObject().put("from", from).put("cutoff", cutoffMicros).put("digest", toJson(digest));
  }
}
