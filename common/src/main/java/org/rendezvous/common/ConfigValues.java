package org.rendezvous.common;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads from a module's config section. Values overridden from environment variables arrive
 * as strings, so every numeric and boolean read also accepts the string form.
 */
public final class ConfigValues {

  private ConfigValues() {
  }

  public static int intOf(JsonObject json, String key, int dflt) {
    long v = longOf(json, key, dflt);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("config " + key + " is out of range: " + v);
    }
    return (int) v;
  }

  public static long longOf(JsonObject json, String key, long dflt) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    try {
      return Long.parseLong(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("config " + key + " must be a whole number, got \"" + v + "\"");
    }
  }

  public static boolean boolOf(JsonObject json, String key, boolean dflt) {
    Object v = json.getValue(key);
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
      default -> throw new IllegalArgumentException("config " + key + " must be true or false, got \"" + v + "\"");
    };
  }

  public static String stringOf(JsonObject json, String key, String dflt) {
    Object v = json.getValue(key);
    return v == null ? dflt : v.toString();
  }

  /** A list given either as a JSON array or as a comma-separated string. */
  public static List<String> listOf(JsonObject json, String key, List<String> dflt) {
    Object v = json.getValue(key);
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
