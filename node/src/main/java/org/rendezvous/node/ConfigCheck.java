package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.rendezvous.common.ConfigValues;
import org.rendezvous.pairing.PairingConfig;
import org.rendezvous.registry.RegistryConfig;
import org.rendezvous.udp.UdpConfig;
import org.rendezvous.udp.lobby.LobbyConfig;
import org.rendezvous.ws.WsConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.logging.Level;

/**
 * Reads every section of a node's config before anything starts, so a bad value stops the node at once with
 * its full key ({@code registry.commitDelayMs}) named, and lists the keys no section reads: most likely typos,
 * which would otherwise leave a default in force without a word.
 */
public final class ConfigCheck {

  private ConfigCheck() {
  }

  /** Each section and its parser, in the order the README lists them. */
  private static Map<String, Consumer<JsonObject>> parsers(Map<String, String> env) {
    Map<String, Consumer<JsonObject>> p = new LinkedHashMap<>();
    p.put("node", ConfigCheck::node);
    p.put("ops", OpsConfig::from);
    p.put("cluster", ClusterConfig::from);
    p.put("registry", RegistryConfig::from);
    p.put("udp", UdpConfig::from);
    p.put("lobby", LobbyConfig::from);
    p.put("pairing", PairingConfig::from);
    p.put("ws", json -> WsConfig.from(json, env));
    return p;
  }

  /**
   * Parses every section; throws IllegalArgumentException naming the key of a bad value. Returns the keys set
   * that no section reads ({@code section.key}, or a whole unknown section), sorted.
   */
  public static List<String> unknownKeys(JsonObject config, Map<String, String> env) {
    Set<String> unknown = new TreeSet<>();
    Map<String, Consumer<JsonObject>> parsers = parsers(env);
    for (String section : config.fieldNames()) {
      if (!parsers.containsKey(section)) {
        unknown.add(section);
      } else if (!(config.getValue(section) instanceof JsonObject)) {
        throw new IllegalArgumentException("config " + section + " must be an object of keys, got " + config.getValue(section));
      }
    }
    for (Map.Entry<String, Consumer<JsonObject>> e : parsers.entrySet()) {
      String section = e.getKey();
      JsonObject json = ConfigValues.section(config, section);
      Set<String> read;
      try {
        read = ConfigValues.keysRead(() -> e.getValue().accept(json));
      } catch (ConfigValues.Invalid bad) {
        throw new IllegalArgumentException("config " + section + "." + bad.key() + " " + bad.problem(), bad);
      }
      for (String key : json.fieldNames()) {
        if (!read.contains(key)) {
          unknown.add(section + "." + key);
        }
      }
    }
    return new ArrayList<>(unknown);
  }

  /** The node section: its id (single node), the log level, how it stops, and its sockets' transport. */
  private static void node(JsonObject json) {
    ConfigValues.stringOf(json, "id", "");
    logLevel(json);
    ProcessStop.Timing.from(json);
    NodeTransport.name(json);
  }

  /** node.logLevel as a java.util.logging level (SEVERE, WARNING, INFO, FINE …). */
  static Level logLevel(JsonObject nodeSection) {
    String level = ConfigValues.stringOf(nodeSection, "logLevel", "INFO");
    try {
      return Level.parse(level.trim().toUpperCase());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("config node.logLevel must be a java.util.logging level (SEVERE, WARNING, INFO,"
          + " FINE, FINER, FINEST, ALL, OFF), got \"" + level + "\"");
    }
  }
}
