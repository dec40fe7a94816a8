package org.rendezvous.common;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;

/**
 * Cluster membership as node-local event-bus events, so every service can clean up what a dead
 * node owned (SPEC §2 rule 4) without touching the cluster manager. Body of both: the node id
 * (String), the same id as {@code ClusterManager.getNodeId()} on that node.
 */
public final class ClusterEvents {

  /** Published locally on every surviving node when a node leaves or dies. */
  public static final String NODE_LEFT = "cluster.node.left";
  /** Published locally when a node joins. */
  public static final String NODE_JOINED = "cluster.node.joined";

  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private ClusterEvents() {
  }

  /**
   * Starts publishing membership changes of a clustered Vert.x instance; no-op on a single node.
   * Hazelcast's own listener is used: Vert.x keeps the cluster manager's node listener for itself.
   */
  public static void install(Vertx vertx) {
    ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    if (!(manager instanceof HazelcastClusterManager hz)) {
      return;
    }
    hz.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        vertx.eventBus().publish(NODE_JOINED, vertxNodeId(e), LOCAL);
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        vertx.eventBus().publish(NODE_LEFT, vertxNodeId(e), LOCAL);
      }
    });
  }

  /** The Vert.x node id Hazelcast carries as a member attribute (it is not the member's UUID). */
  private static String vertxNodeId(MembershipEvent e) {
    String id = e.getMember().getAttribute(VERTX_NODE_ID_ATTRIBUTE);
    return id != null ? id : e.getMember().getUuid().toString();
  }

  /** This node's id: the cluster member id when clustered, else the given fallback. */
  public static String nodeId(Vertx vertx, String fallback) {
    ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    return manager != null ? manager.getNodeId() : fallback;
  }

  /** The ids of this cluster's other members now; none without a cluster. */
  public static List<String> otherMembers(Vertx vertx, String selfId) {
    ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    return manager == null ? List.of()
        : manager.getNodes().stream().filter(n -> !n.equals(selfId)).toList();
  }

  /** True when {@code node} is a member of this node's cluster now; without a cluster, when it is this node ({@code selfId}). */
  public static boolean isMember(Vertx vertx, String node, String selfId) {
    ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    return manager == null ? node.equals(selfId) : manager.getNodes().contains(node);
  }
}
