package org.rendezvous.common;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The node's metric registry, rendered as Prometheus text on /metrics. One per Vert.x instance
 * (several nodes may share a JVM in tests), found through {@link #of(Vertx)}.
 */
public final class Metrics implements Shareable {

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

  /** Registers a gauge whose value is read at scrape time. */
  public void gauge(String name, String help, LongSupplier value, String... labels) {
    family(name, help, "gauge").series.put(labelText(labels), value);
  }

  /** Current value of a series, for tests and the cluster view; -1 when absent. */
  public long value(String name, String... labels) {
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
      List<String> keys = new ArrayList<>(f.series.keySet());
      keys.sort(null);
      for (String key : keys) {
        out.append(name).append(key).append(' ').append(f.series.get(key).getAsLong()).append('\n');
      }
    }
    return out.toString();
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
