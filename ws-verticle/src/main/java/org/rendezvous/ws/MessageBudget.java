package org.rendezvous.ws;

/**
 * Token bucket of one connection's messages: {@code perSecond} sustained, {@code burst} at once.
 * Time comes in from the caller (nanoseconds), so tests drive it.
 */
public final class MessageBudget {

  private final double perNano;
  private final double burst;
  private double tokens;
  private long lastNanos;

  public MessageBudget(int perSecond, int burst, long nowNanos) {
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /** Takes one message from the budget; false when it is spent. */
  public boolean tryTake(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * perNano);
      lastNanos = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
