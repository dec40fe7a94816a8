package org.rendezvous.registry.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.rendezvous.registry.PeerRecord;
import org.rendezvous.registry.RegistryIndex;
import org.rendezvous.registry.UserRecord;
import org.rendezvous.registry.WsUserRecord;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The registry's SQLite file: one writer connection in WAL mode, versioned schema, batch writes in
 * one transaction each. Reads happen only at start (loading the in-memory index).
 */
public final class RegistryStore {

  private static final Logger LOG = Logger.getLogger(RegistryStore.class.getName());

  private final Pool pool;

  private RegistryStore(Pool pool) {
    this.pool = pool;
  }

  /** Opens (creating directories and schema as needed) the database at {@code path}. */
  public static Future<RegistryStore> open(Vertx vertx, String path) {
    return vertx.executeBlocking(() -> {
      Path parent = Path.of(path).toAbsolutePath().getParent();
      if (parent != null) {
        try {
          Files.createDirectories(parent);
        } catch (AccessDeniedException e) {
          throw new IOException("no permission to create the directory " + e.getFile(), e);
        } catch (FileAlreadyExistsException e) {
          throw new IOException("not a directory: " + e.getFile(), e);
        }
      }
      return path;
    }).compose(p -> {
      SQLiteConfig config = new SQLiteConfig();
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      // NORMAL in WAL mode: a committed transaction survives a process kill; only power loss can drop the last ones.
      config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
      config.setBusyTimeout(5_000);
      SQLiteDataSource ds = new SQLiteDataSource(config);
      ds.setUrl("jdbc:sqlite:" + p);
      Pool pool = JDBCPool.pool(vertx, ds, new PoolOptions().setMaxSize(1).setName("registry-" + p));
      RegistryStore store = new RegistryStore(pool);
      return store.migrate().map(store).onFailure(e -> pool.close());
    });
  }

  private Future<Void> migrate() {
    return pool.withConnection(conn -> conn.query(SqlQueries.READ_VERSION).execute()
        .compose(rows -> applyFrom(conn, rows.iterator().next().getInteger(0))));
  }

  private Future<Void> applyFrom(SqlConnection conn, int version) {
    if (version > SqlQueries.MIGRATIONS.length) {
      return Future.failedFuture("database schema version " + version + " is newer than this build ("
          + SqlQueries.MIGRATIONS.length + ")");
    }
    if (version == SqlQueries.MIGRATIONS.length) {
      return Future.succeededFuture();
    }
    Future<Void> step = conn.begin().compose(tx -> {
      Future<Void> chain = Future.succeededFuture();
      for (String sql : SqlQueries.MIGRATIONS[version]) {
        chain = chain.compose(v -> conn.query(sql).execute().mapEmpty());
      }
      return chain
          .compose(v -> conn.query(SqlQueries.setVersion(version + 1)).execute())
          .compose(v -> tx.commit())
          .recover(e -> tx.rollback().transform(r -> Future.failedFuture(e)));
    });
    return step.compose(v -> applyFrom(conn, version + 1));
  }

  /** Loads every stored entry into {@code index}, in registration order. */
  public Future<Void> loadInto(RegistryIndex index) {
    return pool.query(SqlQueries.LOAD_USERS).execute().compose(users -> {
      int incomplete = 0;
      for (Row r : users) {
        if (r.getValue(0) == null || r.getValue(1) == null || r.getValue(2) == null || r.getValue(3) == null) {
          incomplete++; // the original's table allows NULL in every column, though it never writes one
          continue;
        }
        long lastSeen = r.getLong(3);
        // Stored users carry no version: any live write of the same second wins over them.
        index.apply(new UserRecord(r.getString(0), r.getString(1), r.getInteger(2), lastSeen, lastSeen * 1_000_000L, ""));
      }
      if (incomplete > 0) {
        LOG.warning("registry: skipped " + incomplete + " users rows with an empty (NULL) column");
      }
      return pool.query(SqlQueries.LOAD_PEERS).execute();
    }).compose(peers -> {
      for (Row r : peers) {
        index.apply(new PeerRecord(r.getString(0), r.getString(1), r.getString(2), r.getLong(3),
            r.getInteger(4) != 0, r.getLong(5), r.getLong(6), r.getString(7), r.getLong(8)));
      }
      return pool.query(SqlQueries.LOAD_WS_USERS).execute();
    }).map(wsUsers -> {
      for (Row r : wsUsers) {
        index.apply(new WsUserRecord(r.getString(0), r.getString(1), r.getLong(2), r.getLong(3)));
      }
      return null;
    });
  }

  /** Writes a batch in one transaction. */
  public Future<Void> write(WriteBatch batch) {
    return pool.withTransaction(conn -> {
      Future<Void> f = Future.succeededFuture();
      f = f.compose(v -> batch(conn, SqlQueries.UPSERT_USER, userRows(batch)));
      f = f.compose(v -> batch(conn, SqlQueries.DELETE_USER, keyRows(batch.userDeletes)));
      f = f.compose(v -> batch(conn, SqlQueries.UPSERT_PEER, peerRows(batch)));
      f = f.compose(v -> batch(conn, SqlQueries.DELETE_PEER, keyRows(batch.peerDeletes)));
      f = f.compose(v -> batch(conn, SqlQueries.UPSERT_WS_USER, wsUserRows(batch)));
      return f.compose(v -> batch(conn, SqlQueries.DELETE_WS_USER, keyRows(batch.wsUserDeletes)));
    });
  }

  public Future<Void> close() {
    return pool.close();
  }

  private static Future<Void> batch(SqlConnection conn, String sql, List<Tuple> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(sql).executeBatch(rows).mapEmpty();
  }

  private static List<Tuple> userRows(WriteBatch b) {
    List<Tuple> rows = new ArrayList<>(b.users.size());
    for (UserRecord u : b.users.values()) {
      rows.add(Tuple.of(u.username(), u.ip(), u.port(), u.lastSeen()));
    }
    return rows;
  }

  private static List<Tuple> peerRows(WriteBatch b) {
    List<Tuple> rows = new ArrayList<>(b.peers.size());
    for (PeerRecord p : b.peers.values()) {
      rows.add(Tuple.tuple(List.of(p.peerId(), p.username(), p.ip(), p.port(), p.online() ? 1 : 0,
          p.lastSeenMicros(), p.version(), p.origin(), p.firstSeenMicros())));
    }
    return rows;
  }

  private static List<Tuple> wsUserRows(WriteBatch b) {
    List<Tuple> rows = new ArrayList<>(b.wsUsers.size());
    for (WsUserRecord w : b.wsUsers.values()) {
      rows.add(Tuple.of(w.username(), w.userIdJson(), w.firstSeen(), w.lastSeen()));
    }
    return rows;
  }

  private static List<Tuple> keyRows(Iterable<String> keys) {
    List<Tuple> rows = new ArrayList<>();
    for (String k : keys) {
      rows.add(Tuple.of(k));
    }
    return rows;
  }
}
