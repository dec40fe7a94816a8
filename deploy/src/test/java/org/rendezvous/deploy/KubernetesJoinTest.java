package org.rendezvous.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.NodeInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.node.ConfigLoader;
import org.rendezvous.node.RendezvousNode;
import org.rendezvous.testkit.ClusterTestKit;
import org.rendezvous.testkit.FreePorts;
import org.rendezvous.testkit.Poll;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two nodes started from the ConfigMap's own node.json and cluster.xml find each other through
 * Hazelcast's Kubernetes DNS discovery, as pods do through the headless Service. On loopback,
 * "localhost" stands in for the Service's name (it resolves to 127.0.0.1 as the Service's name
 * resolves to the pod IPs) and each node gets its own port; everything else is the file as shipped.
 */
class KubernetesJoinTest {

  @Test
  void nodesJoinThroughDnsDiscoveryAnnounceTheirClusterHostAndAnswerTheProbes(@TempDir Path dir) throws Exception {
    String xml = ClusterXmlTest.clusterXml();
    String clusterName = ClusterTestKit.uniqueClusterName();
    int firstPort = FreePorts.tcp();
    int secondPort = FreePorts.tcp();
    List<RendezvousNode> nodes = new ArrayList<>();
    try {
      // The first node finds no one and forms the cluster; the second finds it at the name's address.
      // Each node's pod IP: loopback addresses other than the default cluster.host, so the test
      // shows the variable is what the event bus binds to and announces.
      List<String> podIps = List.of("127.0.0.2", "127.0.0.3");
      nodes.add(start(dir.resolve("a"), loopbackXml(xml, firstPort, firstPort), clusterName, podIps.get(0)));
      nodes.add(start(dir.resolve("b"), loopbackXml(xml, secondPort, firstPort), clusterName, podIps.get(1)));
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < nodes.size(); i++) {
        RendezvousNode node = nodes.get(i);
        Poll.until(30_000, "both members seen by " + node.nodeId(),
            () -> node.clusterManager().getNodes().size() == 2 ? true : null);
        NodeInfo info = node.clusterManager().getNodeInfo();
        assertEquals(podIps.get(i), info.host());
        // /api/cluster asks every node over the event bus: both answer only if each reached the other's address.
        URI cluster = URI.create("http://127.0.0.1:" + node.port("ops") + "/api/cluster");
        JsonObject view = Poll.until(30_000, "both nodes answering " + cluster, () -> {
          JsonObject v = new JsonObject(http.send(HttpRequest.newBuilder(cluster).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body());
          return v.getJsonArray("nodes").stream().filter(n -> ((JsonObject) n).getBoolean("ready", false)).count() == 2 ? v : null;
        });
        assertEquals(2, view.getJsonArray("nodes").size());
      }
      Container container = DeployTree.nodeContainer();
      for (RendezvousNode node : nodes) {
        for (Probe probe : List.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe())) {
          URI uri = URI.create("http://127.0.0.1:" + node.port("ops") + probe.getHttpGet().getPath());
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
          assertEquals(200, r.statusCode(), uri + " answered " + r.body());
        }
      }
    } finally {
      for (RendezvousNode node : nodes) {
        node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The shipped cluster.xml with the member on {@code ownPort} of 127.0.0.1 only, and discovery
   * resolving "localhost" and dialling {@code dialledPort}.
   */
  static String loopbackXml(String xml, int ownPort, int dialledPort) {
    String serviceDns = "<service-dns>rendezvous-cluster</service-dns>";
    String port = "<port auto-increment=\"false\">5701</port>";
    if (!xml.contains(serviceDns) || !xml.contains(port) || !xml.contains("</hazelcast>")) {
      throw new AssertionError("cluster.xml changed shape; update this test's loopback rewrite");
    }
    return xml
        .replace(serviceDns, "<service-dns>localhost</service-dns><service-port>" + dialledPort + "</service-port>")
        .replace(port, "<port auto-increment=\"false\">" + ownPort + "</port>"
            + "<interfaces enabled=\"true\"><interface>127.0.0.1</interface></interfaces>")
        .replace("</hazelcast>", "<properties><property name=\"hazelcast.socket.bind.any\">false</property></properties></hazelcast>");
  }

  /**
   * A node from the ConfigMap's node.json, loaded as Main loads it, with the pod's environment
   * (RENDEZVOUS_CLUSTER_HOST = its pod IP) and test overrides: loopback listeners on free ports, a
   * temp database.
   */
  private static RendezvousNode start(Path dir, String xml, String clusterName, String podIp) throws Exception {
    Files.createDirectories(dir);
    Path nodeJson = dir.resolve("node.json");
    Files.writeString(nodeJson, DeployTree.configMap().getData().get("node.json"));
    Path clusterXml = dir.resolve("cluster.xml");
    Files.writeString(clusterXml, xml);
    Properties overrides = new Properties();
    for (String section : List.of("ops", "udp", "lobby", "pairing", "ws")) {
      overrides.setProperty("rendezvous." + section + ".host", "127.0.0.1");
      overrides.setProperty("rendezvous." + section + ".port", "0");
    }
    overrides.setProperty("rendezvous.registry.httpHost", "127.0.0.1");
    overrides.setProperty("rendezvous.registry.httpPort", "0");
    overrides.setProperty("rendezvous.registry.dbPath", dir.resolve("rendezvous.db").toString());
    overrides.setProperty("rendezvous.cluster.configFile", clusterXml.toString());
    overrides.setProperty("rendezvous.cluster.name", clusterName);
    overrides.setProperty("rendezvous.cluster.eventBusPort", "0");
    // Not 0: Hazelcast's discovery joiner asks discovery only within this wait, so 0 finds no one.
    overrides.setProperty("rendezvous.cluster.waitBeforeJoinSeconds", "1");
    JsonObject config = ConfigLoader.load(nodeJson.toString(), Map.of("RENDEZVOUS_CLUSTER_HOST", podIp), overrides);
    return RendezvousNode.start(config).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }
}
