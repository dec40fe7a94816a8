package org.rendezvous.testkit;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.rendezvous.common.ClusterEvents;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Real clustered Vert.x instances for module tests: Hazelcast members on 127.0.0.1 joined by a
 * TCP-IP member list, a unique cluster name per test, no join wait, fast failure detection, and
 * the node's membership events ({@link ClusterEvents}) installed as the node does.
 */
public final class ClusterTestKit {

  private ClusterTestKit() {
  }

  /** A fresh cluster name: tests never join each other's members. */
  public static String uniqueClusterName() {
    return "test-" + UUID.randomUUID();
  }

  /** Starts one member on {@code port} joining {@code members} (ports on 127.0.0.1); blocks until joined. */
  public static Vertx clusteredVertx(String clusterName, int port, List<Integer> members) throws Exception {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(clusterName);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "jdk");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.getNetworkConfig().setPort(port).setPortAutoIncrement(false).setPublicAddress("127.0.0.1:" + port);
    hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members.stream().map(p -> "127.0.0.1:" + p).toList());
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
        .withClusterManager(new HazelcastClusterManager(hz))
        .buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    ClusterEvents.install(vertx);
    return vertx;
  }

  /** Starts {@code n} members of one new cluster and waits until each sees all of them. */
  public static List<Vertx> cluster(int n) throws Exception {
    String name = uniqueClusterName();
    List<Integer> ports = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      ports.add(FreePorts.tcp());
    }
    List<Vertx> members = new java.util.ArrayList<>();
    for (int p : ports) {
      members.add(clusteredVertx(name, p, ports));
    }
    for (Vertx v : members) {
      HazelcastClusterManager m = (HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) v).clusterManager();
      Poll.until(30_000, n + " members", () -> m.getNodes().size() == n ? true : null);
    }
    return members;
  }

  /** The node id of a clustered instance. */
  public static String nodeId(Vertx vertx) {
    return ClusterEvents.nodeId(vertx, null);
  }

  public static void close(Vertx vertx) throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
