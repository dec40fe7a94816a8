package org.rendezvous.deploy;

import io.vertx.core.json.JsonObject;
import org.rendezvous.node.ClusterConfig;
import org.rendezvous.node.OpsConfig;
import org.rendezvous.pairing.PairingConfig;
import org.rendezvous.registry.RegistryConfig;
import org.rendezvous.udp.UdpConfig;
import org.rendezvous.udp.lobby.LobbyConfig;
import org.rendezvous.ws.WsConfig;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads a node config the way the node does, each section with its module's own config record, and
 * tells which keys none of them read: a misspelt key would otherwise be ignored in silence.
 */
final class NodeConfigSections {

  /** Each section's reader; "node" is read by Main (logLevel) and RendezvousNode (id) directly. */
  static final Map<String, Function<JsonObject, Object>> READERS = Map.of(
      "node", j -> Set.of(String.valueOf(j.getValue("id")), String.valueOf(j.getValue("logLevel"))),
      "ops", OpsConfig::from,
      "udp", UdpConfig::from,
      "registry", RegistryConfig::from,
      "cluster", ClusterConfig::from,
      "lobby", LobbyConfig::from,
      "pairing", PairingConfig::from,
      // The pod sets no PORT variable, so the section's own port is the one.
      "ws", j -> WsConfig.from(j, Map.of()));

  private NodeConfigSections() {
  }

  /** "section" or "section.key" for everything in {@code config} that no reader looks at. */
  static Set<String> unread(JsonObject config) {
    Set<String> unread = new TreeSet<>();
    for (String section : config.fieldNames()) {
      Function<JsonObject, Object> reader = READERS.get(section);
      if (reader == null) {
        unread.add(section);
        continue;
      }
      Set<String> read = new HashSet<>();
      JsonObject recording = new JsonObject(config.getJsonObject(section).getMap()) {
        @Override
        public Object getValue(String key) {
          read.add(key);
          return super.getValue(key);
        }
      };
      reader.apply(recording);
      for (String key : config.getJsonObject(section).fieldNames()) {
        if (!read.contains(key)) {
          unread.add(section + "." + key);
        }
      }
    }
    return unread;
  }
}
