package org.rendezvous.registry;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The in-memory registry every read is answered from (LIST never touches disk). The users' map is in their
 * registration order on this node; peers are in the order of their first registration times, alike on every node.
 * Not thread-safe: owned by the registry verticle's event loop.
 */
public final class RegistryIndex {

  private static final Comparator<UserRecord> MOST_RECENT_FIRST =
      Comparator.comparingLong(UserRecord::lastSeen).reversed();
  private static final Comparator<PeerRecord> REGISTRATION_ORDER =
      Comparator.comparingLong(PeerRecord::firstSeenMicros).thenComparing(PeerRecord::peerId);

  private final Map<String, UserRecord> users = new LinkedHashMap<>();
  private final Map<String, PeerRecord> peers = new HashMap<>();
  /**
   * The peers in registration order, by when each id was first registered (then by id): the same order on every
   * node, whichever order replication brought the registrations in.
   */
  private final TreeSet<PeerRecord> peersInOrder = new TreeSet<>(REGISTRATION_ORDER);
  private final Map<String, WsUserRecord> wsUsers = new LinkedHashMap<>();
  private long userMutations;
  private int onlinePeers;
  private long userBytes;
  private long peerBytes;
  private long wsUserBytes;

  // LIST reply cache: valid for one second of "now" and one state of the users map.
  private long cachedMutations = -1;
  private long cachedNow = -1;
  private int cachedMax = -1;
  private byte[] cachedList;

  /** Applies a write last-writer-wins; returns true when it changed the index. */
  public boolean apply(UserRecord r) {
    UserRecord old = users.get(r.username());
    if (old != null && !r.newerThan(old)) {
      return false;
    }
    users.put(r.username(), r);
    userBytes += footprint(r) - footprint(old);
    userMutations++;
    return true;
  }

  public boolean apply(PeerRecord r) {
    PeerRecord old = peers.get(r.peerId());
    if (old != null && !r.newerThan(old)) {
      return false;
    }
    peers.put(r.peerId(), r);
    if (old != null) {
      peersInOrder.remove(old);
    }
    peersInOrder.add(r);
    peerBytes += footprint(r) - footprint(old);
    onlinePeers += (r.online() ? 1 : 0) - (old != null && old.online() ? 1 : 0);
    return true;
  }

  /** Merges an S3 name sighting; returns the merged record when it changed the index, else null. */
  public WsUserRecord apply(WsUserRecord r) {
    WsUserRecord old = wsUsers.get(r.username());
    WsUserRecord merged = r.mergedWith(old);
    if (merged.equals(old)) {
      return null;
    }
    wsUsers.put(r.username(), merged);
    wsUserBytes += footprint(merged) - footprint(old);
    return merged;
  }

  /**
   * Roughly how much heap the entries take: per entry its strings at two bytes a character (the worst case)
   * with their headers, the record and its map entry. It decides when the registry is full
   * ({@code registry.maxMemoryBytes}), so it errs high.
   */
  public long bytes() {
    return userBytes + peerBytes + wsUserBytes;
  }

  /** {@link #bytes()} of the S0 users alone. */
  public long userBytes() {
    return userBytes;
  }

  /** {@link #bytes()} of the S2 peers alone. */
  public long peerBytes() {
    return peerBytes;
  }

  /** {@link #bytes()} of the S3 names alone. */
  public long wsUserBytes() {
    return wsUserBytes;
  }

  private static final long ENTRY_BYTES = 120;

  private static long chars(String s) {
    return s == null ? 0 : 48L + 2L * s.length();
  }

  static long footprint(UserRecord u) {
    return u == null ? 0 : ENTRY_BYTES + chars(u.username()) + chars(u.ip()) + chars(u.origin());
  }

  static long footprint(PeerRecord p) {
    return p == null ? 0 : 2 * ENTRY_BYTES + chars(p.peerId()) + chars(p.username()) + chars(p.ip()) + chars(p.origin());
  }

  static long footprint(WsUserRecord w) {
    return w == null ? 0 : ENTRY_BYTES + chars(w.username()) + chars(w.userIdJson());
  }

  public WsUserRecord wsUser(String username) {
    return wsUsers.get(username);
  }

  public Collection<WsUserRecord> wsUsers() {
    return wsUsers.values();
  }

  public UserRecord user(String username) {
    return users.get(username);
  }

  public PeerRecord peer(String peerId) {
    return peers.get(peerId);
  }

  /** Users in registration order. */
  public Collection<UserRecord> users() {
    return users.values();
  }

  /** Peers in registration order (when each id was first registered), the same on every node. */
  public Collection<PeerRecord> peers() {
    return Collections.unmodifiableCollection(peersInOrder);
  }

  public int userCount() {
    return users.size();
  }

  public int peerCount() {
    return peers.size();
  }

  public int onlinePeerCount() {
    return onlinePeers;
  }

  /**
   * The S0 LIST reply: {@code username,ip,port,seconds_ago} lines joined by LF, most recent first,
   * ties in registration order, holding the most recent users that fit in {@code maxBytes}.
   */
  public byte[] renderList(long nowSeconds, int maxBytes) {
    if (cachedList != null && cachedMutations == userMutations && cachedNow == nowSeconds && cachedMax == maxBytes) {
      return cachedList;
    }
    List<UserRecord> sorted = new ArrayList<>(users.values());
    sorted.sort(MOST_RECENT_FIRST); // stable: equal times keep registration order
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, 64 + sorted.size() * 40));
    for (UserRecord u : sorted) {
      long ago = Math.max(0, nowSeconds - u.lastSeen());
      byte[] line = (u.username() + ',' + u.ip() + ',' + u.port() + ',' + ago).getBytes(StandardCharsets.UTF_8);
      int needed = line.length + (out.size() > 0 ? 1 : 0);
      if (out.size() + needed > maxBytes) {
        break;
      }
      if (out.size() > 0) {
        out.write('\n');
      }
      out.write(line, 0, line.length);
    }
    cachedList = out.toByteArray();
    cachedMutations = userMutations;
    cachedNow = nowSeconds;
    cachedMax = maxBytes;
    return cachedList;
  }

  /** Removes users last seen before {@code cutoffSeconds}; returns their names. */
  public List<String> expireUsers(long cutoffSeconds) {
    List<String> gone = removeWhere(users, u -> u.lastSeen() < cutoffSeconds, u -> userBytes -= footprint(u));
    if (!gone.isEmpty()) {
      userMutations++;
    }
    return gone;
  }

  /** Removes peers registered before {@code cutoffMicros}; returns their ids. */
  public List<String> expirePeers(long cutoffMicros) {
    return removeWhere(peers, p -> p.lastSeenMicros() < cutoffMicros, p -> {
      peersInOrder.remove(p);
      peerBytes -= footprint(p);
      onlinePeers -= p.online() ? 1 : 0;
    });
  }

  /** Removes S3 names last seen before {@code cutoffMillis}; returns them. */
  public List<String> expireWsUsers(long cutoffMillis) {
    return removeWhere(wsUsers, w -> w.lastSeen() < cutoffMillis, w -> wsUserBytes -= footprint(w));
  }

  /** Removes the entries that are {@code expired}, telling {@code removed} of each; returns their keys. */
  private static <R> List<String> removeWhere(Map<String, R> entries, Predicate<R> expired, Consumer<R> removed) {
    List<String> gone = new ArrayList<>();
    for (Iterator<Map.Entry<String, R>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, R> e = it.next();
      if (expired.test(e.getValue())) {
        it.remove();
        removed.accept(e.getValue());
        gone.add(e.getKey());
      }
    }
    return gone;
  }
}
