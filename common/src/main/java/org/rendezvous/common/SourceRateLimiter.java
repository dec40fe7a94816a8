package org.rendezvous.common;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Requests allowed per source address: a token bucket per source ({@code perSecond} sustained,
 * {@code burst} at once) in a table that never holds more than {@code maxSources} sources, so a flood
 * from spoofed addresses cannot grow memory. Not thread-safe: one verticle context owns it; time comes
 * in from the caller (nanoseconds), so tests drive it.
 *
 * <p>A source is an IPv4 address, or an IPv6 /64 prefix: one IPv6 host or subscriber holds a whole
 * /64, and per-address buckets would let it both escape its limit and fill the table.
 *
 * <p>A full bucket holds no state (a new source starts full), so idle sources are forgotten whenever the
 * table is rebuilt. When the table is full of active sources and a rebuild freed no room (rebuilds run
 * at most every 100 ms once the table has reached its largest size), the sources it cannot track share
 * one overflow bucket with the same rate and burst: the sources it already tracks keep their own budget,
 * and the work admitted from all the others together stays bounded. Evicting a tracked source instead
 * would hand every spoofed address a fresh full bucket.
 *
 * <p>{@link #tracked()} may be read from another thread (a metrics scrape); it is then a recent value.
 */
public final class SourceRateLimiter {

  /** How often a table at its largest size may be scanned for idle sources; bounds the scan's CPU under a flood. */
  private static final long REBUILD_GAP_NANOS = 100_000_000L;
  /**
   * An IPv4 key is this tag plus the address: as an IPv6 /64 prefix it would lie in 0:1::/32, part of
   * the IETF-reserved ::/8 that no IPv6 source comes from, so the two kinds of key never meet.
   */
  private static final long V4_TAG = 1L << 32;
  /** One request, in the integer units buckets count in (exact: no rounding lets a steady client drift). */
  private static final long REQUEST = 1_000_000_000L;
  private static final int MIN_SLOTS = 64;
  /** Largest {@code maxSources}: its table (2^21 slots of 25 bytes at most) stays near 50 MB. */
  public static final int MAX_SOURCES_LIMIT = 1 << 20;
  /** How often {@link #forListener} forgets idle sources. */
  static final long FORGET_IDLE_EVERY_MS = 10_000;

  /**
   * One surface's limits as configured.
   *
   * @param perSecond  requests per second each source may send, sustained
   * @param burst      requests a source may send at once after being quiet
   * @param maxSources sources tracked at most (the table's hard bound)
   */
  public record Limits(int perSecond, int burst, int maxSources) {

    public Limits {
      if (perSecond < 1 || burst < 1 || maxSources < 1 || maxSources > MAX_SOURCES_LIMIT) {
        throw new IllegalArgumentException("rate limit: perSecond and burst must be >= 1, maxSources 1.."
            + MAX_SOURCES_LIMIT + "; got " + perSecond + ", " + burst + ", " + maxSources);
      }
    }

    /**
     * Reads {@code <prefix>PerSecond}, {@code <prefix>Burst} and {@code <prefix>MaxSources} from a config
     * section, each defaulting to {@code dflt}'s value; {@code section} names the section in error messages.
     */
    public static Limits from(JsonObject json, String section, String prefix, Limits dflt) {
      int perSecond = atLeastOne(json, section, prefix + "PerSecond", dflt.perSecond, Integer.MAX_VALUE);
      int burst = atLeastOne(json, section, prefix + "Burst", dflt.burst, Integer.MAX_VALUE);
      int maxSources = atLeastOne(json, section, prefix + "MaxSources", dflt.maxSources, MAX_SOURCES_LIMIT);
      return new Limits(perSecond, burst, maxSources);
    }

    private static int atLeastOne(JsonObject json, String section, String key, int dflt, int max) {
      int v = ConfigValues.intOf(json, key, dflt);
      if (v < 1 || v > max) {
        throw new IllegalArgumentException(section + "." + key + " must be 1.." + max + ", got " + v);
      }
      return v;
    }
  }

  /** Units a bucket gains per nanosecond: perSecond, as a request is 10^9 units. */
  private final long perNano;
  private final long full;
  /** After this long without requests any bucket is full again. */
  private final long refillNanos;
  private final int maxSources;
  private final int maxSlots;

  // Open addressing with linear probing. Sources are never removed one by one: a rebuild copies the
  // active ones into fresh arrays.
  private boolean[] used;
  private long[] keys;
  private long[] credit;
  private long[] lastNanos;
  private int size;
  private long lastFullRebuild;
  private boolean fullRebuildDone;

  /** The bucket that all sources the full table cannot track share (one slot); started on first use. */
  private final long[] overflowCredit = new long[1];
  private final long[] overflowLast = new long[1];
  private boolean overflowStarted;

  public SourceRateLimiter(Limits limits) {
    this.perNano = limits.perSecond();
    this.full = limits.burst() * REQUEST;
    this.refillNanos = (full + perNano - 1) / perNano;
    this.maxSources = limits.maxSources();
    this.maxSlots = Math.max(MIN_SLOTS, Integer.highestOneBit(limits.maxSources() * 2 - 1) << 1);
    allocate(MIN_SLOTS);
  }

  /** The key of a source address: its IPv4 address (IPv4-mapped IPv6 unwrapped), or its IPv6 /64 prefix. */
  public static long keyOf(InetAddress address) {
    return keyOf(address.getAddress());
  }

  /**
   * The key of a source given as IP literal text (never looked up in DNS).
   *
   * @throws IllegalArgumentException when the text is not an IPv4 or IPv6 literal
   */
  public static long keyOf(String ipLiteral) {
    long v4 = parseV4(ipLiteral);
    if (v4 >= 0) {
      return V4_TAG | v4;
    }
    String s = ipLiteral.startsWith("[") && ipLiteral.endsWith("]") ? ipLiteral.substring(1, ipLiteral.length() - 1) : ipLiteral;
    int zone = s.indexOf('%');
    if (zone >= 0) {
      s = s.substring(0, zone);
    }
    if (s.indexOf(':') < 0 || !s.matches("[0-9A-Fa-f:.]+")) {
      throw new IllegalArgumentException("not an IP literal: " + ipLiteral);
    }
    try {
      return keyOf(InetAddress.getByName(s)); // a literal: parsed, not resolved
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP literal: " + ipLiteral, e);
    }
  }

  private static long keyOf(byte[] b) {
    if (b.length == 4) {
      return V4_TAG | ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }
    long high = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (b[i] & 0xffL);
    }
    long low = 0;
    for (int i = 8; i < 16; i++) {
      low = (low << 8) | (b[i] & 0xffL);
    }
    if (high == 0 && (low >>> 32) == 0xffffL) {
      return V4_TAG | (low & 0xffff_ffffL); // IPv4-mapped: the IPv4 client of a dual-stack socket
    }
    return high;
  }

  /** A dotted quad as an unsigned 32-bit value, or -1 when the text is not one. */
  private static long parseV4(String s) {
    long value = 0;
    int part = 0;
    int digits = 0;
    int parts = 0;
    for (int i = 0; i <= s.length(); i++) {
      char c = i < s.length() ? s.charAt(i) : '.';
      if (c >= '0' && c <= '9') {
        part = part * 10 + (c - '0');
        if (++digits > 3 || part > 255) {
          return -1;
        }
      } else if (c == '.' && digits > 0 && parts < 4) {
        value = (value << 8) | part;
        parts++;
        part = 0;
        digits = 0;
      } else {
        return -1;
      }
    }
    return parts == 4 ? value : -1;
  }

  /** Takes one request from the budget of source {@code key} (see {@link #keyOf}); false when it is spent. */
  public boolean tryAcquire(long key, long nowNanos) {
    int mask = keys.length - 1;
    int i = slot(key, mask);
    while (used[i]) {
      if (keys[i] == key) {
        return take(credit, lastNanos, i, nowNanos);
      }
      i = (i + 1) & mask;
    }
    // A new source starts with a full bucket: it is admitted, and tracked if there is room.
    if (size >= maxSources || size >= keys.length / 2) {
      makeRoom(nowNanos);
      if (size >= maxSources) {
        return takeOverflow(nowNanos);
      }
      mask = keys.length - 1;
      i = slot(key, mask);
      while (used[i]) {
        i = (i + 1) & mask;
      }
    }
    used[i] = true;
    keys[i] = key;
    credit[i] = full - REQUEST;
    lastNanos[i] = nowNanos;
    size++;
    return true;
  }

  private boolean takeOverflow(long nowNanos) {
    if (!overflowStarted) {
      overflowStarted = true;
      overflowCredit[0] = full;
      overflowLast[0] = nowNanos;
    }
    return take(overflowCredit, overflowLast, 0, nowNanos);
  }

  private boolean take(long[] credit, long[] lastNanos, int i, long nowNanos) {
    long elapsed = nowNanos - lastNanos[i];
    if (elapsed > 0) {
      credit[i] = refilled(credit[i], elapsed);
      lastNanos[i] = nowNanos;
    }
    if (credit[i] >= REQUEST) {
      credit[i] -= REQUEST;
      return true;
    }
    return false;
  }

  /** A bucket's credit {@code elapsed} (> 0) nanoseconds later; the early exit keeps the product from overflowing. */
  private long refilled(long credit, long elapsed) {
    return elapsed >= refillNanos ? full : Math.min(full, credit + elapsed * perNano);
  }

  /**
   * Rebuilds the table without its idle sources, sized for four times the active ones (so the next
   * rebuild is at least as many inserts away as this one costs). At the largest size the rebuild is
   * rate-limited: a flood of new sources then goes to the overflow bucket between two rebuilds.
   */
  private void makeRoom(long nowNanos) {
    boolean atLargest = keys.length == maxSlots;
    if (atLargest && fullRebuildDone && nowNanos - lastFullRebuild < REBUILD_GAP_NANOS) {
      return;
    }
    rebuild(nowNanos);
    if (keys.length == maxSlots) {
      fullRebuildDone = true;
      lastFullRebuild = nowNanos;
    }
  }

  /** Forgets the sources whose bucket has refilled (an owner may call it now and then to give memory back). */
  public void forgetIdle(long nowNanos) {
    rebuild(nowNanos);
  }

  private void rebuild(long nowNanos) {
    boolean[] oldUsed = used;
    long[] oldKeys = keys;
    long[] oldCredit = credit;
    long[] oldLast = lastNanos;
    int active = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldUsed[i] && !idle(oldCredit[i], oldLast[i], nowNanos)) {
        active++;
      }
    }
    long wanted = Math.max(MIN_SLOTS, Long.highestOneBit(Math.max(1, active) * 4L - 1) << 1);
    allocate((int) Math.min(maxSlots, wanted));
    int mask = keys.length - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldUsed[j] && !idle(oldCredit[j], oldLast[j], nowNanos)) {
        int i = slot(oldKeys[j], mask);
        while (used[i]) {
          i = (i + 1) & mask;
        }
        used[i] = true;
        keys[i] = oldKeys[j];
        credit[i] = oldCredit[j];
        lastNanos[i] = oldLast[j];
        size++;
      }
    }
  }

  private boolean idle(long credit, long last, long nowNanos) {
    long elapsed = nowNanos - last;
    return credit == full || elapsed > 0 && refilled(credit, elapsed) == full;
  }

  private void allocate(int slots) {
    used = new boolean[slots];
    keys = new long[slots];
    credit = new long[slots];
    lastNanos = new long[slots];
    size = 0;
  }

  private static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L; // Fibonacci hashing: spreads IPv4 keys that differ in their last bits
    return (int) (h ^ (h >>> 32)) & mask;
  }

  /** Sources tracked now, idle ones not yet forgotten included. */
  public int tracked() {
    return size;
  }

  /** Puts {@link #tracked()} on /metrics, labelled with the name of the listener this limiter guards. */
  private void exposeTracked(Metrics metrics, String listener) {
    metrics.gauge("rendezvous_rate_limit_tracked_sources", "Sources a per-source rate limiter tracks (idle ones are forgotten every 10 s)",
        this::tracked, "listener", listener);
  }

  /**
   * The limiter of one listener of the calling verticle: its tracked sources on /metrics, its idle
   * sources forgotten every 10 s by a timer of that verticle (Vert.x cancels it when the verticle is
   * undeployed). Call it from the verticle's start, on its context, which then owns the limiter.
   */
  public static SourceRateLimiter forListener(Vertx vertx, Limits limits, String listener) {
    SourceRateLimiter limiter = new SourceRateLimiter(limits);
    limiter.exposeTracked(Metrics.of(vertx), listener);
    vertx.setPeriodic(FORGET_IDLE_EVERY_MS, id -> limiter.forgetIdle(System.nanoTime()));
    return limiter;
  }
}
