package org.rendezvous.node;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * HTTP 8080: /health/live, /health/ready, /metrics (Prometheus text) and /api/cluster, which asks
 * every node over the bus what it holds.
 */
final class OpsVerticle extends VerticleBase {

  static final String LISTENER = "ops";
  /** Per-node address answering what this node holds: prefix + node id. Reply: JsonObject (see {@link #localInfo}). */
  static final String INFO_PREFIX = "ops.info.";

  private final RendezvousNode node;
  private final OpsConfig cfg;
  private HttpServer server;

  static final int IDLE_TIMEOUT_SECONDS = 60;

  OpsVerticle(RendezvousNode node, OpsConfig cfg) {
    this.node = node;
    this.cfg = cfg;
  }

  @Override
  public Future<?> start() {
    Metrics metrics = Metrics.of(vertx);
    vertx.eventBus().<JsonObject>consumer(INFO_PREFIX + node.nodeId(), m -> m.reply(localInfo(metrics)));
    // Scrapers keep their connection between scrapes; one idle for a minute (or never finishing its request) is closed.
    server = vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(IDLE_TIMEOUT_SECONDS));
    server.requestHandler(req -> {
      switch (req.path()) {
        case "/health/live" -> text(req, 200, "OK\n", "text/plain");
        case "/health/ready" -> {
          boolean ready = node.ready();
          text(req, ready ? 200 : 503, ready ? "READY\n" : "NOT READY\n", "text/plain");
        }
        case "/metrics" -> text(req, 200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
        case "/api/cluster" -> cluster().onComplete(view -> text(req, 200, view.result().encode(), "application/json"));
        default -> text(req, 404, "Not Found\n", "text/plain");
      }
    });
    return server.listen(cfg.port(), cfg.host()).onSuccess(s -> BoundPorts.record(vertx, LISTENER, s.actualPort()));
  }

  private Future<JsonObject> cluster() {
    List<String> ids = node.clusterManager() != null ? node.clusterManager().getNodes() : List.of(node.nodeId());
    List<Future<JsonObject>> answers = new ArrayList<>();
    DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(1_000);
    for (String id : ids) {
      answers.add(vertx.eventBus().<JsonObject>request(INFO_PREFIX + id, null, timeout).map(Message::body)
          .otherwise(e -> new JsonObject().put("node", id).put("error", "no answer: " + e.getMessage())));
    }
    return Future.join(answers).transform(ar -> {
      JsonArray nodes = new JsonArray();
      answers.forEach(a -> nodes.add(a.result()));
      return Future.succeededFuture(new JsonObject()
          .put("self", node.nodeId())
          .put("clustered", node.clusterManager() != null)
          .put("ready", node.ready())
          .put("nodes", nodes));
    });
  }

  /** What this node holds, for the cluster view. */
  private JsonObject localInfo(Metrics metrics) {
    return new JsonObject()
        .put("node", node.nodeId())
        .put("ready", node.ready())
        .put("transport", node.transport())
        .put("s0Users", metrics.value("rendezvous_s0_users"))
        .put("s2Peers", metrics.value("rendezvous_s2_peers", "state", "all"))
        .put("s2PeersOnline", metrics.value("rendezvous_s2_peers", "state", "online"))
        .put("lobbySessions", metrics.value("rendezvous_lobby_sessions"))
        .put("pairingWaiting", metrics.value("rendezvous_pairing_waiting_initiators"))
        .put("wsUsers", metrics.value("rendezvous_ws_users", "scope", "node"));
  }

  private static void text(HttpServerRequest req, int status, String body, String type) {
    req.response().setStatusCode(status).putHeader("content-type", type).end(body);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
