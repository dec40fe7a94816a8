package org.rendezvous.node;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.stream.Stream;

import static org.rendezvous.common.ConfigValues.boolOf;
import static org.rendezvous.common.ConfigValues.intOf;
import static org.rendezvous.common.ConfigValues.listOf;
import static org.rendezvous.common.ConfigValues.stringOf;

/**
 * The {@code cluster} section: whether this node joins a Hazelcast cluster, and how.
 *
 * @param enabled          false = embedded single node (the default)
 * @param name             Hazelcast cluster name; nodes only join a cluster of the same name
 * @param join             tcp-ip (member list), multicast (LAN) or kubernetes (headless-Service DNS)
 * @param host             address Hazelcast and the event bus bind to and announce; empty = let Hazelcast pick
 * @param port             Hazelcast member port (next free one is tried when taken)
 * @param members          tcp-ip: the member list, host or host:port
 * @param serviceDns       kubernetes: DNS name of the headless Service
 * @param eventBusPort     clustered event-bus port (0 = any free port)
 * @param configFile       a Hazelcast XML file that replaces everything above but name and event bus
 * @param heartbeatSeconds Hazelcast member heartbeat interval
 * @param maxNoHeartbeatSeconds a member silent this long is declared dead
 * @param waitBeforeJoinSeconds Hazelcast's join settling wait (0 in tests)
 * @param mergeDelaySeconds how often members cut off from each other (a network split, a long pause) look for
 *                          each other to merge back into one cluster
 */
public record ClusterConfig(boolean enabled, String name, String join, String host, int port, List<String> members,
                            String serviceDns, int eventBusPort, String configFile, int heartbeatSeconds,
                            int maxNoHeartbeatSeconds, int waitBeforeJoinSeconds, int mergeDelaySeconds) {

  public static ClusterConfig from(JsonObject json) {
    ClusterConfig c = new ClusterConfig(
        boolOf(json, "enabled", false),
        stringOf(json, "name", "rendezvous"),
        stringOf(json, "join", "tcp-ip"),
        stringOf(json, "host", "127.0.0.1"),
        intOf(json, "port", 5701),
        listOf(json, "members", List.of("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703")),
        stringOf(json, "serviceDns", ""),
        intOf(json, "eventBusPort", 17001),
        stringOf(json, "configFile", ""),
        intOf(json, "heartbeatSeconds", 1),
        intOf(json, "maxNoHeartbeatSeconds", 10),
        intOf(json, "waitBeforeJoinSeconds", 2),
        intOf(json, "mergeDelaySeconds", 30));
    if (c.mergeDelaySeconds < 1) {
      throw new IllegalArgumentException("cluster.mergeDelaySeconds must be >= 1, got " + c.mergeDelaySeconds);
    }
    if (!List.of("tcp-ip", "multicast", "kubernetes").contains(c.join)) {
      throw new IllegalArgumentException("cluster.join must be tcp-ip, multicast or kubernetes, got \"" + c.join + "\"");
    }
    if (c.enabled && c.join.equals("kubernetes") && c.serviceDns.isBlank() && c.configFile.isBlank()) {
      throw new IllegalArgumentException("cluster.join=kubernetes needs cluster.serviceDns (the headless Service's DNS name)");
    }
    // Hazelcast's discovery joiner asks for members only within the join wait: at 0 each node forms its own cluster.
    if (c.enabled && c.join.equals("kubernetes") && c.waitBeforeJoinSeconds < 1) {
      throw new IllegalArgumentException("cluster.waitBeforeJoinSeconds must be >= 1 with cluster.join=kubernetes");
    }
    return c;
  }

  /**
   * The keys set in {@code json} (the section this config was read from) that its {@code configFile} makes of no
   * effect: the file's network section decides how members find each other and on which port. ({@code host}
   * still sets the event bus's address.)
   */
  public List<String> ignoredWithConfigFile(JsonObject json) {
    if (configFile.isBlank()) {
      return List.of();
    }
    return Stream.of("join", "serviceDns", "port", "members").filter(json::containsKey).toList();
  }
}
