package org.rendezvous.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The node's S0 {@code users} table, read from its SQLite file while the node writes it (WAL):
 * the rows of one load run, whose names are {@code RUN-0 … RUN-(N-1)}.
 */
final class UsersTable implements AutoCloseable {

  /** A run's rows: how many of its names exist, and how many are at least as new as asked. */
  record Count(long present, long fresh) {
  }

  private final Connection db;

  UsersTable(String dbPath) throws SQLException {
    db = DriverManager.getConnection("jdbc:sqlite:" + dbPath);
    db.createStatement().execute("PRAGMA busy_timeout = 1000");
  }

  /**
   * Counts the run's rows, and those whose last_seen is at least {@code sinceSecond[i]} for name
   * RUN-i. Names are sent round-robin, so the bound is constant over long runs of consecutive
   * indices: it becomes a short CASE and the whole count runs inside SQLite (reading 50,000 rows
   * into Java would take longer than the commit being timed).
   */
  Count count(String run, long[] sinceSecond) throws SQLException {
    StringBuilder bound = new StringBuilder("CASE");
    for (int from = 0, i = 1; i <= sinceSecond.length; i++) {
      if (i == sinceSecond.length || sinceSecond[i] != sinceSecond[from]) {
        bound.append(" WHEN i < ").append(i).append(" THEN ").append(sinceSecond[from]);
        from = i;
      }
    }
    String sql = "SELECT COUNT(*), COALESCE(SUM(last_seen >= " + bound + " END), 0) FROM"
        + " (SELECT CAST(substr(username, " + (run.length() + 2) + ") AS INTEGER) AS i, last_seen FROM users"
        + " WHERE username >= ? AND username < ?)"; // a primary-key range: '.' follows '-'
    try (PreparedStatement q = db.prepareStatement(sql)) {
      q.setString(1, run + "-");
      q.setString(2, run + ".");
      try (ResultSet r = q.executeQuery()) {
        r.next();
        return new Count(r.getLong(1), r.getLong(2));
      }
    }
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }
}
