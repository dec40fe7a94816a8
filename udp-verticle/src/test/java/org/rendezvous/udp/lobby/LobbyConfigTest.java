package org.rendezvous.udp.lobby;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.SourceRateLimiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LobbyConfigTest {

  @Test
  void defaultsAreTheSpecs() {
    LobbyConfig c = LobbyConfig.from(new JsonObject());
    assertEquals("0.0.0.0", c.host());
    assertEquals(57775, c.port());
    assertEquals(LobbyTimers.SPEC, c.timers());
    assertEquals(new LobbyTimers(5_000, 900_000, 100, 50), c.timers());
    assertEquals(2_000, c.forwardTimeoutMs());
    assertEquals(100_000, c.maxSessions());
    assertEquals(960_000, c.reservationTtlMs(), "a name outlives the longest session by a minute");
    assertEquals(new SourceRateLimiter.Limits(100, 200, 65_536), c.rateLimit(), "50 players pinging every 0.5 s per address");
  }

  @Test
  void valuesFromEnvironmentOverridesArriveAsStrings() {
    LobbyConfig c = LobbyConfig.from(new JsonObject().put("port", "0").put("playerTimeoutMs", "1500")
        .put("startIntervalMs", "20").put("maxSessions", "7").put("rateLimitPerSecond", "3").put("rateLimitBurst", "4")
        .put("rateLimitMaxSources", "5"));
    assertEquals(0, c.port());
    assertEquals(1_500, c.timers().playerTimeoutMs());
    assertEquals(20, c.timers().startIntervalMs());
    assertEquals(7, c.maxSessions());
    assertEquals(new SourceRateLimiter.Limits(3, 4, 5), c.rateLimit());
  }

  @Test
  void impossibleValuesAreRefused() {
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("port", 70_000), new JsonObject().put("port", -1),
        new JsonObject().put("playerTimeoutMs", 0), new JsonObject().put("repeatIntervalMs", -5),
        new JsonObject().put("maxSessions", 0), new JsonObject().put("forwardTimeoutMs", 0),
        new JsonObject().put("sessionTimeoutMs", "soon"), new JsonObject().put("rateLimitPerSecond", 0),
        new JsonObject().put("rateLimitBurst", 0), new JsonObject().put("rateLimitMaxSources", 0)}) {
      assertThrows(IllegalArgumentException.class, () -> LobbyConfig.from(bad), bad.encode());
    }
  }
}
