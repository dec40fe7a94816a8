package org.rendezvous.pairing;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * S1 UUID pairing on TCP and UDP 7700 (placeholder until the S1 issue lands: deploys, listens on nothing).
 * Verticle config: {@code {"nodeId": …, "pairing": {…}}}.
 */
public final class PairingVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}
