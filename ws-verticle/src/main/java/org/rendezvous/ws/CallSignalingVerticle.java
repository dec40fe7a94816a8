package org.rendezvous.ws;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * S3 WebSocket call signaling on 8765 (placeholder until the S3 issue lands: deploys, listens on nothing).
 * Verticle config: {@code {"nodeId": …, "ws": {…}}}.
 */
public final class CallSignalingVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}
