package org.rendezvous.common;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourceRateLimiterTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long A = SourceRateLimiter.keyOf("192.0.2.1");
  private static final long B = SourceRateLimiter.keyOf("192.0.2.2");

  private static SourceRateLimiter limiter(int perSecond, int burst, int maxSources) {
    return new SourceRateLimiter(new SourceRateLimiter.Limits(perSecond, burst, maxSources));
  }

  /** How many of {@code n} requests at {@code now} are admitted. */
  private static int admitted(SourceRateLimiter l, long key, int n, long now) {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      if (l.tryAcquire(key, now)) {
        ok++;
      }
    }
    return ok;
  }

  @Test
  void aSourceGetsItsBurstAtOnceThenOneRequestPerRefill() {
    SourceRateLimiter l = limiter(10, 5, 100);
    long t = 123 * SECOND;
    assertEquals(5, admitted(l, A, 20, t));
    assertFalse(l.tryAcquire(A, t + SECOND / 10 - 1), "a token takes 100 ms to come back");
    assertTrue(l.tryAcquire(A, t + SECOND / 10));
    assertFalse(l.tryAcquire(A, t + SECOND / 10));
    assertEquals(5, admitted(l, A, 20, t + 10 * SECOND), "the bucket holds no more than the burst");
  }

  @Test
  void sustainedOverloadIsCutToTheRateAndOtherSourcesAreUnaffected() {
    SourceRateLimiter l = limiter(50, 20, 100);
    long t = -7 * SECOND; // nanoTime may be negative
    int ok = 0;
    for (int ms = 0; ms < 10_000; ms++) { // 4 requests every millisecond for 10 s: 80 times the rate
      ok += admitted(l, A, 4, t + ms * 1_000_000L);
    }
    assertEquals(20 + 50 * 10, ok, 1.0, "the burst plus 50 a second");
    assertEquals(20, admitted(l, B, 25, t + 10 * SECOND), "B has its own, untouched bucket");
  }

  @Test
  void aSourceSendingAtItsRateIsNeverLimited() {
    // A lobby player pinging every 0.5 s against a limit of 2 a second with no burst to spare.
    SourceRateLimiter l = limiter(2, 1, 100);
    for (long i = 0; i < 10_000; i++) {
      assertTrue(l.tryAcquire(A, i * SECOND / 2), "ping " + i);
    }
  }

  @Test
  void theTableNeverTracksMoreThanMaxSources() {
    SourceRateLimiter l = limiter(1, 3, 100);
    for (int i = 0; i < 100_000; i++) {
      l.tryAcquire(key(i), 0);
      assertTrue(l.tracked() <= 100, "tracked " + l.tracked());
    }
    assertEquals(100, l.tracked());
  }

  @Test
  void whenTheTableIsFullUntrackedSourcesShareOneBucketAndTrackedOnesKeepTheirs() {
    SourceRateLimiter l = limiter(10, 4, 10);
    for (int i = 0; i < 10; i++) {
      assertTrue(l.tryAcquire(key(i), 0));
    }
    // Ten spoofed addresses that each send once: together they get one source's burst, no more.
    int ok = 0;
    for (int i = 100; i < 110; i++) {
      ok += admitted(l, key(i), 1, 0);
    }
    assertEquals(4, ok);
    // A tracked source still has its own 3 tokens left.
    assertEquals(3, admitted(l, key(0), 10, 0));
  }

  @Test
  void anAbusiveSourceStaysLimitedWhileSpoofedSourcesChurnTheTable() {
    SourceRateLimiter l = limiter(10, 10, 64);
    long t = 0;
    int abuserAdmitted = 0;
    int spoofed = 0;
    for (int ms = 0; ms < 5_000; ms++, t += 1_000_000L) {
      abuserAdmitted += admitted(l, A, 5, t);
      for (int k = 0; k < 20; k++) {
        l.tryAcquire(key(1_000 + spoofed++), t);
      }
    }
    assertEquals(10 + 10 * 5, abuserAdmitted, 1.0, "the abuser's bucket is busy, so it is never forgotten");
  }

  @Test
  void idleSourcesAreForgottenAndMakeRoomForNewOnes() {
    SourceRateLimiter l = limiter(10, 2, 50);
    for (int i = 0; i < 50; i++) {
      l.tryAcquire(key(i), 0);
    }
    l.tryAcquire(A, 0);
    l.tryAcquire(A, 0);
    assertFalse(l.tryAcquire(A, 0), "A is over budget");
    assertEquals(50, l.tracked(), "A overflowed: the table is full");

    // 100 ms later every bucket has refilled: full buckets are the same as none.
    long later = SECOND / 10;
    for (int i = 0; i < 20; i++) {
      assertTrue(l.tryAcquire(key(500 + i), later));
    }
    assertEquals(20, l.tracked(), "the idle 50 were dropped to make room");
    l.forgetIdle(later + SECOND);
    assertEquals(0, l.tracked());
  }

  @Test
  void aBucketKeepsItsStateWhileTheTableGrows() {
    SourceRateLimiter l = limiter(1, 3, 65_536);
    for (int i = 0; i < 20_000; i++) {
      assertEquals(3, admitted(l, key(i), 5, 0));
    }
    assertEquals(20_000, l.tracked());
    for (int i = 0; i < 20_000; i++) {
      assertFalse(l.tryAcquire(key(i), 0), "source " + i + " is still spent");
    }
  }

  @Test
  void keysAreIpv4AddressesAndIpv6Slash64Prefixes() throws Exception {
    assertEquals(SourceRateLimiter.keyOf("203.0.113.9"), SourceRateLimiter.keyOf(InetAddress.getByName("203.0.113.9")));
    assertEquals(SourceRateLimiter.keyOf("203.0.113.9"), SourceRateLimiter.keyOf("::ffff:203.0.113.9"),
        "the IPv4 client of a dual-stack socket is the same source");
    assertEquals(SourceRateLimiter.keyOf(InetAddress.getByName("::ffff:203.0.113.9")), SourceRateLimiter.keyOf("203.0.113.9"));
    assertNotEquals(SourceRateLimiter.keyOf("203.0.113.9"), SourceRateLimiter.keyOf("203.0.113.10"));
    assertEquals(SourceRateLimiter.keyOf("2001:db8:1:2::1"), SourceRateLimiter.keyOf("2001:db8:1:2:ffff:eeee:dddd:cccc"),
        "one /64 is one source");
    assertEquals(SourceRateLimiter.keyOf("[2001:db8:1:2::1]"), SourceRateLimiter.keyOf(InetAddress.getByName("2001:db8:1:2::7")));
    assertNotEquals(SourceRateLimiter.keyOf("2001:db8:1:2::1"), SourceRateLimiter.keyOf("2001:db8:1:3::1"));
    assertNotEquals(SourceRateLimiter.keyOf("0.0.0.1"), SourceRateLimiter.keyOf("::1"));
    for (String notAnAddress : new String[] {"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ", "unknown", "::g"}) {
      assertThrows(IllegalArgumentException.class, () -> SourceRateLimiter.keyOf(notAnAddress), notAnAddress);
    }
  }

  @Test
  void limitsAreReadFromAConfigSectionWithDefaultsAndChecked() {
    SourceRateLimiter.Limits dflt = new SourceRateLimiter.Limits(200, 400, 65_536);
    assertEquals(dflt, SourceRateLimiter.Limits.from(new JsonObject(), "udp", "rateLimit", dflt));
    assertEquals(new SourceRateLimiter.Limits(5, 7, 9), SourceRateLimiter.Limits.from(
        new JsonObject().put("rateLimitPerSecond", "5").put("rateLimitBurst", 7).put("rateLimitMaxSources", "9"), "udp", "rateLimit", dflt));
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("rateLimitPerSecond", 0), new JsonObject().put("rateLimitBurst", -1),
        new JsonObject().put("rateLimitMaxSources", 0), new JsonObject().put("rateLimitMaxSources", SourceRateLimiter.MAX_SOURCES_LIMIT + 1),
        new JsonObject().put("rateLimitPerSecond", "lots")}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SourceRateLimiter.Limits.from(bad, "udp", "rateLimit", dflt), bad.encode());
      assertTrue(e.getMessage().contains("rateLimit"), e.getMessage());
    }
  }

  private static long key(int i) {
    return SourceRateLimiter.keyOf("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff));
  }
}
