package org.rendezvous.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.rendezvous.node.ClusterConfig;
import org.rendezvous.node.ConfigCheck;
import org.rendezvous.registry.RegistryConfig;
import org.rendezvous.ws.WsConfig;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image (deploy/image/image.env, which build.sh turns into the image config) and the
 * StatefulSet agree: same config path, data directory, user, ports, image name, and a JVM that fits
 * the container's memory limit.
 */
class ImageSpecTest {

  private final Map<String, String> image = DeployTree.imageFacts();

  private static Map<String, String> mounts() {
    return DeployTree.nodeContainer().getVolumeMounts().stream()
        .collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
  }

  @Test
  void theStatefulSetRunsThisImageWithItsOwnEntrypoint() {
    Container node = DeployTree.nodeContainer();
    assertEquals(image.get("IMAGE_NAME") + ":" + image.get("IMAGE_TAG"), node.getImage());
    assertTrue(node.getCommand() == null || node.getCommand().isEmpty(), "the image's entrypoint, with its JVM flags");
    assertTrue(node.getArgs() == null || node.getArgs().isEmpty(), "the image's --config");
  }

  @Test
  void theImageReadsTheNodeJsonTheConfigMapMounts() {
    Path config = Path.of(image.get("CONFIG_FILE"));
    assertEquals(mounts().get("config"), config.getParent().toString());
    assertTrue(DeployTree.configMap().getData().containsKey(config.getFileName().toString()));
  }

  @Test
  void theDatabaseLivesInTheImageDataDirectoryWhichIsThePodsVolume() throws IOException {
    String dataDir = image.get("DATA_DIR");
    assertEquals(dataDir, mounts().get("data"));
    assertEquals(Path.of(dataDir), Path.of(RegistryConfig.from(DeployTree.nodeConfig().getJsonObject("registry")).dbPath()).getParent());
    JsonObject standalone = new JsonObject(Files.readString(DeployTree.DEPLOY.resolve("image/node.json")));
    assertEquals(List.of(), ConfigCheck.unknownKeys(standalone, Map.of()), "every key is one the node reads, every value valid");
    assertEquals(Path.of(dataDir), Path.of(RegistryConfig.from(standalone.getJsonObject("registry")).dbPath()).getParent());
    assertFalse(ClusterConfig.from(standalone.getJsonObject("cluster", new JsonObject())).enabled(),
        "out of the box the image is one embedded node");
  }

  @Test
  void thePodRunsAsTheImageUser() {
    PodSecurityContext pod = DeployTree.statefulSet().getSpec().getTemplate().getSpec().getSecurityContext();
    long uid = Long.parseLong(image.get("APP_UID"));
    assertTrue(uid > 0);
    assertEquals(uid, pod.getRunAsUser());
    assertEquals(uid, pod.getRunAsGroup());
    assertEquals(uid, pod.getFsGroup());
  }

  @Test
  void theImageExposesExactlyTheContainerPorts() {
    Set<String> exposed = Set.of(image.get("EXPOSED_PORTS").split(" "));
    Set<String> container = DeployTree.nodeContainer().getPorts().stream()
        .map(p -> p.getContainerPort() + "/" + p.getProtocol().toLowerCase()).collect(Collectors.toSet());
    assertEquals(container, exposed);
  }

  @Test
  void theJvmFitsTheContainerMemoryLimitAndUsesTheWritableTmp() {
    List<String> flags = Arrays.asList(image.get("JVM_FLAGS").split(" "));
    BigDecimal limit = Quantity.getAmountInBytes(DeployTree.nodeContainer().getResources().getLimits().get("memory"));
    BigDecimal heap = limit.multiply(new BigDecimal(flag(flags, "-XX:MaxRAMPercentage=([0-9.]+)"))).movePointLeft(2);
    BigDecimal direct = new BigDecimal(bytes(flag(flags, "-XX:MaxDirectMemorySize=([0-9]+[kmg]?)")));
    // Metaspace, code cache and thread stacks need the rest; below 85% leaves them 150 MiB of a 1 GiB limit.
    assertTrue(heap.add(direct).compareTo(limit.multiply(new BigDecimal("0.85"))) < 0,
        "heap " + heap + " + direct " + direct + " against limit " + limit);
    // Bytes queued for sockets are held in direct buffers: online_users pushes in flight get a quarter of them at
    // most, leaving the rest to relays, the event bus and Hazelcast.
    long pushes = WsConfig.from(DeployTree.nodeConfig().getJsonObject("ws"), Map.of()).onlineUsersMaxBytesInFlight();
    assertTrue(BigDecimal.valueOf(pushes).multiply(BigDecimal.valueOf(4)).compareTo(direct) <= 0,
        "ws.onlineUsersMaxBytesInFlight " + pushes + " against direct memory " + direct);
    assertEquals(mounts().get("tmp"), flag(flags, "-Djava.io.tmpdir=(.+)"));
    assertTrue(flag(flags, "-XX:ErrorFile=(.+)").startsWith(mounts().get("tmp") + "/"), "crash logs on a writable path");
    assertNull(flags.stream().filter(f -> f.startsWith("-Xmx")).findFirst().orElse(null), "heap follows the limit, not a constant");
  }

  @Test
  void theImageRunsTheCollectorAndTheFixedHeapTheReadmeDocuments() {
    List<String> flags = Arrays.asList(image.get("JVM_FLAGS").split(" "));
    assertTrue(flags.contains("-XX:+UseParallelGC"), "README \"JVM flags\": " + flags);
    assertEquals(new BigDecimal(flag(flags, "-XX:MaxRAMPercentage=([0-9.]+)")),
        new BigDecimal(flag(flags, "-XX:InitialRAMPercentage=([0-9.]+)")), "README \"JVM flags\": a heap that does not grow under load");
  }

  private static String flag(List<String> flags, String regex) {
    Pattern p = Pattern.compile(regex);
    for (String f : flags) {
      Matcher m = p.matcher(f);
      if (m.matches()) {
        return m.group(1);
      }
    }
    throw new AssertionError("no JVM flag " + regex + " in " + flags);
  }

  private static long bytes(String size) {
    char unit = Character.toLowerCase(size.charAt(size.length() - 1));
    long n = Character.isDigit(unit) ? Long.parseLong(size) : Long.parseLong(size.substring(0, size.length() - 1));
    return switch (unit) {
      case 'k' -> n << 10;
      case 'm' -> n << 20;
      case 'g' -> n << 30;
      default -> n;
    };
  }
}
