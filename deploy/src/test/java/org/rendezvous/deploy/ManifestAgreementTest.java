package org.rendezvous.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.ConfigValues;
import org.rendezvous.node.ClusterConfig;
import org.rendezvous.node.ConfigCheck;
import org.rendezvous.node.ConfigLoader;
import org.rendezvous.node.OpsConfig;
import org.rendezvous.node.RendezvousNode;
import org.rendezvous.pairing.PairingConfig;
import org.rendezvous.registry.RegistryConfig;
import org.rendezvous.udp.UdpConfig;
import org.rendezvous.udp.lobby.LobbyConfig;
import org.rendezvous.ws.WsConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manifests agree with each other and with the node: container ports are the ports the
 * ConfigMap's node.json configures (which are the node's defaults), Services and the NetworkPolicy
 * name exactly those ports, probes hit the ops port, config and data paths meet their volumes.
 */
class ManifestAgreementTest {

  /** What clients reach through the one Service: "protocol/port". */
  private static final Set<String> CLIENT_PORTS = Set.of("UDP/3478", "UDP/57775", "UDP/7700", "TCP/7700", "TCP/8000", "TCP/8765");

  @Test
  void nodeJsonHasOnlyKeysTheNodeReads() {
    assertEquals(List.of(), ConfigCheck.unknownKeys(DeployTree.nodeConfig(), Map.of()), "every key is one the node reads, every value valid");
  }

  @Test
  void containerPortsAreTheConfiguredPortsAndTheNodeDefaults() {
    JsonObject cfg = DeployTree.nodeConfig();
    JsonObject none = new JsonObject();
    Map<String, Integer> configured = Map.of(
        "stun", UdpConfig.from(section(cfg, "udp")).port(),
        "lobby", LobbyConfig.from(section(cfg, "lobby")).port(),
        "pairing-udp", PairingConfig.from(section(cfg, "pairing")).port(),
        "pairing-tcp", PairingConfig.from(section(cfg, "pairing")).port(),
        "rest", RegistryConfig.from(section(cfg, "registry")).httpPort(),
        "ws", WsConfig.from(section(cfg, "ws"), Map.of()).port(),
        "ops", OpsConfig.from(section(cfg, "ops")).port(),
        "hazelcast", ClusterXmlTest.build(ClusterXmlTest.clusterXml()).getNetworkConfig().getPort(),
        "eventbus", ClusterConfig.from(section(cfg, "cluster")).eventBusPort());
    Map<String, Integer> defaults = Map.of(
        "stun", UdpConfig.from(none).port(),
        "lobby", LobbyConfig.from(none).port(),
        "pairing-udp", PairingConfig.from(none).port(),
        "pairing-tcp", PairingConfig.from(none).port(),
        "rest", RegistryConfig.from(none).httpPort(),
        "ws", WsConfig.from(none, Map.of()).port(),
        "ops", OpsConfig.from(none).port(),
        "hazelcast", ClusterConfig.from(none).port(),
        "eventbus", ClusterConfig.from(none).eventBusPort());
    Map<String, Integer> container = DeployTree.nodeContainer().getPorts().stream()
        .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
    assertEquals(configured, container, "container ports vs node.json");
    assertEquals(defaults, container, "container ports vs the node's defaults");
    for (ContainerPort p : DeployTree.nodeContainer().getPorts()) {
      String expected = p.getName().equals("stun") || p.getName().equals("lobby") || p.getName().endsWith("-udp") ? "UDP" : "TCP";
      assertEquals(expected, p.getProtocol(), p.getName());
    }
    // Every listener on all of the pod's addresses, so the Services reach it.
    for (String section : List.of("udp", "lobby", "pairing", "ws", "ops")) {
      assertEquals("0.0.0.0", ConfigValues.stringOf(section(cfg, section), "host", "0.0.0.0"), section + ".host");
    }
    assertEquals("0.0.0.0", RegistryConfig.from(section(cfg, "registry")).httpHost());
  }

  @Test
  void theClientServiceExposesEveryClientPortBehindOneAddressKeepingSourceAddresses() {
    Service clients = DeployTree.service("rendezvous");
    assertEquals("LoadBalancer", clients.getSpec().getType());
    assertEquals("Local", clients.getSpec().getExternalTrafficPolicy());
    assertEquals(podLabels(), clients.getSpec().getSelector());
    assertEquals(CLIENT_PORTS, protocolPorts(clients.getSpec().getPorts()));
    for (ServicePort p : clients.getSpec().getPorts()) {
      ContainerPort target = containerPort(p.getTargetPort());
      assertEquals(p.getPort(), target.getContainerPort(), p.getName() + " keeps its number");
      assertEquals(p.getProtocol(), target.getProtocol(), p.getName() + " keeps its protocol");
    }
  }

  @Test
  void theHeadlessServiceIsWhatHazelcastAndTheNodeConfigNameForDiscovery() {
    Service headless = DeployTree.service("rendezvous-cluster");
    assertEquals("None", headless.getSpec().getClusterIP());
    assertTrue(headless.getSpec().getPublishNotReadyAddresses(), "a joining node is not ready yet, but must be found");
    assertEquals(podLabels(), headless.getSpec().getSelector());
    assertEquals(headless.getMetadata().getName(), DeployTree.statefulSet().getSpec().getServiceName());
    ClusterConfig cluster = ClusterConfig.from(section(DeployTree.nodeConfig(), "cluster"));
    assertTrue(cluster.enabled());
    // How members find each other (DNS of this Service) and their port are cluster.xml's (ClusterXmlTest).
    com.hazelcast.config.Config hazelcast = ClusterXmlTest.build(ClusterXmlTest.clusterXml());
    assertTrue(hazelcast.getNetworkConfig().getJoin().getKubernetesConfig().isEnabled());
    assertEquals(headless.getMetadata().getName(), hazelcast.getNetworkConfig().getJoin().getKubernetesConfig().getProperty("service-dns"));
    Map<String, Integer> ports = headless.getSpec().getPorts().stream()
        .collect(Collectors.toMap(ServicePort::getName, ServicePort::getPort));
    assertEquals(Map.of("hazelcast", hazelcast.getNetworkConfig().getPort(), "eventbus", cluster.eventBusPort(),
        "ops", OpsConfig.from(section(DeployTree.nodeConfig(), "ops")).port()), ports);
    for (ServicePort p : headless.getSpec().getPorts()) {
      assertEquals(p.getPort(), containerPort(p.getTargetPort()).getContainerPort(), p.getName());
    }
  }

  @Test
  void probesAskTheOpsListenerForHealth() {
    Container node = DeployTree.nodeContainer();
    int ops = OpsConfig.from(section(DeployTree.nodeConfig(), "ops")).port();
    Map<String, Probe> probes = Map.of("/health/live", node.getLivenessProbe(), "/health/ready", node.getReadinessProbe());
    probes.forEach((path, probe) -> {
      assertEquals(path, probe.getHttpGet().getPath());
      assertEquals(ops, containerPort(probe.getHttpGet().getPort()).getContainerPort());
    });
    assertEquals("/health/live", node.getStartupProbe().getHttpGet().getPath());
    assertEquals(ops, containerPort(node.getStartupProbe().getHttpGet().getPort()).getContainerPort());
    // Each service may take up to its own start limit (a slow volume, a large SQLite file); the startup probe must
    // not kill the node sooner, so that a start that fails says why in the node's log.
    Probe startup = node.getStartupProbe();
    assertTrue(startup.getPeriodSeconds() * startup.getFailureThreshold() >= RendezvousNode.SERVICE_START_TIMEOUT_S + 60,
        "startup probe window: a service's limit plus the JVM's start and the cluster join");
  }

  @Test
  void configFilesAndTheDatabaseLiveOnTheirVolumes() {
    StatefulSet sts = DeployTree.statefulSet();
    PodSpec pod = sts.getSpec().getTemplate().getSpec();
    Map<String, VolumeMount> mounts = DeployTree.nodeContainer().getVolumeMounts().stream()
        .collect(Collectors.toMap(VolumeMount::getName, m -> m));

    VolumeMount config = mounts.get("config");
    assertTrue(config.getReadOnly());
    String configMapName = pod.getVolumes().stream().filter(v -> v.getName().equals("config")).findFirst()
        .orElseThrow().getConfigMap().getName();
    assertEquals(DeployTree.configMap().getMetadata().getName(), configMapName);
    ClusterConfig cluster = ClusterConfig.from(section(DeployTree.nodeConfig(), "cluster"));
    assertEquals(Path.of(config.getMountPath()), Path.of(cluster.configFile()).getParent());
    assertTrue(DeployTree.configMap().getData().containsKey(Path.of(cluster.configFile()).getFileName().toString()));

    VolumeMount data = mounts.get("data");
    assertEquals(List.of("data"), sts.getSpec().getVolumeClaimTemplates().stream().map(t -> t.getMetadata().getName()).toList());
    assertEquals(List.of("ReadWriteOnce"), sts.getSpec().getVolumeClaimTemplates().get(0).getSpec().getAccessModes());
    assertEquals(Path.of(data.getMountPath()),
        Path.of(RegistryConfig.from(section(DeployTree.nodeConfig(), "registry")).dbPath()).getParent());
    // Replicas do not wait for each other: a pod stuck on a lost machine must not block the others' replacement.
    assertEquals("Parallel", sts.getSpec().getPodManagementPolicy());
  }

  @Test
  void thePodIpReachesTheNodeAsItsClusterHost(@TempDir Path dir) throws Exception {
    Container node = DeployTree.nodeContainer();
    EnvVar host = node.getEnv().stream().filter(e -> e.getName().equals("RENDEZVOUS_CLUSTER_HOST")).findFirst().orElseThrow();
    assertEquals("status.podIP", host.getValueFrom().getFieldRef().getFieldPath());
    assertFalse(node.getEnv().stream().anyMatch(e -> e.getName().equals(WsConfig.PORT_ENV)), "PORT would move the WebSocket port");
    // Service links would add RENDEZVOUS_*_PORT=tcp://… variables, which ConfigLoader reads as overrides.
    assertFalse(DeployTree.statefulSet().getSpec().getTemplate().getSpec().getEnableServiceLinks());

    Path file = dir.resolve("node.json");
    Files.writeString(file, DeployTree.configMap().getData().get("node.json"));
    JsonObject loaded = ConfigLoader.load(file.toString(), Map.of(host.getName(), "10.42.0.7"), new Properties());
    assertEquals("10.42.0.7", ClusterConfig.from(loaded.getJsonObject("cluster")).host());
  }

  @Test
  void thePodRunsWithoutPrivilegesOnAReadOnlyRootWithItsWritablePathsOnVolumes() {
    PodSpec pod = DeployTree.statefulSet().getSpec().getTemplate().getSpec();
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    assertTrue(pod.getSecurityContext().getRunAsUser() > 0);
    assertEquals(pod.getSecurityContext().getRunAsUser(), pod.getSecurityContext().getFsGroup(), "the data volume is the user's");
    assertFalse(pod.getAutomountServiceAccountToken(), "DNS discovery needs no API token");
    SecurityContext c = DeployTree.nodeContainer().getSecurityContext();
    assertTrue(c.getReadOnlyRootFilesystem());
    assertFalse(c.getAllowPrivilegeEscalation());
    assertFalse(c.getPrivileged());
    assertEquals(List.of("ALL"), c.getCapabilities().getDrop());
    assertTrue(c.getCapabilities().getAdd() == null || c.getCapabilities().getAdd().isEmpty());
    // Unprivileged ports only, so no NET_BIND_SERVICE is needed.
    DeployTree.nodeContainer().getPorts().forEach(p -> assertTrue(p.getContainerPort() >= 1024, p.getName()));
    Set<String> writable = DeployTree.nodeContainer().getVolumeMounts().stream()
        .filter(m -> !Boolean.TRUE.equals(m.getReadOnly())).map(VolumeMount::getMountPath).collect(Collectors.toSet());
    assertEquals(Set.of("/var/lib/rendezvous", "/tmp"), writable);
  }

  @Test
  void terminationLeavesTimeForTheNodesOwnDrainAndGracefulShutdown() {
    // After SIGTERM the node drains for node.drainSeconds, then has node.stopTimeoutSeconds to flush SQLite and
    // leave the cluster; the JVM's exit comes on top.
    JsonObject node = section(DeployTree.nodeConfig(), "node");
    long drain = node.getLong("drainSeconds", 0L);
    long stop = node.getLong("stopTimeoutSeconds", 30L);
    assertTrue(drain >= 5, "a drain long enough for load balancers to notice the pod is not ready: " + drain);
    long grace = DeployTree.statefulSet().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
    assertTrue(grace >= drain + stop + 5, "terminationGracePeriodSeconds " + grace + " vs drain " + drain + " + stop " + stop);
  }

  @Test
  void resourcesHaveRequestsWithinLimits() {
    Map<String, Quantity> requests = DeployTree.nodeContainer().getResources().getRequests();
    Map<String, Quantity> limits = DeployTree.nodeContainer().getResources().getLimits();
    for (String r : List.of("cpu", "memory")) {
      assertNotNull(requests.get(r), "request " + r);
      assertNotNull(limits.get(r), "limit " + r);
      assertTrue(Quantity.getAmountInBytes(requests.get(r)).compareTo(Quantity.getAmountInBytes(limits.get(r))) <= 0, r);
    }
  }

  @Test
  void theDisruptionBudgetKeepsAllButOneNodeUp() {
    PodDisruptionBudget pdb = DeployTree.only(PodDisruptionBudget.class);
    assertEquals(podLabels(), pdb.getSpec().getSelector().getMatchLabels());
    assertEquals(new IntOrString(1), pdb.getSpec().getMaxUnavailable());
    assertTrue(DeployTree.statefulSet().getSpec().getReplicas() > 1);
  }

  @Test
  void theNetworkPolicyAdmitsClusterPortsOnlyFromNodesAndClientPortsFromAnywhere() {
    NetworkPolicy policy = DeployTree.only(NetworkPolicy.class);
    assertEquals(podLabels(), policy.getSpec().getPodSelector().getMatchLabels());
    assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
    Map<String, Integer> ports = DeployTree.nodeContainer().getPorts().stream()
        .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
    Set<String> fromNodes = null;
    Set<String> fromAnywhere = null;
    Set<String> fromCluster = null;
    for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
      Set<String> rulePorts = rule.getPorts().stream().map(p -> p.getProtocol() + "/" + number(p)).collect(Collectors.toSet());
      if (rule.getFrom() == null || rule.getFrom().isEmpty()) {
        fromAnywhere = rulePorts;
      } else if (rule.getFrom().size() == 1 && rule.getFrom().get(0).getPodSelector() != null) {
        assertEquals(podLabels(), rule.getFrom().get(0).getPodSelector().getMatchLabels());
        assertEquals(null, rule.getFrom().get(0).getNamespaceSelector(), "only this namespace's nodes");
        fromNodes = rulePorts;
      } else {
        assertEquals(1, rule.getFrom().size());
        assertNotNull(rule.getFrom().get(0).getNamespaceSelector(), "in-cluster sources only, no ipBlock");
        fromCluster = rulePorts;
      }
    }
    assertEquals(Set.of("TCP/" + ports.get("hazelcast"), "TCP/" + ports.get("eventbus")), fromNodes);
    assertEquals(CLIENT_PORTS, fromAnywhere);
    assertEquals(protocolPorts(DeployTree.service("rendezvous").getSpec().getPorts()), fromAnywhere);
    assertEquals(Set.of("TCP/" + ports.get("ops")), fromCluster);
  }

  private static int number(NetworkPolicyPort p) {
    return p.getPort().getIntVal() != null ? p.getPort().getIntVal() : containerPort(p.getPort()).getContainerPort();
  }

  private static JsonObject section(JsonObject cfg, String name) {
    return cfg.getJsonObject(name, new JsonObject());
  }

  private static Map<String, String> podLabels() {
    return DeployTree.statefulSet().getSpec().getTemplate().getMetadata().getLabels();
  }

  private static Set<String> protocolPorts(List<ServicePort> ports) {
    return ports.stream().map(p -> p.getProtocol() + "/" + p.getPort()).collect(Collectors.toCollection(TreeSet::new));
  }

  /** The node container's port a Service or probe names (by name, as these manifests do). */
  private static ContainerPort containerPort(IntOrString ref) {
    assertNotNull(ref.getStrVal(), "ports are referred to by name, so a renumbering cannot leave one behind");
    return DeployTree.nodeContainer().getPorts().stream().filter(p -> p.getName().equals(ref.getStrVal())).findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + ref.getStrVal()));
  }
}
