package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.registry.RegistryConfig;
import org.rendezvous.udp.UdpConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void defaultsAreTheDocumentedPortsAndSingleNode() throws IOException {
    JsonObject cfg = ConfigLoader.load(null, Map.of(), new Properties());
    assertEquals(3478, UdpConfig.from(cfg.getJsonObject("udp", new JsonObject())).port());
    RegistryConfig registry = RegistryConfig.from(new JsonObject());
    assertEquals(8000, registry.httpPort());
    assertEquals("data/rendezvous.db", registry.dbPath());
    assertEquals(8080, OpsConfig.from(new JsonObject()).port());
    assertFalse(ClusterConfig.from(new JsonObject()).enabled());
  }

  @Test
  void fileThenEnvironmentThenSystemPropertiesLaterWins() throws IOException {
    Path file = dir.resolve("c.json");
    Files.writeString(file, "{\"udp\":{\"port\":1111,\"maxNameBytes\":10},\"registry\":{\"commitDelayMs\":7}}");
    Properties props = new Properties();
    props.setProperty("rendezvous.udp.port", "3333");
    props.setProperty("unrelated.property", "x");
    JsonObject cfg = ConfigLoader.load(file.toString(),
        Map.of("RENDEZVOUS_UDP_PORT", "2222", "RENDEZVOUS_REGISTRY_COMMIT_DELAY_MS", "20",
            "RENDEZVOUS_CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2", "PATH", "/bin"),
        props);
    UdpConfig udp = UdpConfig.from(cfg.getJsonObject("udp"));
    assertEquals(3333, udp.port(), "system property beats environment beats file");
    assertEquals(10, udp.maxNameBytes(), "untouched file value stays");
    assertEquals(20, RegistryConfig.from(cfg.getJsonObject("registry")).commitDelayMs());
    assertEquals(List.of("10.0.0.1:5701", "10.0.0.2"), ClusterConfig.from(cfg.getJsonObject("cluster")).members());
  }

  @Test
  void configFileCanComeFromTheEnvironment() throws IOException {
    Path file = dir.resolve("c.json");
    Files.writeString(file, "{\"cluster\":{\"enabled\":true}}");
    JsonObject cfg = ConfigLoader.load(null, Map.of(ConfigLoader.CONFIG_FILE_ENV, file.toString()), new Properties());
    assertTrue(ClusterConfig.from(cfg.getJsonObject("cluster")).enabled());
  }

  @Test
  void badValuesAreRejectedWithTheKeyNamed() throws IOException {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "[1,2]");
    IOException notObject = assertThrows(IOException.class, () -> ConfigLoader.load(file.toString(), Map.of(), new Properties()));
    assertTrue(notObject.getMessage().contains("bad.json"), notObject.getMessage());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> UdpConfig.from(new JsonObject().put("port", "three")));
    assertTrue(e.getMessage().contains("port"), e.getMessage());
    IllegalArgumentException join = assertThrows(IllegalArgumentException.class,
        () -> ClusterConfig.from(new JsonObject().put("join", "gossip")));
    assertTrue(join.getMessage().contains("cluster.join"), join.getMessage());
  }

  @Test
  void snakeCaseEnvironmentKeysBecomeCamelCase() {
    assertEquals("commitDelayMs", ConfigLoader.camel("commit_delay_ms"));
    assertEquals("port", ConfigLoader.camel("port"));
  }
}
