package org.rendezvous.node;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.Metrics;

/**
 * HTTP 8080: /health/live, /health/ready, /metrics (Prometheus text) and /api/cluster.
 */
final class OpsVerticle extends VerticleBase {

  static final String LISTENER = "ops";

  private final RendezvousNode node;
  private final OpsConfig cfg;
  private HttpServer server;

  OpsVerticle(RendezvousNode node, OpsConfig cfg) {
    this.node = node;
    this.cfg = cfg;
  }

  @Override
  public Future<?> start() {
    Metrics metrics = Metrics.of(vertx);
    server = vertx.createHttpServer();
    server.requestHandler(req -> {
      switch (req.path()) {
        case "/health/live" -> text(req, 200, "OK\n", "text/plain");
        case "/health/ready" -> {
          boolean ready = node.ready();
          text(req, ready ? 200 : 503, ready ? "READY\n" : "NOT READY\n", "text/plain");
        }
        case "/metrics" -> text(req, 200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
        case "/api/cluster" -> text(req, 200, cluster().encode(), "application/json");
        default -> text(req, 404, "Not Found\n", "text/plain");
      }
    });
    return server.listen(cfg.port(), cfg.host()).onSuccess(s -> BoundPorts.record(vertx, LISTENER, s.actualPort()));
  }

  private JsonObject cluster() {
    JsonArray nodes = new JsonArray();
    if (node.clusterManager() != null) {
      node.clusterManager().getNodes().forEach(nodes::add);
    } else {
      nodes.add(node.nodeId());
    }
    return new JsonObject()
        .put("self", node.nodeId())
        .put("clustered", node.clusterManager() != null)
        .put("nodes", nodes)
        .put("ready", node.ready());
  }

  private static void text(HttpServerRequest req, int status, String body, String type) {
    req.response().setStatusCode(status).putHeader("content-type", type).end(body);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
