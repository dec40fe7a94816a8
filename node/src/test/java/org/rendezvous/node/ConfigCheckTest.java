package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigCheckTest {

  private static List<String> unknown(String json) {
    return ConfigCheck.unknownKeys(new JsonObject(json), Map.of());
  }

  private static String problem(String json) {
    return assertThrows(IllegalArgumentException.class, () -> unknown(json)).getMessage();
  }

  @Test
  void everyDocumentedKindOfSettingIsKnown() {
    assertEquals(List.of(), unknown("{\"node\":{\"id\":\"n\",\"logLevel\":\"fine\",\"drainSeconds\":5,\"stopTimeoutSeconds\":20},\"ops\":{\"port\":0},"
        + "\"registry\":{\"commitDelayMs\":20,\"httpRateLimitPerSecond\":5,\"maxPeers\":9},\"udp\":{\"port\":0},"
        + "\"lobby\":{\"port\":0},\"pairing\":{\"port\":0,\"waitTimeoutMs\":1000},\"ws\":{\"port\":0,\"jwtSecret\":\"\"},"
        + "\"cluster\":{\"enabled\":false,\"members\":[\"127.0.0.1:5701\"]}}"));
  }

  @Test
  void keysNoSectionReadsAreListed() {
    assertEquals(List.of("extra", "ops.prot", "registry.commitDelay"),
        unknown("{\"registry\":{\"commitDelay\":20},\"ops\":{\"prot\":1},\"extra\":{\"a\":1}}"));
  }

  @Test
  void aBadValueIsNamedWithItsSection() {
    assertEquals("config registry.commitDelayMs must be a whole number, got \"fast\"",
        problem("{\"registry\":{\"commitDelayMs\":\"fast\"}}"));
    assertEquals("config ops.port must be a whole number, got 8080.5", problem("{\"ops\":{\"port\":8080.5}}"));
    assertEquals("config cluster.enabled must be true or false, got \"maybe\"", problem("{\"cluster\":{\"enabled\":\"maybe\"}}"));
    assertEquals("ops.port must be 0..65535, got -1", problem("{\"ops\":{\"port\":-1}}"));
    assertEquals("udp.port must be 0..65535, got 70000", problem("{\"udp\":{\"port\":70000}}"));
    assertEquals("registry.httpPort must be 0..65535, got 70000", problem("{\"registry\":{\"httpPort\":70000}}"));
    assertTrue(problem("{\"registry\":{\"dbPath\":\" \"}}").startsWith("registry.dbPath must name a file"));
    assertEquals("config udp.host must be an IP address or a host name, got \"999.1.1.1\"", problem("{\"udp\":{\"host\":\"999.1.1.1\"}}"));
    assertEquals("config ops.host must be an IP address or a host name, got {\"a\":1}", problem("{\"ops\":{\"host\":{\"a\":1}}}"));
    assertEquals("config registry.httpHost must be an IP address or a host name, got \"bad host\"",
        problem("{\"registry\":{\"httpHost\":\"bad host\"}}"));
    for (String good : List.of("0.0.0.0", "127.0.0.1", "::", "::1", "fe80::1", "::ffff:10.0.0.1", "localhost", "node-1.example.org")) {
      assertEquals(List.of(), unknown("{\"ws\":{\"host\":\"" + good + "\"}}"), good);
    }
    assertTrue(problem("{\"node\":{\"logLevel\":\"VERBOSE\"}}").startsWith("config node.logLevel must be a java.util.logging level"));
    assertEquals("config registry must be an object of keys, got 5", problem("{\"registry\":5}"));
    assertEquals("config node.drainSeconds must be 0..300, got -1", problem("{\"node\":{\"drainSeconds\":-1}}"));
    assertEquals("config node.stopTimeoutSeconds must be 1..600, got 0", problem("{\"node\":{\"stopTimeoutSeconds\":0}}"));
    assertEquals(List.of(), unknown("{\"ops\":{\"port\":8080.0}}"), "a whole number written with .0 is fine");
  }

  @Test
  void joinSettingsAConfigFileOverridesAreNamed() {
    JsonObject withFile = new JsonObject(
        "{\"configFile\":\"/etc/hz.xml\",\"join\":\"kubernetes\",\"serviceDns\":\"svc\",\"port\":5701,\"host\":\"10.0.0.1\"}");
    assertEquals(List.of("join", "serviceDns", "port"), ClusterConfig.from(withFile).ignoredWithConfigFile(withFile));
    JsonObject withoutFile = new JsonObject("{\"join\":\"kubernetes\",\"serviceDns\":\"svc\"}");
    assertEquals(List.of(), ClusterConfig.from(withoutFile).ignoredWithConfigFile(withoutFile),
        "without a config file they are the settings");
  }
}
