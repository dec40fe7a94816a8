package org.rendezvous.pairing;

import io.vertx.core.json.JsonObject;
import org.rendezvous.common.SourceRateLimiter;

import static org.rendezvous.common.ConfigValues.hostOf;
import static org.rendezvous.common.ConfigValues.intOf;
import static org.rendezvous.common.ConfigValues.longOf;
import static org.rendezvous.common.ConfigValues.requirePort;
import static org.rendezvous.common.ConfigValues.stringOf;

/**
 * The {@code pairing} section of the node config: S1 on TCP and UDP, one port number for both.
 *
 * @param host           listen address of both sockets
 * @param port           TCP and UDP port (0 = any port free for both, for tests)
 * @param helloTimeoutMs time allowed from accept to a complete hello (the client probes UDP first)
 * @param waitTimeoutMs  how long an initiator waits for its receiver
 * @param maxHelloBytes  a hello not complete within this many bytes is refused
 * @param maxConnections open TCP connections beyond this are refused with an error reply
 * @param software       SOFTWARE attribute of STUN responses on the UDP port
 * @param rateLimit      TCP connections plus UDP datagrams allowed per source address: a connection over
 *                       it gets an error reply and is closed, a datagram is dropped (both counted)
 */
public record PairingConfig(String host, int port, long helloTimeoutMs, long waitTimeoutMs, int maxHelloBytes,
                            int maxConnections, String software, SourceRateLimiter.Limits rateLimit) {

  /** A pair is two connections and a few probes; this leaves room for dozens of clients behind one NAT address. */
  public static final SourceRateLimiter.Limits RATE_LIMIT = new SourceRateLimiter.Limits(100, 200, 65_536);

  public static PairingConfig from(JsonObject json) {
    PairingConfig c = new PairingConfig(
        hostOf(json, "host", "0.0.0.0"),
        intOf(json, "port", 7700),
        longOf(json, "helloTimeoutMs", 15_000),
        longOf(json, "waitTimeoutMs", 30_000),
        intOf(json, "maxHelloBytes", 4096),
        intOf(json, "maxConnections", 10_000),
        stringOf(json, "software", "Rendezvous/0.1.0"),
        SourceRateLimiter.Limits.from(json, "pairing", "rateLimit", RATE_LIMIT));
    requirePort("pairing.port", c.port);
    if (c.helloTimeoutMs < 1 || c.waitTimeoutMs < 1) {
      throw new IllegalArgumentException("pairing.helloTimeoutMs and pairing.waitTimeoutMs must be >= 1");
    }
    if (c.maxHelloBytes < 64 || c.maxHelloBytes > 1 << 20) {
      throw new IllegalArgumentException("pairing.maxHelloBytes must be 64..1048576");
    }
    if (c.maxConnections < 1) {
      throw new IllegalArgumentException("pairing.maxConnections must be >= 1");
    }
    return c;
  }
}
