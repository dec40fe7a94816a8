package org.rendezvous.registry;

import io.vertx.core.json.JsonObject;
import org.rendezvous.common.SourceRateLimiter;

import java.util.List;

import static org.rendezvous.common.ConfigValues.hostOf;
import static org.rendezvous.common.ConfigValues.intOf;
import static org.rendezvous.common.ConfigValues.listOf;
import static org.rendezvous.common.ConfigValues.longOf;
import static org.rendezvous.common.ConfigValues.requirePort;
import static org.rendezvous.common.ConfigValues.stringOf;

/**
 * The {@code registry} section of the node config: where the SQLite file lives, how writes are
 * batched, retention, and the S2 REST listener.
 *
 * @param dbPath               SQLite file (directories are created)
 * @param commitDelayMs        longest time a write waits for its group commit (and for replication)
 * @param userRetentionSeconds S0 users silent longer than this are removed; 0 keeps them forever
 * @param peerTtlSeconds       S2 peers not re-registered for this long are removed; 0 keeps them forever
 * @param wsNameRetentionSeconds S3 name records not registered or left for this long are removed; 0 keeps them forever
 * @param httpHost             S2 listen address
 * @param httpPort             S2 listen port (0 = any free port)
 * @param trustedProxies       addresses whose X-Forwarded-For is believed
 * @param maxBodyBytes         largest S2 request body accepted
 * @param syncTimeoutMs        how long a starting node waits for a peer's snapshot
 * @param httpRateLimit        S2 requests allowed per client address (the X-Forwarded-For client behind a
 *                             trusted proxy); the rest get 429
 * @param httpIdleTimeoutMs    an S2 connection with no traffic either way this long is closed (a silent or half-sent request too)
 * @param httpMaxConnections   S2 connections open at once; one beyond is closed as it is accepted
 * @param maxUsers             S0 users kept at once; a heartbeat of a new name beyond it is dropped (known names still refresh)
 * @param maxPeers             S2 peers kept at once (online or not); registering a new id beyond it gets 503
 * @param maxWsNames           S3 names kept with their first and last seen times; new names beyond it are not recorded
 * @param maxMemoryBytes       heap all entries together may take (estimated, {@link RegistryIndex#bytes()}), a third for
 *                             each kind; past its share a kind's new or growing entries are refused as past its count; by
 *                             default a quarter of the heap
 * @param maxFieldChars        longest S2 {@code peer_id} and {@code username}, in characters; longer ones get 422
 * @param antiEntropySeconds   clustered: each node compares its registry with one other member's this often and
 *                             repairs what replication lost ({@link AntiEntropy}); 0 never
 * @param notReadyAfterFailingCommitsSeconds the node reports not ready once SQLite commits have failed this long
 *                             without a success (disk full, file locked), until one succeeds; 0 never
 */
public record RegistryConfig(
    String dbPath,
    long commitDelayMs,
    long userRetentionSeconds,
    long peerTtlSeconds,
    long wsNameRetentionSeconds,
    String httpHost,
    int httpPort,
    List<String> trustedProxies,
    int maxBodyBytes,
    long syncTimeoutMs,
    SourceRateLimiter.Limits httpRateLimit,
    long httpIdleTimeoutMs,
    int httpMaxConnections,
    int maxUsers,
    int maxPeers,
    int maxWsNames,
    long maxMemoryBytes,
    int maxFieldChars,
    long antiEntropySeconds,
    long notReadyAfterFailingCommitsSeconds) {

  /**
   * The chat client registers once and looks a peer up when its user asks; this leaves room for many of
   * them behind one NAT address, and for a script polling /peers or /status.
   */
  public static final SourceRateLimiter.Limits HTTP_RATE_LIMIT = new SourceRateLimiter.Limits(50, 100, 65_536);

  public static RegistryConfig from(JsonObject json) {
    RegistryConfig c = new RegistryConfig(
        stringOf(json, "dbPath", "data/rendezvous.db"),
        longOf(json, "commitDelayMs", 50),
        longOf(json, "userRetentionSeconds", 86_400),
        longOf(json, "peerTtlSeconds", 0),
        longOf(json, "wsNameRetentionSeconds", 30L * 86_400),
        hostOf(json, "httpHost", "0.0.0.0"),
        intOf(json, "httpPort", 8000),
        listOf(json, "trustedProxies", List.of("127.0.0.1", "::1")),
        intOf(json, "maxBodyBytes", 65_536),
        longOf(json, "syncTimeoutMs", 10_000),
        SourceRateLimiter.Limits.from(json, "registry", "httpRateLimit", HTTP_RATE_LIMIT),
        longOf(json, "httpIdleTimeoutMs", 30_000),
        intOf(json, "httpMaxConnections", 10_000),
        intOf(json, "maxUsers", 1_000_000),
        intOf(json, "maxPeers", 100_000),
        intOf(json, "maxWsNames", 1_000_000),
        longOf(json, "maxMemoryBytes", Runtime.getRuntime().maxMemory() / 4),
        intOf(json, "maxFieldChars", 1_024),
        longOf(json, "antiEntropySeconds", 30),
        longOf(json, "notReadyAfterFailingCommitsSeconds", 30));
    if (c.dbPath.isBlank()) {
      throw new IllegalArgumentException("registry.dbPath must name a file (SQLite would keep an empty path's data nowhere)");
    }
    requirePort("registry.httpPort", c.httpPort);
    if (c.notReadyAfterFailingCommitsSeconds < 0 || c.notReadyAfterFailingCommitsSeconds > 86_400) {
      throw new IllegalArgumentException("registry.notReadyAfterFailingCommitsSeconds must be 0..86400, got "
          + c.notReadyAfterFailingCommitsSeconds);
    }
    if (c.antiEntropySeconds < 0 || c.antiEntropySeconds > 86_400) {
      throw new IllegalArgumentException("registry.antiEntropySeconds must be 0..86400, got " + c.antiEntropySeconds);
    }
    if (c.commitDelayMs < 1 || c.commitDelayMs > 10_000) {
      throw new IllegalArgumentException("registry.commitDelayMs must be 1..10000, got " + c.commitDelayMs);
    }
    if (c.userRetentionSeconds < 0 || c.peerTtlSeconds < 0 || c.wsNameRetentionSeconds < 0) {
      throw new IllegalArgumentException("registry.userRetentionSeconds, peerTtlSeconds and wsNameRetentionSeconds must be >= 0");
    }
    if (c.maxMemoryBytes < 1) {
      throw new IllegalArgumentException("registry.maxMemoryBytes must be >= 1, got " + c.maxMemoryBytes);
    }
    if (c.httpIdleTimeoutMs < 1 || c.httpIdleTimeoutMs > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("registry.httpIdleTimeoutMs must be 1.." + Integer.MAX_VALUE + ", got " + c.httpIdleTimeoutMs);
    }
    if (c.httpMaxConnections < 1 || c.maxUsers < 1 || c.maxPeers < 1 || c.maxWsNames < 1 || c.maxFieldChars < 1) {
      throw new IllegalArgumentException("registry.httpMaxConnections, maxUsers, maxPeers, maxWsNames and maxFieldChars must be >= 1");
    }
    return c;
  }

  /** How long each kind of entry is kept. */
  Registry.Retention retention() {
    return new Registry.Retention(userRetentionSeconds, peerTtlSeconds, wsNameRetentionSeconds);
  }
}
