package org.rendezvous.registry;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.rendezvous.common.BoundPorts;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A registry-verticle deployed alone on its own Vert.x, S2 on a free loopback port, for tests over real HTTP. */
record SoloRegistry(Vertx vertx, int port) implements AutoCloseable {

  /** Deploys with its SQLite file in {@code dir} and {@code overrides} on top of the registry section. */
  static SoloRegistry deploy(Path dir, JsonObject overrides) throws Exception {
    Vertx vertx = Vertx.vertx();
    JsonObject registry = new JsonObject().put("dbPath", dir.resolve("r.db").toString())
        .put("httpHost", "127.0.0.1").put("httpPort", 0).mergeIn(overrides);
    vertx.deployVerticle(new RegistryVerticle(), new DeploymentOptions()
            .setConfig(new JsonObject().put("nodeId", "solo").put("registry", registry)))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new SoloRegistry(vertx, BoundPorts.of(vertx, RegistryVerticle.HTTP_LISTENER));
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
