package org.rendezvous.client;

import io.vertx.core.json.JsonObject;
import org.rendezvous.node.RendezvousNode;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real single Rendezvous node on 127.0.0.1, every listener on a free port, for the SDK and CLI tests. */
public final class LoopbackNode {

  private LoopbackNode() {
  }

  /** Starts a node keeping its database in {@code dir}; {@code ws} adds to the S3 section (e.g. a JWT secret). */
  public static RendezvousNode start(Path dir, JsonObject ws) throws Exception {
    JsonObject cfg = new JsonObject()
        .put("ops", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("udp", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("lobby", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("pairing", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("ws", new JsonObject().put("host", "127.0.0.1").put("port", 0).mergeIn(ws))
        .put("registry", new JsonObject().put("dbPath", dir.resolve("r.db").toString())
            .put("httpHost", "127.0.0.1").put("httpPort", 0).put("commitDelayMs", 10));
    return RendezvousNode.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  public static void stop(RendezvousNode node) throws Exception {
    node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** The node's S3 WebSocket address. */
  public static URI webSocket(RendezvousNode node) {
    return URI.create("ws://127.0.0.1:" + node.port("ws") + "/");
  }
}
