package org.rendezvous.udp.lite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplyBudgetTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void aDestinationGetsOneSecondOfBytesThenMustWaitForRefill() {
    ReplyBudget b = new ReplyBudget(1_000, 100);
    long t = 5 * SECOND;
    assertTrue(b.tryTake("192.0.2.1", 472, t)); // 500 with header
    assertTrue(b.tryTake("192.0.2.1", 472, t));
    assertFalse(b.tryTake("192.0.2.1", 0, t), "bucket is empty");
    assertFalse(b.tryTake("192.0.2.1", 472, t + SECOND / 4), "250 bytes refilled, 500 needed");
    assertTrue(b.tryTake("192.0.2.1", 472, t + SECOND / 2));
  }

  @Test
  void destinationsHaveSeparateBuckets() {
    ReplyBudget b = new ReplyBudget(1_000, 100);
    assertTrue(b.tryTake("192.0.2.1", 972, 0));
    assertFalse(b.tryTake("192.0.2.1", 1, 0));
    assertTrue(b.tryTake("192.0.2.2", 972, 0));
  }

  @Test
  void aReplyLargerThanTheBudgetIsNeverSent() {
    ReplyBudget b = new ReplyBudget(1_000, 100);
    assertFalse(b.tryTake("192.0.2.1", 973, 0));
    assertFalse(b.tryTake("192.0.2.1", 973, 100 * SECOND));
  }

  @Test
  void fullBucketsAreForgottenAndTrackingIsBounded() {
    ReplyBudget b = new ReplyBudget(1_000, 2);
    assertTrue(b.tryTake("a", 100, 0));
    assertTrue(b.tryTake("b", 100, 0));
    assertFalse(b.tryTake("c", 100, 0), "tracking is full and nobody has refilled yet");
    assertTrue(b.tryTake("c", 100, SECOND), "after a second a and b are full again and forgotten");
    assertEquals(1, b.tracked());
  }
}
