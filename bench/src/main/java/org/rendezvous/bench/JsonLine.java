package org.rendezvous.bench;

import java.util.Locale;

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
