package org.rendezvous.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The body of replication and snapshot messages:
 * {@code {"from": nodeId, "users": [[username, ip, port, lastSeen, version, origin]…],
 * "peers": [[peerId, username, ip, port, online, lastSeenMicros, version, origin, firstSeenMicros]…] (a node of an
 *            earlier version sends no firstSeenMicros: its registration time stands for it),
 * "wsUsers": [[username, userIdJson, firstSeen, lastSeen]…]}}.
 * Arrays rather than objects keep a 2,000-row batch small on the wire.
 */
public record ReplicationMessage(String from, List<UserRecord> users, List<PeerRecord> peers, List<WsUserRecord> wsUsers) {

  public JsonObject toJson() {
    JsonArray u = new JsonArray(new ArrayList<>(users.size()));
    for (UserRecord r : users) {
      u.add(new JsonArray().add(r.username()).add(r.ip()).add(r.port()).add(r.lastSeen()).add(r.version()).add(r.origin()));
    }
    JsonArray p = new JsonArray(new ArrayList<>(peers.size()));
    for (PeerRecord r : peers) {
      p.add(new JsonArray().add(r.peerId()).add(r.username()).add(r.ip()).add(r.port()).add(r.online())
          .add(r.lastSeenMicros()).add(r.version()).add(r.origin()).add(r.firstSeenMicros()));
    }
    JsonArray w = new JsonArray(new ArrayList<>(wsUsers.size()));
    for (WsUserRecord r : wsUsers) {
      w.add(new JsonArray().add(r.username()).add(r.userIdJson()).add(r.firstSeen()).add(r.lastSeen()));
    }
    return new JsonObject().put("from", from).put("users", u).put("peers", p).put("wsUsers", w);
  }

  public static ReplicationMessage fromJson(JsonObject json) {
    List<UserRecord> users = new ArrayList<>();
    for (Object o : json.getJsonArray("users", new JsonArray())) {
      JsonArray a = (JsonArray) o;
      users.add(new UserRecord(a.getString(0), a.getString(1), a.getInteger(2), a.getLong(3), a.getLong(4), a.getString(5)));
    }
    List<PeerRecord> peers = new ArrayList<>();
    for (Object o : json.getJsonArray("peers", new JsonArray())) {
      JsonArray a = (JsonArray) o;
      peers.add(new PeerRecord(a.getString(0), a.getString(1), a.getString(2), a.getLong(3), a.getBoolean(4),
          a.getLong(5), a.getLong(6), a.getString(7), a.size() > 8 ? a.getLong(8) : a.getLong(5)));
    }
    List<WsUserRecord> wsUsers = new ArrayList<>();
    for (Object o : json.getJsonArray("wsUsers", new JsonArray())) {
      JsonArray a = (JsonArray) o;
      wsUsers.add(new WsUserRecord(a.getString(0), a.getString(1), a.getLong(2), a.getLong(3)));
    }
    return new ReplicationMessage(json.getString("from"), users, peers, wsUsers);
  }

  public static ReplicationMessage of(String from, Collection<UserRecord> users, Collection<PeerRecord> peers,
                                      Collection<WsUserRecord> wsUsers) {
    return new ReplicationMessage(from, new ArrayList<>(users), new ArrayList<>(peers), new ArrayList<>(wsUsers));
  }
}
