package org.rendezvous.pairing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pairing section's defaults are the spec's, and overrides arrive as strings from the environment. */
class PairingConfigTest {

  @Test
  void defaultsFollowTheSpec() {
    PairingConfig c = PairingConfig.from(new JsonObject());
    assertEquals(7700, c.port());
    assertEquals(30_000, c.waitTimeoutMs());
    assertTrue(c.helloTimeoutMs() >= 10_000, "at least 10 s for the client's UDP probe before the hello");
    assertEquals(4096, c.maxHelloBytes());
  }

  @Test
  void stringValuesFromTheEnvironmentAreRead() {
    PairingConfig c = PairingConfig.from(new JsonObject().put("port", "7801").put("waitTimeoutMs", "500"));
    assertEquals(7801, c.port());
    assertEquals(500, c.waitTimeoutMs());
  }

  @Test
  void nonsenseIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> PairingConfig.from(new JsonObject().put("port", 70_000)));
    assertThrows(IllegalArgumentException.class, () -> PairingConfig.from(new JsonObject().put("waitTimeoutMs", 0)));
    assertThrows(IllegalArgumentException.class, () -> PairingConfig.from(new JsonObject().put("maxHelloBytes", 10)));
  }
}
