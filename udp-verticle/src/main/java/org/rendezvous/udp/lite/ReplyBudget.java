package org.rendezvous.udp.lite;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Reply bytes allowed per destination IP: a token bucket refilled at {@code bytesPerSecond} holding
 * at most one second's worth, so a spoofed LIST cannot make the server an amplifier.
 * Not thread-safe: owned by one event loop.
 */
public final class ReplyBudget {

  /** Per-datagram IP + UDP header cost, charged so that empty replies are not free. */
  public static final int HEADER_BYTES = 28;

  private static final class Bucket {
    double tokens;
    long lastNanos;
  }

  private final double bytesPerSecond;
  private final int maxTracked;
  private final Map<String, Bucket> buckets = new HashMap<>();

  public ReplyBudget(int bytesPerSecond, int maxTracked) {
    this.bytesPerSecond = bytesPerSecond;
    this.maxTracked = maxTracked;
  }

  /** Takes {@code payloadBytes} (+ header) from the destination's bucket; false when it cannot afford it. */
  public boolean tryTake(String destinationIp, int payloadBytes, long nowNanos) {
    Bucket b = buckets.get(destinationIp);
    if (b == null) {
      if (buckets.size() >= maxTracked) {
        forgetIdle(nowNanos);
        if (buckets.size() >= maxTracked) {
          return false; // under a flood of distinct sources, new ones wait for the sweep
        }
      }
      b = new Bucket();
      b.tokens = bytesPerSecond;
      b.lastNanos = nowNanos;
      buckets.put(destinationIp, b);
    }
    b.tokens = Math.min(bytesPerSecond, b.tokens + (nowNanos - b.lastNanos) * bytesPerSecond / 1e9);
    b.lastNanos = nowNanos;
    int cost = payloadBytes + HEADER_BYTES;
    if (b.tokens < cost) {
      return false;
    }
    b.tokens -= cost;
    return true;
  }

  /** Drops buckets that have refilled completely: they hold no state worth keeping. */
  public void forgetIdle(long nowNanos) {
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      Bucket b = it.next();
      if (b.tokens + (nowNanos - b.lastNanos) * bytesPerSecond / 1e9 >= bytesPerSecond) {
        it.remove();
      }
    }
  }

  public int tracked() {
    return buckets.size();
  }
}
