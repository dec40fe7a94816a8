package org.rendezvous.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Starts real nodes for tests: every listener on a free port, SQLite in a test directory. */
final class NodeFixture {

  private NodeFixture() {
  }

  /** A single-node config with all listeners on ephemeral ports and a short commit delay. */
  static JsonObject singleNode(Path dir) {
    return new JsonObject()
        .put("ops", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("registry", new JsonObject()
            .put("dbPath", dir.resolve("rendezvous.db").toString())
            .put("httpHost", "127.0.0.1").put("httpPort", 0)
            .put("commitDelayMs", 20))
        .put("udp", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("lobby", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("pairing", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("ws", new JsonObject().put("host", "127.0.0.1").put("port", 0));
  }

  /** A clustered config: Hazelcast on {@code hzPort}, joining the given loopback member ports. */
  static JsonObject clustered(Path dir, String clusterName, int hzPort, List<Integer> memberPorts) {
    JsonArray members = new JsonArray();
    memberPorts.forEach(p -> members.add("127.0.0.1:" + p));
    return singleNode(dir).put("cluster", new JsonObject()
        .put("enabled", true).put("name", clusterName).put("host", "127.0.0.1").put("port", hzPort)
        .put("members", members).put("eventBusPort", 0).put("waitBeforeJoinSeconds", 0)
        .put("heartbeatSeconds", 1).put("maxNoHeartbeatSeconds", 5));
  }

  static String uniqueClusterName() {
    return "test-" + UUID.randomUUID();
  }

  static RendezvousNode start(JsonObject config) throws Exception {
    return RendezvousNode.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static void stop(RendezvousNode node) throws Exception {
    if (node != null) {
      node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
