package org.rendezvous.udp;

import io.vertx.core.json.JsonObject;
import org.rendezvous.common.SourceRateLimiter;

import static org.rendezvous.common.ConfigValues.hostOf;
import static org.rendezvous.common.ConfigValues.intOf;
import static org.rendezvous.common.ConfigValues.requirePort;
import static org.rendezvous.common.ConfigValues.stringOf;

/**
 * The {@code udp} section of the node config: the 3478 socket shared by S5 STUN and S0 STUN-lite.
 *
 * @param host                 listen address
 * @param port                 listen port (0 = any free port)
 * @param maxNameBytes         longest S0 username stored, in UTF-8 bytes
 * @param listMaxBytes         largest S0 LIST reply (one datagram)
 * @param replyBudgetBytesPerSecond S0 reply bytes allowed per destination IP (token bucket, anti-amplification)
 * @param software             SOFTWARE attribute of STUN responses
 * @param rateLimit            datagrams (STUN and STUN-lite together) allowed per source address
 */
public record UdpConfig(String host, int port, int maxNameBytes, int listMaxBytes, int replyBudgetBytesPerSecond,
                        String software, SourceRateLimiter.Limits rateLimit) {

  /** The largest UDP payload over IPv4. */
  public static final int MAX_DATAGRAM = 65_507;
  /**
   * An ICE agent sends a few Binding requests per candidate and retransmits; an S0 client heartbeats every
   * 10–20 s. Many such clients may share one NAT address, hence the headroom; at this rate a spoofed
   * source can draw no more than about 15 KB/s of STUN responses towards its victim.
   */
  public static final SourceRateLimiter.Limits RATE_LIMIT = new SourceRateLimiter.Limits(200, 400, 65_536);

  public static UdpConfig from(JsonObject json) {
    UdpConfig c = new UdpConfig(
        hostOf(json, "host", "0.0.0.0"),
        intOf(json, "port", 3478),
        intOf(json, "maxNameBytes", 64),
        intOf(json, "listMaxBytes", MAX_DATAGRAM),
        intOf(json, "replyBudgetBytesPerSecond", 65_536),
        stringOf(json, "software", "Rendezvous/0.1.0"),
        SourceRateLimiter.Limits.from(json, "udp", "rateLimit", RATE_LIMIT));
    requirePort("udp.port", c.port);
    if (c.listMaxBytes < 1 || c.listMaxBytes > MAX_DATAGRAM) {
      throw new IllegalArgumentException("udp.listMaxBytes must be 1.." + MAX_DATAGRAM);
    }
    if (c.maxNameBytes < 1 || c.maxNameBytes > 1024) {
      throw new IllegalArgumentException("udp.maxNameBytes must be 1..1024");
    }
    if (c.replyBudgetBytesPerSecond < 1) {
      throw new IllegalArgumentException("udp.replyBudgetBytesPerSecond must be >= 1");
    }
    return c;
  }
}
