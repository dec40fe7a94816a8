package org.rendezvous.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.ClusterMaps;
import org.rendezvous.testkit.ClusterTestKit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The filtered reads the clean-ups after a node leaves use, on a real two-member cluster and on one process. */
class ClusterMapsTest {

  private static final String MAP = "test.cluster-maps";

  @Test
  void aMemberReadsOnlyTheEntriesWhoseValueMatchesWhereverTheyAreStored() throws Exception {
    List<Vertx> members = ClusterTestKit.cluster(2);
    try {
      AsyncMap<String, String> writer = await(members.get(0).sharedData().getAsyncMap(MAP));
      fill(writer);
      AsyncMap<String, String> reader = await(members.get(1).sharedData().getAsyncMap(MAP));
      assertMatches(members.get(1), reader);
    } finally {
      ClusterTestKit.close(members.get(1));
      ClusterTestKit.close(members.get(0));
    }
  }

  @Test
  void withoutAClusterTheLocalMapIsFilteredTheSameWay() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      AsyncMap<String, String> map = await(vertx.sharedData().getAsyncMap(MAP));
      fill(map);
      assertMatches(vertx, map);
    } finally {
      await(vertx.close());
    }
  }

  /** Values shaped as the pairing keys' {@code serial@node} and the lobby names' {@code node#n}, with LIKE's special characters in node ids. */
  private static void fill(AsyncMap<String, String> map) throws Exception {
    Map<String, String> entries = Map.ofEntries(
        Map.entry("k1", "1@node_a"), Map.entry("k2", "2@nodeXa"), Map.entry("k3", "3@node_a"), Map.entry("k4", "4@%"),
        Map.entry("k5", "5@node_a "), Map.entry("s1", "node_a#1"), Map.entry("s2", "nodeXa#2"), Map.entry("s3", "node_a#3"),
        Map.entry("s4", "#4"), Map.entry("s5", "xnode_a#5"), Map.entry("b1", "1@a\\b"), Map.entry("b2", "a\\%#2"));
    for (Map.Entry<String, String> e : entries.entrySet()) {
      await(map.put(e.getKey(), e.getValue()));
    }
  }

  private static void assertMatches(Vertx vertx, AsyncMap<String, String> map) throws Exception {
    assertEquals(Map.of("k1", "1@node_a", "k3", "3@node_a"), await(ClusterMaps.entriesByValue(vertx, MAP, map, "", "@node_a")));
    assertEquals(Map.of("k4", "4@%"), await(ClusterMaps.entriesByValue(vertx, MAP, map, "", "@%")));
    assertEquals(Map.of("s1", "node_a#1", "s3", "node_a#3"), await(ClusterMaps.entriesByValue(vertx, MAP, map, "node_a#", "")));
    assertEquals(Map.of(), await(ClusterMaps.entriesByValue(vertx, MAP, map, "nobody#", "")));
    assertEquals(Map.of("b1", "1@a\\b"), await(ClusterMaps.entriesByValue(vertx, MAP, map, "", "@a\\b")), "a backslash");
    assertEquals(Map.of("b2", "a\\%#2"), await(ClusterMaps.entriesByValue(vertx, MAP, map, "a\\%#", "")),
        "a backslash before a wildcard character");
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
