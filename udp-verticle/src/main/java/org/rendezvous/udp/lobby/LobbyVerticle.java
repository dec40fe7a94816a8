package org.rendezvous.udp.lobby;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * S4 lobby sessions on UDP 57775 (placeholder until the S4 issue lands: deploys, listens on nothing).
 * Verticle config: {@code {"nodeId": …, "lobby": {…}}}.
 */
public final class LobbyVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}
