package org.rendezvous.registry.store;

import org.rendezvous.registry.PeerRecord;
import org.rendezvous.registry.UserRecord;
import org.rendezvous.registry.WsUserRecord;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes waiting for the next group commit. Later writes of the same key replace earlier ones, so a
 * user heart-beating 1,000 times between two commits costs one row.
 */
public final class WriteBatch {

  final Map<String, UserRecord> users = new LinkedHashMap<>();
  final Set<String> userDeletes = new LinkedHashSet<>();
  final Map<String, PeerRecord> peers = new LinkedHashMap<>();
  final Set<String> peerDeletes = new LinkedHashSet<>();
  final Map<String, WsUserRecord> wsUsers = new LinkedHashMap<>();
  final Set<String> wsUserDeletes = new LinkedHashSet<>();

  public void put(UserRecord u) {
    userDeletes.remove(u.username());
    users.put(u.username(), u);
  }

  public void deleteUser(String username) {
    users.remove(username);
    userDeletes.add(username);
  }

  public void put(PeerRecord p) {
    peerDeletes.remove(p.peerId());
    peers.put(p.peerId(), p);
  }

  public void deletePeer(String peerId) {
    peers.remove(peerId);
    peerDeletes.add(peerId);
  }

  public void put(WsUserRecord w) {
    wsUserDeletes.remove(w.username());
    wsUsers.put(w.username(), w);
  }

  public void deleteWsUser(String username) {
    wsUsers.remove(username);
    wsUserDeletes.add(username);
  }

  /** Applies every write of {@code newer}, made after this batch's, on top of it: all six kinds of row. */
  public void addNewer(WriteBatch newer) {
    newer.users.values().forEach(this::put);
    newer.userDeletes.forEach(this::deleteUser);
    newer.peers.values().forEach(this::put);
    newer.peerDeletes.forEach(this::deletePeer);
    newer.wsUsers.values().forEach(this::put);
    newer.wsUserDeletes.forEach(this::deleteWsUser);
  }

  public Iterable<WsUserRecord> wsUsers() {
    return wsUsers.values();
  }

  public Iterable<UserRecord> users() {
    return users.values();
  }

  public Iterable<String> userDeletes() {
    return userDeletes;
  }

  public Iterable<PeerRecord> peers() {
    return peers.values();
  }

  public Iterable<String> peerDeletes() {
    return peerDeletes;
  }

  public boolean isEmpty() {
    return users.isEmpty() && userDeletes.isEmpty() && peers.isEmpty() && peerDeletes.isEmpty() && wsUsers.isEmpty()
        && wsUserDeletes.isEmpty();
  }

  /** Rows this batch writes or deletes. */
  public int size() {
    return users.size() + userDeletes.size() + peers.size() + peerDeletes.size() + wsUsers.size() + wsUserDeletes.size();
  }
}
