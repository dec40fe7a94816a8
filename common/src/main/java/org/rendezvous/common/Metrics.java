package org.rendezvous.common;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's metric registry, rendered as Prometheus text on /metrics. One per Vert.x instance
 * (several nodes may share a JVM in tests), found through {@link #of(Vertx)}.
 */
public final class Metrics implements Shareable {

  private static final Logger LOG = Logger.getLogger(Metrics.class.getName());

  private static final String LOCAL_MAP = "rendezvous.metrics";

  /** A metric family: one name, one help line, one or more label sets. */
  private record Family(String name, String help, String type, Map<String, LongSupplier> series) {
  }

  private final Map<String, Family> families = new ConcurrentHashMap<>();

  /** Returns the registry of this Vert.x instance, creating it on first use. */
  public static Metrics of(Vertx vertx) {
    return (Metrics) vertx.sharedData().getLocalMap(LOCAL_MAP).computeIfAbsent("registry", k -> new Metrics());
  }

  /** A monotonically increasing count. */
  public static final class Counter {
    private final LongAdder adder = new LongAdder();

    public void inc() {
      adder.increment();
    }

    public void add(long n) {
      adder.add(n);
    }

    public long value() {
      return adder.sum();
    }
  }

  /**
   * Returns the counter {@code name} with the given label pairs ({@code "result", "ok"}), creating
   * it once; the same call always returns the same counter.
   */
  public Counter counter(String name, String help, String... labels) {
    Family family = family(name, help, "counter");
    String key = labelText(labels);
    Counter[] made = new Counter[1];
    LongSupplier existing = family.series.computeIfAbsent(key, k -> {
      made[0] = new Counter();
      return new CounterSupplier(made[0]);
    });
    return ((CounterSupplier) existing).counter;
  }

  /** A distribution over fixed upper bounds, rendered as a Prometheus histogram. */
  public static final class Histogram {
    private final long[] bounds;
    private final LongAdder[] counts;
    private final LongAdder sum = new LongAdder();

    private Histogram(long[] bounds) {
      this.bounds = bounds.clone();
      this.counts = new LongAdder[bounds.length + 1];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = new LongAdder();
      }
    }

    public void observe(long value) {
      int i = 0;
      while (i < bounds.length && value > bounds[i]) {
        i++;
      }
      counts[i].increment();
      sum.add(value);
    }

    /** Observations at or below {@code bounds[i]} ({@code i == bounds.length}: all of them). */
    public long cumulative(int i) {
      long n = 0;
      for (int j = 0; j <= i; j++) {
        n += counts[j].sum();
      }
      return n;
    }
  }

  private final Map<String, Map<String, Histogram>> histograms = new ConcurrentHashMap<>();

  /**
   * Returns the histogram {@code name} with upper bounds {@code bounds} (ascending) and the given
   * label pairs, creating it once.
   */
  public Histogram histogram(String name, String help, long[] bounds, String... labels) {
    family(name, help, "histogram");
    return histograms.computeIfAbsent(name, n -> new ConcurrentHashMap<>())
        .computeIfAbsent(labelText(labels), k -> new Histogram(bounds));
  }

  /** Registers a gauge whose value is read at scrape time. */
  public void gauge(String name, String help, LongSupplier value, String... labels) {
    family(name, help, "gauge").series.put(labelText(labels), value);
  }

  /** Current value of a series, for tests and the cluster view; -1 when absent. */
  public long value(String name, String... labels) {
    Long fromHistogram = histogramValue(name, labels);
    if (fromHistogram != null) {
      return fromHistogram;
    }
    Family family = families.get(name);
    if (family == null) {
      return -1;
    }
    LongSupplier s = family.series.get(labelText(labels));
    return s == null ? -1 : s.getAsLong();
  }

  /** Prometheus text exposition format, version 0.0.4. */
  public String render() {
    StringBuilder out = new StringBuilder(4096);
    List<String> names = new ArrayList<>(families.keySet());
    names.sort(null);
    for (String name : names) {
      Family f = families.get(name);
      out.append("# HELP ").append(name).append(' ').append(f.help).append('\n');
      out.append("# TYPE ").append(name).append(' ').append(f.type).append('\n');
      if (f.type.equals("histogram")) {
        renderHistograms(out, name);
        continue;
      }
      List<String> keys = new ArrayList<>(f.series.keySet());
      keys.sort(null);
      for (String key : keys) {
        long value;
        try {
          value = f.series.get(key).getAsLong();
        } catch (RuntimeException e) {
          // One gauge that cannot be read must not cost the scrape every other series.
          LOG.log(Level.WARNING, "metrics: reading " + name + key + " failed", e);
          continue;
        }
        out.append(name).append(key).append(' ').append(value).append('\n');
      }
    }
    return out.toString();
  }

  /** {@code x_count}, {@code x_sum} and {@code x_bucket{…,le}} of a histogram x, as rendered; null otherwise. */
  private Long histogramValue(String name, String[] labels) {
    for (String suffix : new String[] {"_count", "_sum", "_bucket"}) {
      Map<String, Histogram> byLabels = name.endsWith(suffix)
          ? histograms.get(name.substring(0, name.length() - suffix.length())) : null;
      if (byLabels == null) {
        continue;
      }
      List<String> rest = new ArrayList<>();
      String le = null;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        if (labels[i].equals("le")) {
          le = labels[i + 1];
        } else {
          rest.add(labels[i]);
          rest.add(labels[i + 1]);
        }
      }
      Histogram h = byLabels.get(labelText(rest.toArray(new String[0])));
      if (h == null) {
        return -1L;
      }
      switch (suffix) {
        case "_count":
          return h.cumulative(h.bounds.length);
        case "_sum":
          return h.sum.sum();
        default:
          if (le == null || le.equals("+Inf")) {
            return h.cumulative(h.bounds.length);
          }
          for (int i = 0; i < h.bounds.length; i++) {
            if (Long.toString(h.bounds[i]).equals(le)) {
              return h.cumulative(i);
            }
          }
          return -1L;
      }
    }
    return null;
  }

  private void renderHistograms(StringBuilder out, String name) {
    Map<String, Histogram> byLabels = histograms.getOrDefault(name, Map.of());
    List<String> keys = new ArrayList<>(byLabels.keySet());
    keys.sort(null);
    for (String key : keys) {
      Histogram h = byLabels.get(key);
      String inner = key.isEmpty() ? "" : key.substring(1, key.length() - 1) + ",";
      for (int i = 0; i <= h.bounds.length; i++) {
        String le = i < h.bounds.length ? Long.toString(h.bounds[i]) : "+Inf";
        out.append(name).append("_bucket{").append(inner).append("le=\"").append(le).append("\"} ")
            .append(h.cumulative(i)).append('\n');
      }
      out.append(name).append("_sum").append(key).append(' ').append(h.sum.sum()).append('\n');
      out.append(name).append("_count").append(key).append(' ').append(h.cumulative(h.bounds.length)).append('\n');
    }
  }

  private Family family(String name, String help, String type) {
    Family f = families.computeIfAbsent(name, n -> new Family(n, help, type, new ConcurrentHashMap<>()));
    if (!f.type.equals(type)) {
      throw new IllegalArgumentException("metric " + name + " is a " + f.type + ", not a " + type);
    }
    return f;
  }

  private static String labelText(String[] labels) {
    if (labels.length == 0) {
      return "";
    }
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name/value pairs");
    }
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < labels.length; i += 2) {
      if (i > 0) {
        b.append(',');
      }
      b.append(labels[i]).append("=\"");
      String v = labels[i + 1];
      for (int j = 0; j < v.length(); j++) {
        char c = v.charAt(j);
        switch (c) {
          case '\\' -> b.append("\\\\");
          case '"' -> b.append("\\\"");
          case '\n' -> b.append("\\n");
          default -> b.append(c);
        }
      }
      b.append('"');
    }
    return b.append('}').toString();
  }

  private record CounterSupplier(Counter counter) implements LongSupplier {
    @Override
    public long getAsLong() {
      return counter.value();
    }
  }
}
