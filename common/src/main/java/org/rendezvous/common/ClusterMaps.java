package org.rendezvous.common;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Filtered reads of a cluster-wide map of text values, for the clean-ups after a member leaves: on a Hazelcast
 * cluster each member filters its own partitions and sends back only the matching entries, so a survivor no
 * longer copies a whole map to find the few entries the dead member held. Without a cluster the map lives in
 * this process and is filtered here.
 */
public final class ClusterMaps {

  private ClusterMaps() {
  }

  /**
   * The entries of the map {@code name} (opened as {@code map} through shared data) whose value starts with
   * {@code prefix} and ends with {@code suffix}, the cluster's current state of them.
   */
  public static Future<Map<String, String>> entriesByValue(Vertx vertx, String name, AsyncMap<String, String> map,
      String prefix, String suffix) {
    if (((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager hz) {
      IMap<String, String> imap = hz.getHazelcastInstance().getMap(name);
      String pattern = likeFilter(prefix) + "%" + likeFilter(suffix);
      return vertx.executeBlocking(() -> {
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, String> e : imap.entrySet(Predicates.like("this", pattern))) {
          if (matches(e.getValue(), prefix, suffix)) {
            out.put(e.getKey(), e.getValue());
          }
        }
        return out;
      }, false);
    }
    return map.entries().map(all -> {
      Map<String, String> out = new HashMap<>();
      all.forEach((k, v) -> {
        if (matches(v, prefix, suffix)) {
          out.put(k, v);
        }
      });
      return out;
    });
  }

  private static boolean matches(String value, String prefix, String suffix) {
    return value.length() >= prefix.length() + suffix.length() && value.startsWith(prefix) && value.endsWith(suffix);
  }

  /**
   * {@code text} as a LIKE pattern that matches at least itself: Hazelcast's LIKE escapes {@code %} and {@code _}
   * but has no escape for a backslash before them, so each of the three becomes {@code _} (any one character) and
   * the exact check is made here on what comes back.
   */
  static String likeFilter(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      b.append(c == '%' || c == '_' || c == '\\' ? '_' : c);
    }
    return b.toString();
  }
}
