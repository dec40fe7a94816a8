package org.rendezvous.deploy;

import com.hazelcast.config.Config;
import com.hazelcast.config.InvalidConfigurationException;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.rendezvous.node.ClusterConfig;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ConfigMap's cluster.xml is a valid Hazelcast config whose only join is DNS discovery of the headless Service. */
class ClusterXmlTest {

  static Config build(String xml) {
    return new XmlConfigBuilder(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).build();
  }

  static String clusterXml() {
    return DeployTree.configMap().getData().get("cluster.xml");
  }

  @Test
  void hazelcastsOwnBuilderAcceptsItAndRejectsASchemaError() {
    Config config = build(clusterXml());
    assertEquals(5701, config.getNetworkConfig().getPort());
    // The builder validates against Hazelcast's schema, so a misplaced element does not slip through.
    String broken = clusterXml().replace("<tcp-ip enabled=\"false\"/>", "<tcp-ip enabled=\"false\"/><dns-lookup/>");
    assertThrows(InvalidConfigurationException.class, () -> build(broken));
  }

  @Test
  void kubernetesDnsIsTheOnlyJoinAndNamesTheHeadlessService() {
    JoinConfig join = build(clusterXml()).getNetworkConfig().getJoin();
    KubernetesConfig k8s = join.getKubernetesConfig();
    assertTrue(k8s.isEnabled());
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertFalse(join.getAwsConfig().isEnabled() || join.getGcpConfig().isEnabled() || join.getAzureConfig().isEnabled()
        || join.getEurekaConfig().isEnabled() || join.getDiscoveryConfig().isEnabled());

    String headless = DeployTree.service("rendezvous-cluster").getMetadata().getName();
    assertEquals(headless, k8s.getProperty("service-dns"));
    JsonObject cluster = DeployTree.nodeConfig().getJsonObject("cluster");
    assertTrue(ClusterConfig.from(cluster).configFile().endsWith("/cluster.xml"), "node.json loads this file");
    assertEquals(java.util.List.of(), ClusterConfig.from(cluster).ignoredWithConfigFile(cluster),
        "node.json sets none of the join settings the file overrides (they would be ignored)");
    // Hazelcast's DNS discovery dials each address on service-port, 5701 when unset.
    String servicePort = k8s.getProperty("service-port");
    int dialled = servicePort == null || servicePort.equals("0") ? 5701 : Integer.parseInt(servicePort);
    int served = DeployTree.service("rendezvous-cluster").getSpec().getPorts().stream()
        .filter(p -> p.getName().equals("hazelcast")).mapToInt(ServicePort::getPort).findFirst().orElseThrow();
    Config config = build(clusterXml());
    assertEquals(served, dialled);
    assertEquals(served, config.getNetworkConfig().getPort());
    assertFalse(config.getNetworkConfig().isPortAutoIncrement(), "a member on another port would never be dialled");
    // Hazelcast's discovery joiner asks discovery only within this wait: at 0 a node never finds the others.
    assertTrue(ClusterConfig.from(cluster).waitBeforeJoinSeconds() >= 1, "cluster.waitBeforeJoinSeconds");
  }

  @Test
  void itConfiguresWhatVertxKeepsInHazelcast() {
    Config config = build(clusterXml());
    MultiMapConfig subs = config.getMultiMapConfig("__vertx.subs");
    assertEquals(MultiMapConfig.ValueCollectionType.SET, subs.getValueCollectionType());
    assertTrue(subs.getBackupCount() >= 1, "subscriptions survive a node's loss");
    assertTrue(config.getMultiMapConfigs().containsKey("__vertx.subs"));
    assertTrue(config.getMapConfigs().containsKey("__vertx.nodeInfo") && config.getMapConfigs().containsKey("__vertx.haInfo"));
  }
}
