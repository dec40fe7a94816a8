package org.rendezvous.common;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.function.BooleanSupplier;

/**
 * An event-bus request to an address that may not be reachable yet (a member still starting, or one whose
 * addresses are being restored after a split healed): asked again at a fixed interval, a bounded number of
 * times. Call it on a verticle's context: the retry timers are that verticle's, so undeploying it stops them.
 */
public final class RetriedRequest {

  private RetriedRequest() {
  }

  /**
   * The first answer of up to {@code attempts} requests, {@code intervalMs} apart; fails with the last failure
   * once they are spent or {@code stillWanted} turns false.
   */
  public static <T> Future<Message<T>> send(Vertx vertx, String address, Object body, DeliveryOptions options,
                                            int attempts, long intervalMs, BooleanSupplier stillWanted) {
    Promise<Message<T>> answer = Promise.promise();
    attempt(vertx, address, body, options, attempts, intervalMs, stillWanted, answer);
    return answer.future();
  }

  private static <T> void attempt(Vertx vertx, String address, Object body, DeliveryOptions options, int left,
                                  long intervalMs, BooleanSupplier stillWanted, Promise<Message<T>> answer) {
    vertx.eventBus().<T>request(address, body, options).onComplete(ar -> {
      if (ar.succeeded()) {
        answer.complete(ar.result());
      } else if (left > 1 && stillWanted.getAsBoolean()) {
        vertx.setTimer(intervalMs, id -> attempt(vertx, address, body, options, left - 1, intervalMs, stillWanted, answer));
      } else {
        answer.fail(ar.cause());
      }
    });
  }
}
