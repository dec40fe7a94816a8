package org.rendezvous.registry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Reads a registry's SQLite file directly, as another process would, beside the node that writes it. */
final class SqliteRows {

  private SqliteRows() {
  }

  /** The first column of every row {@code sql} selects from {@code db}, as text. */
  static List<String> column(Path db, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      return column(c, sql);
    }
  }

  /** The first column of every row {@code sql} selects on {@code c}, as text. */
  static List<String> column(Connection c, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
