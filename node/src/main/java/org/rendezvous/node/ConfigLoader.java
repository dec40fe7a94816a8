package org.rendezvous.node;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Builds the node's config: the JSON file, then environment variables
 * ({@code RENDEZVOUS_REGISTRY_COMMIT_DELAY_MS} sets {@code registry.commitDelayMs}), then system
 * properties ({@code -Drendezvous.registry.commitDelayMs=20}), later sources winning.
 */
public final class ConfigLoader {

  public static final String ENV_PREFIX = "RENDEZVOUS_";
  public static final String PROPERTY_PREFIX = "rendezvous.";
  /** Environment variable naming the config file (the --config flag wins over it). */
  public static final String CONFIG_FILE_ENV = "RENDEZVOUS_CONFIG";

  private ConfigLoader() {
  }

  public static JsonObject load(String file, Map<String, String> env, Properties props) throws IOException {
    JsonObject config = new JsonObject();
    String path = file != null ? file : env.get(CONFIG_FILE_ENV);
    if (path != null && !path.isBlank()) {
      try {
        config = new JsonObject(Files.readString(Path.of(path)));
      } catch (io.vertx.core.json.DecodeException e) {
        throw new IOException("config file " + path + " is not a JSON object: " + e.getMessage(), e);
      }
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (name.startsWith(ENV_PREFIX) && !name.equals(CONFIG_FILE_ENV)) {
        String[] parts = name.substring(ENV_PREFIX.length()).toLowerCase().split("_", 2);
        if (parts.length == 2 && !parts[1].isEmpty()) {
          set(config, parts[0], camel(parts[1]), e.getValue());
        }
      }
    }
    for (String name : props.stringPropertyNames()) {
      if (name.startsWith(PROPERTY_PREFIX)) {
        String[] parts = name.substring(PROPERTY_PREFIX.length()).split("\\.", 2);
        if (parts.length == 2 && !parts[1].isEmpty()) {
          set(config, parts[0], parts[1], props.getProperty(name));
        }
      }
    }
    return config;
  }

  /** Sets section.key, creating the section. Strings are typed by each module's config record. */
  public static void set(JsonObject config, String section, String key, Object value) {
    JsonObject s = config.getJsonObject(section);
    if (s == null) {
      s = new JsonObject();
      config.put(section, s);
    }
    s.put(key, value);
  }

  /** commit_delay_ms -> commitDelayMs */
  static String camel(String snake) {
    StringBuilder b = new StringBuilder(snake.length());
    boolean up = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b.toString();
  }
}
