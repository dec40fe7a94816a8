package org.rendezvous.registry;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import org.rendezvous.common.LocalCodec;

/**
 * The registry's event-bus addresses and a typed client for the ones other modules use.
 */
public final class RegistryClient {

  /** S0 heartbeat, node-local, no reply. Body: {@link Heartbeat}, delivered as is (see {@link LocalCodec}). */
  public static final String HEARTBEAT = "registry.s0.heartbeat";
  /** S0 LIST, node-local. Body: Integer, the largest reply in bytes. Reply: Buffer, the CSV datagram. */
  public static final String LIST = "registry.s0.list";
  /**
   * Replication, published to every node. Body: Buffer, the JSON of a {@link ReplicationMessage}, with the
   * sender's node id in header {@link #FROM_HEADER} so the sender skips its own batch without decoding it.
   */
  public static final String REPLICATE = "registry.replicate";
  /** Catch-up for a starting node, request to any other node. Body: {"from": nodeId}. Reply: a snapshot in the {@link ReplicationMessage} shape. */
  public static final String SYNC = "registry.sync";

  /**
   * S3 name sightings from the WebSocket service, node-local, no reply. Body: JsonObject
   * {"event": "register"|"leave", "username", "user_id_json", "node", "ts": epoch ms}.
   */
  public static final String WS_SEEN = "registry.ws.seen";
  /** Published by a registry once it serves, body {"from": nodeId}: every other node answers with its snapshot, so nodes that started together still converge. */
  public static final String HELLO = "registry.hello";
  /**
   * Per-node snapshot source, prefix + nodeId: when a member joins (or comes back after a split) each side
   * pulls the other's snapshot here. Body: {"from": nodeId}. Reply: a snapshot in the {@link ReplicationMessage} shape.
   */
  public static final String SYNC_PREFIX = "registry.sync.";
  /** Per-node address where a node receives the snapshots answering its HELLO: prefix + nodeId. Body: a snapshot. */
  public static final String SNAPSHOT_PREFIX = "registry.snapshot.";

  /**
   * Per-node anti-entropy of the S2 peers, prefix + nodeId ({@link AntiEntropy}). Body: {"from": nodeId, "cutoff":
   * µs (peers written before it are compared), "expiredBefore": µs (peers last seen before it are not), "digest":
   * 64 bucket sums}. Reply: {"buckets": the bucket numbers that differ, "entries": this node's peers in them, in the
   * {@link ReplicationMessage} shape}; failure 400 for a body of another shape.
   */
  public static final String DIGEST_PREFIX = "registry.digest.";

  public static final String FROM_HEADER = "from";

  /** One S0 heartbeat: who, from which public address. */
  public record Heartbeat(String username, String ip, int port) {
  }

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final EventBus bus;

  public RegistryClient(EventBus bus) {
    this.bus = bus;
    LocalCodec.register(bus, Heartbeat.class);
  }

  public void heartbeat(String username, String ip, int port) {
    bus.send(HEARTBEAT, new Heartbeat(username, ip, port), LOCAL);
  }

  public Future<Buffer> list(int maxBytes) {
    return bus.<Buffer>request(LIST, maxBytes, LOCAL).map(m -> m.body());
  }
}
