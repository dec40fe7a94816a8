package org.rendezvous.node;

import io.vertx.core.json.JsonObject;

import static org.rendezvous.common.ConfigValues.hostOf;
import static org.rendezvous.common.ConfigValues.intOf;
import static org.rendezvous.common.ConfigValues.requirePort;

/**
 * The {@code ops} section: the health / metrics / cluster-view HTTP listener.
 *
 * @param host listen address
 * @param port listen port (0 = any free port)
 */
public record OpsConfig(String host, int port) {

  public static OpsConfig from(JsonObject json) {
    OpsConfig c = new OpsConfig(hostOf(json, "host", "0.0.0.0"), intOf(json, "port", 8080));
    requirePort("ops.port", c.port);
    return c;
  }
}
