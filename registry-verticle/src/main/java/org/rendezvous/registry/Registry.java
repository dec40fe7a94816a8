package org.rendezvous.registry;

import org.rendezvous.common.Metrics;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * What a registry write does: stamp it with a version, apply it to the index, queue it for the
 * group commit and for replication. Runs on the registry verticle's event loop.
 */
final class Registry {

  private final String nodeId;
  private final RegistryIndex index;
  private final GroupCommit commit;
  private final LongSupplier clockMicros;
  private final boolean replicate;
  private final Map<String, UserRecord> outUsers = new LinkedHashMap<>();
  private final Map<String, PeerRecord> outPeers = new LinkedHashMap<>();
  private final Map<String, WsUserRecord> outWsUsers = new LinkedHashMap<>();
  private final Metrics.Counter heartbeats;
  private final Metrics.Counter replicatedIn;
  private final Metrics.Counter usersRefused;
  private final Metrics.Counter peersRefused;
  private final Metrics.Counter wsNamesRefused;
  private final Caps caps;
  private long lastVersion;
  private Retention retention = Retention.NONE;

  /**
   * Most entries of each kind this node adds itself, and most heap all of them may take together
   * ({@link RegistryIndex#bytes()}), each kind a third of it, so that a flood of one kind cannot lock the others
   * out. Entries another node replicates here are applied past them: every node holds the same registry, and
   * each refuses its own clients' writes at the same count and size.
   */
  record Caps(int users, int peers, int wsNames, long bytes) {
    static final Caps NONE = new Caps(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE);

    /** Whether a kind holding {@code kindBytes} may grow by {@code growth}. */
    boolean roomFor(long kindBytes, long growth) {
      return growth <= 0 || kindBytes + growth <= bytes / 3;
    }
  }

  /** {@code replicate} false (a single node): nothing is queued for other nodes. */
  Registry(String nodeId, RegistryIndex index, GroupCommit commit, LongSupplier clockMicros, boolean replicate,
           Metrics metrics, Caps caps) {
    this.nodeId = nodeId;
    this.replicate = replicate;
    this.index = index;
    this.commit = commit;
    this.clockMicros = clockMicros;
    this.heartbeats = metrics.counter("rendezvous_registry_writes_total", "Registry writes accepted", "kind", "s0_heartbeat");
    this.replicatedIn = metrics.counter("rendezvous_registry_replicated_in_total", "Entries applied from other nodes");
    String full = "rendezvous_registry_full_total";
    String fullHelp = "Writes refused: a new entry past registry.maxUsers / maxPeers / maxWsNames of its kind, or a new or"
        + " growing one past its kind's third of registry.maxMemoryBytes";
    this.usersRefused = metrics.counter(full, fullHelp, "kind", "s0_user");
    this.peersRefused = metrics.counter(full, fullHelp, "kind", "s2_peer");
    this.wsNamesRefused = metrics.counter(full, fullHelp, "kind", "s3_name");
    this.caps = caps;
  }

  RegistryIndex index() {
    return index;
  }

  /**
   * Strictly increasing per node, so two writes in one microsecond still order, and above {@code replaced},
   * the version of the entry the write replaces (0 if none): a write made after one it has seen always wins,
   * even when that one was stamped by a clock ahead of ours (another node's, or ours before it stepped back).
   */
  private long nextVersion(long replaced) {
    lastVersion = Math.max(clockMicros.getAsLong(), lastVersion + 1);
    // Only this key jumps ahead: one entry from a fast clock must not carry its skew into every later write.
    return Math.max(lastVersion, replaced + 1);
  }

  long nowMicros() {
    return clockMicros.getAsLong();
  }

  void heartbeat(String username, String ip, int port) {
    UserRecord existing = index.user(username);
    long version = nextVersion(existing == null ? 0 : existing.version());
    UserRecord r = new UserRecord(username, ip, port, clockMicros.getAsLong() / 1_000_000L, version, nodeId);
    // A known user always refreshes: its record grows by an address's and a node id's text at most (a user loaded
    // from the file has no origin node until its first heartbeat), so the S0 share may be passed by that much.
    if (existing == null
        && (index.userCount() >= caps.users() || !caps.roomFor(index.userBytes(), RegistryIndex.footprint(r)))) {
      usersRefused.inc();
      return;
    }
    heartbeats.inc();
    if (index.apply(r)) {
      commit.batch().put(r);
      if (replicate) {
        outUsers.put(username, r);
      }
    }
  }

  /** Records that an S3 name registered or left at {@code epochMillis}. */
  void wsSeen(String username, String userIdJson, long epochMillis) {
    WsUserRecord seen = new WsUserRecord(username, userIdJson, epochMillis, epochMillis);
    WsUserRecord known = index.wsUser(username);
    long growth = RegistryIndex.footprint(seen.mergedWith(known)) - RegistryIndex.footprint(known);
    if ((known == null && index.wsUsers().size() >= caps.wsNames()) || !caps.roomFor(index.wsUserBytes(), growth)) {
      wsNamesRefused.inc();
      if (known == null) {
        return;
      }
      seen = new WsUserRecord(username, known.userIdJson(), epochMillis, epochMillis); // still seen: keep it from expiring
    }
    WsUserRecord merged = index.apply(seen);
    if (merged != null) {
      commit.batch().put(merged);
      if (replicate) {
        outWsUsers.put(username, merged);
      }
    }
  }

  /**
   * Registers (or replaces) a peer as online; completes when committed, with null when nothing was written:
   * the id is new and the registry holds its most peers, or the record would take the peers past their share of
   * the registry's size.
   */
  io.vertx.core.Future<PeerRecord> register(String peerId, String username, String ip, long port) {
    PeerRecord existing = index.peer(peerId);
    long version = nextVersion(existing == null ? 0 : existing.version());
    long now = clockMicros.getAsLong();
    // Registering a known id again keeps its place, as the original's dict did; only a new id goes last.
    PeerRecord r = new PeerRecord(peerId, username, ip, port, true, now, version, nodeId,
        existing == null ? now : existing.firstSeenMicros());
    long growth = RegistryIndex.footprint(r) - RegistryIndex.footprint(existing);
    if ((existing == null && index.peerCount() >= caps.peers()) || !caps.roomFor(index.peerBytes(), growth)) {
      peersRefused.inc();
      return io.vertx.core.Future.succeededFuture(null);
    }
    write(r);
    return commit.committed().map(r);
  }

  /** Completes once every write made so far is committed. */
  io.vertx.core.Future<Void> committed() {
    return commit.committed();
  }

  /** Marks a known peer offline; completes when committed. */
  io.vertx.core.Future<Void> unregister(PeerRecord existing) {
    write(existing.offline(nextVersion(existing.version()), nodeId));
    return commit.committed();
  }

  private void write(PeerRecord r) {
    if (index.apply(r)) {
      commit.batch().put(r);
      if (replicate) {
        outPeers.put(r.peerId(), r);
      }
    }
  }

  /**
   * Applies another node's writes; what wins here is persisted here, not re-published. An entry already past
   * the retention of the last {@link #expire} is left out: a node that has not swept yet (one just started on an
   * old file) must not bring back what this node has expired.
   */
  int applyReplicated(ReplicationMessage m) {
    int applied = 0;
    long now = clockMicros.getAsLong();
    long userCutoffSeconds = retention.userCutoffSeconds(now);
    long peerCutoffMicros = retention.peerCutoffMicros(now);
    long wsNameCutoffMillis = retention.wsNameCutoffMillis(now);
    for (UserRecord u : m.users()) {
      if (u.lastSeen() < userCutoffSeconds) {
        continue;
      }
      if (index.apply(u)) {
        commit.batch().put(u);
        replicatedIn.inc();
        applied++;
      }
    }
    for (PeerRecord p : m.peers()) {
      if (p.lastSeenMicros() < peerCutoffMicros) {
        continue;
      }
      if (index.apply(p)) {
        commit.batch().put(p);
        replicatedIn.inc();
        applied++;
      }
    }
    for (WsUserRecord w : m.wsUsers()) {
      if (w.lastSeen() < wsNameCutoffMillis) {
        continue;
      }
      WsUserRecord merged = index.apply(w);
      if (merged != null) {
        commit.batch().put(merged);
        replicatedIn.inc();
        applied++;
      }
    }
    return applied;
  }

  /**
   * Merges a peer's snapshot and queues for publication every entry this node holds that the
   * snapshot lacks or has older, so the two converge whichever of them was down.
   */
  void mergeSnapshot(ReplicationMessage snapshot) {
    mergeSnapshot(snapshot, key -> true, key -> true, key -> true);
  }

  /**
   * {@link #mergeSnapshot(ReplicationMessage)} for a snapshot of only the S0 users, S2 peers and S3 names whose
   * keys pass the given tests: entries of this node outside them are not compared. Returns how many entries
   * were applied here.
   */
  int mergeSnapshot(ReplicationMessage snapshot, Predicate<String> users, Predicate<String> peers, Predicate<String> wsNames) {
    int applied = applyReplicated(snapshot);
    Map<String, UserRecord> theirUsers = new HashMap<>();
    snapshot.users().forEach(u -> theirUsers.put(u.username(), u));
    for (UserRecord mine : index.users()) {
      UserRecord theirs = theirUsers.get(mine.username());
      if ((theirs == null || mine.newerThan(theirs)) && users.test(mine.username())) {
        outUsers.put(mine.username(), mine);
      }
    }
    Map<String, PeerRecord> theirPeers = new HashMap<>();
    snapshot.peers().forEach(p -> theirPeers.put(p.peerId(), p));
    for (PeerRecord mine : index.peers()) {
      PeerRecord theirs = theirPeers.get(mine.peerId());
      if ((theirs == null || mine.newerThan(theirs)) && peers.test(mine.peerId())) {
        outPeers.put(mine.peerId(), mine);
      }
    }
    Map<String, WsUserRecord> theirWsUsers = new HashMap<>();
    snapshot.wsUsers().forEach(w -> theirWsUsers.put(w.username(), w));
    for (WsUserRecord mine : index.wsUsers()) {
      if (!mine.equals(theirWsUsers.get(mine.username())) && wsNames.test(mine.username())) {
        outWsUsers.put(mine.username(), mine);
      }
    }
    return applied;
  }

  ReplicationMessage snapshot() {
    return ReplicationMessage.of(nodeId, index.users(), index.peers(), index.wsUsers());
  }

  /** Takes the writes waiting to be published to other nodes, or null when there are none. */
  ReplicationMessage drainOutgoing() {
    if (outUsers.isEmpty() && outPeers.isEmpty() && outWsUsers.isEmpty()) {
      return null;
    }
    ReplicationMessage m = ReplicationMessage.of(nodeId, outUsers.values(), outPeers.values(), outWsUsers.values());
    outUsers.clear();
    outPeers.clear();
    outWsUsers.clear();
    return m;
  }

  /**
   * How long each kind is kept, in seconds (0: for ever): S0 users since their last heartbeat, S2 peers since
   * they last registered, S3 names since they last registered or left. Each cutoff is the last-seen time, in that
   * kind's unit, below which an entry is past its retention at {@code nowMicros}; Long.MIN_VALUE when kept for ever.
   */
  record Retention(long users, long peers, long wsNames) {
    static final Retention NONE = new Retention(0, 0, 0);

    long userCutoffSeconds(long nowMicros) {
      return users > 0 ? nowMicros / 1_000_000L - users : Long.MIN_VALUE;
    }

    long peerCutoffMicros(long nowMicros) {
      return peers > 0 ? nowMicros - peers * 1_000_000L : Long.MIN_VALUE;
    }

    long wsNameCutoffMillis(long nowMicros) {
      return wsNames > 0 ? nowMicros / 1_000L - wsNames * 1_000L : Long.MIN_VALUE;
    }
  }

  /**
   * Applies {@code retention} and keeps it for {@link #applyReplicated}; returns how many entries were removed.
   * A kind kept for ever is not looked through.
   */
  int expire(Retention retention) {
    this.retention = retention;
    long now = clockMicros.getAsLong();
    int removed = 0;
    if (retention.users() > 0) {
      removed += removed(index.expireUsers(retention.userCutoffSeconds(now)), k -> commit.batch().deleteUser(k), outUsers);
    }
    if (retention.peers() > 0) {
      removed += removed(index.expirePeers(retention.peerCutoffMicros(now)), k -> commit.batch().deletePeer(k), outPeers);
    }
    if (retention.wsNames() > 0) {
      removed += removed(index.expireWsUsers(retention.wsNameCutoffMillis(now)), k -> commit.batch().deleteWsUser(k),
          outWsUsers);
    }
    return removed;
  }

  /** Deletes the expired {@code keys} from the file and from what waits to be published; how many there were. */
  private static int removed(List<String> keys, Consumer<String> delete, Map<String, ?> outgoing) {
    keys.forEach(k -> {
      delete.accept(k);
      outgoing.remove(k);
    });
    return keys.size();
  }
}
