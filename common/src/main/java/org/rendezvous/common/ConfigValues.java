package org.rendezvous.common;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Typed reads from a module's config section. Values overridden from environment variables arrive
 * as strings, so every numeric and boolean read also accepts the string form. A value of the wrong
 * shape throws {@link Invalid}, which names the key within its section. {@link #keysRead} tells which
 * keys a section's parser reads, so the node can name the keys no parser knows (typos).
 */
public final class ConfigValues {

  private static final ThreadLocal<Set<String>> READS = new ThreadLocal<>();

  private ConfigValues() {
  }

  /** A config value that cannot be read as its key needs; {@link #key} is the key within its section. */
  public static final class Invalid extends IllegalArgumentException {
    private final String key;
    private final String problem;

    Invalid(String key, String problem) {
      super("config " + key + " " + problem);
      this.key = key;
      this.problem = problem;
    }

    public String key() {
      return key;
    }

    /** What is wrong with the value, e.g. {@code must be a whole number, got "x"}. */
    public String problem() {
      return problem;
    }
  }

  /** Runs {@code parse} (a section's config parser on this thread) and returns the keys it read. */
  public static Set<String> keysRead(Runnable parse) {
    Set<String> read = new HashSet<>();
    READS.set(read);
    try {
      parse.run();
    } finally {
      READS.remove();
    }
    return read;
  }

  private static Object read(JsonObject json, String key) {
    Set<String> reads = READS.get();
    if (reads != null) {
      reads.add(key);
    }
    return json.getValue(key);
  }

  public static int intOf(JsonObject json, String key, int dflt) {
    long v = longOf(json, key, dflt);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new Invalid(key, "is out of range: " + v);
    }
    return (int) v;
  }

  public static long longOf(JsonObject json, String key, long dflt) {
    Object v = read(json, key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if ((v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal) && d != Math.rint(d)) {
        throw new Invalid(key, "must be a whole number, got " + v);
      }
      return n.longValue();
    }
    try {
      return Long.parseLong(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new Invalid(key, "must be a whole number, got " + (v instanceof String ? "\"" + v + "\"" : v));
    }
  }

  public static boolean boolOf(JsonObject json, String key, boolean dflt) {
    Object v = read(json, key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().trim().toLowerCase();
    return switch (s) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw new Invalid(key, "must be true or false, got \"" + v + "\"");
    };
  }

  public static String stringOf(JsonObject json, String key, String dflt) {
    Object v = read(json, key);
    return v == null ? dflt : v.toString();
  }

  /**
   * An address to listen on or to be reached at: an IPv4 address, an IPv6 address or a host name, checked for
   * its form only (no lookup here).
   */
  public static String hostOf(JsonObject json, String key, String dflt) {
    Object v = read(json, key);
    if (v == null) {
      return dflt;
    }
    String host = v instanceof String text ? text.trim() : null;
    if (host == null || !isHost(host)) {
      throw new Invalid(key, "must be an IP address or a host name, got " + (v instanceof String ? "\"" + v + "\"" : v));
    }
    return host;
  }

  private static boolean isHost(String h) {
    if (h.isEmpty() || h.length() > 253) {
      return false;
    }
    if (h.indexOf(':') >= 0) { // IPv6: hexadecimal groups, at most one "::", an IPv4 tail allowed
      return h.matches("[0-9A-Fa-f:.]+") && h.indexOf(":::") < 0 && h.indexOf("::") == h.lastIndexOf("::");
    }
    if (h.matches("[0-9.]+")) {
      String[] parts = h.split("\\.", -1);
      if (parts.length != 4) {
        return false;
      }
      for (String p : parts) {
        if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
          return false;
        }
      }
      return true;
    }
    return h.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");
  }

  /** Fails unless {@code port} is a port number or 0 (any free port); {@code name} is the setting as the message shows it. */
  public static void requirePort(String name, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(name + " must be 0..65535, got " + port);
    }
  }

  /** A list given either as a JSON array or as a comma-separated string. */
  public static List<String> listOf(JsonObject json, String key, List<String> dflt) {
    Object v = read(json, key);
    if (v == null) {
      return dflt;
    }
    List<String> out = new ArrayList<>();
    if (v instanceof JsonArray a) {
      a.forEach(x -> out.add(String.valueOf(x).trim()));
    } else {
      for (String part : v.toString().split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return out;
  }

  /** The sub-object {@code key}, or an empty object when absent. */
  public static JsonObject section(JsonObject json, String key) {
    JsonObject s = json.getJsonObject(key);
    return s == null ? new JsonObject() : s;
  }
}
