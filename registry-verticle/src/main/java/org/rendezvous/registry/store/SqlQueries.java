package org.rendezvous.registry.store;

/** Every SQL statement of the registry, in one place. */
interface SqlQueries {

  /** Migrations by target schema version: index i moves user_version i to i+1. */
  String[][] MIGRATIONS = {
      {
          // Exactly the STUN-lite seed's table, so its tools can read our file.
          "CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, ip TEXT, port INTEGER, last_seen INTEGER)",
          "CREATE TABLE IF NOT EXISTS peers (peer_id TEXT PRIMARY KEY, username TEXT NOT NULL, ip TEXT NOT NULL,"
              + " port INTEGER NOT NULL, online INTEGER NOT NULL, last_seen_us INTEGER NOT NULL,"
              + " version INTEGER NOT NULL, origin TEXT NOT NULL)"
      },
      {
          // S3 names: who registered, with which user id, first and last seen (epoch ms)
          "CREATE TABLE IF NOT EXISTS ws_users (username TEXT PRIMARY KEY, user_id_json TEXT NOT NULL,"
              + " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL)"
      },
      {
          // S2 registration order on every node alike: when each id was first registered (epoch µs). A row of an
          // earlier version knows only its last registration, which every node holds alike (its rowid is local).
          "ALTER TABLE peers ADD COLUMN first_seen_us INTEGER NOT NULL DEFAULT 0",
          "UPDATE peers SET first_seen_us = last_seen_us"
      }
  };

  String READ_VERSION = "PRAGMA user_version";

  String UPSERT_USER = "INSERT INTO users (username, ip, port, last_seen) VALUES (?, ?, ?, ?)"
      + " ON CONFLICT(username) DO UPDATE SET ip = excluded.ip, port = excluded.port, last_seen = excluded.last_seen";

  String DELETE_USER = "DELETE FROM users WHERE username = ?";

  String UPSERT_PEER = "INSERT INTO peers (peer_id, username, ip, port, online, last_seen_us, version, origin, first_seen_us)"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
      + " ON CONFLICT(peer_id) DO UPDATE SET username = excluded.username, ip = excluded.ip, port = excluded.port,"
      + " online = excluded.online, last_seen_us = excluded.last_seen_us, version = excluded.version,"
      + " origin = excluded.origin, first_seen_us = excluded.first_seen_us";

  String UPSERT_WS_USER = "INSERT INTO ws_users (username, user_id_json, first_seen, last_seen) VALUES (?, ?, ?, ?)"
      + " ON CONFLICT(username) DO UPDATE SET user_id_json = excluded.user_id_json, first_seen = excluded.first_seen,"
      + " last_seen = excluded.last_seen";

  String DELETE_WS_USER = "DELETE FROM ws_users WHERE username = ?";

  String LOAD_WS_USERS = "SELECT username, user_id_json, first_seen, last_seen FROM ws_users ORDER BY rowid";

  String DELETE_PEER = "DELETE FROM peers WHERE peer_id = ?";

  // rowid order is first-registration order: an upsert keeps the row's rowid.
  String LOAD_USERS = "SELECT username, ip, port, last_seen FROM users ORDER BY rowid";

  String LOAD_PEERS = "SELECT peer_id, username, ip, port, online, last_seen_us, version, origin, first_seen_us FROM peers";

  static String setVersion(int v) {
    return "PRAGMA user_version = " + v;
  }
}
