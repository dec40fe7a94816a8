package org.rendezvous.bench;

import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The one flat JSON object a load generator prints as its last line: names to numbers or strings. */
final class JsonLine {

  private final StringBuilder out = new StringBuilder("{");

  JsonLine put(String name, long value) {
    return raw(name, Long.toString(value));
  }

  /** Three decimals; null when not a number (a ratio with nothing to divide by). */
  JsonLine put(String name, double value) {
    return raw(name, Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null");
  }

  JsonLine put(String name, String value) {
    return raw(name, '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"');
  }

  /** One number per name, each under {@code prefix} + the name with its spaces made underscores. */
  JsonLine putAll(String prefix, String[] names, ToDoubleFunction<String> value) {
    for (String name : names) {
      put(prefix + name.replace(' ', '_'), value.applyAsDouble(name));
    }
    return this;
  }

  private JsonLine raw(String name, String value) {
    if (out.length() > 1) {
      out.append(',');
    }
    out.append('"').append(name).append("\":").append(value);
    return this;
  }

  @Override
  public String toString() {
    return out + "}";
  }
}
