package org.rendezvous.common;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An event-bus request to an address that may not be reachable yet (a member still starting, or one whose
 * addresses are being restored after a split healed or a member died): asked again at a fixed interval, a bounded
 * number of times; {@link #retry} does the same for any asynchronous call. Call it on a verticle's context: the retry timers are that verticle's, so undeploying it stops them.
 */
public final class RetriedRequest {

  /**
   * Attempts, and their interval, of a request to a live member's actor or inbox that found no handler: right after
   * another member died the bus may have lost that member's subscription until it publishes it again (9 attempts,
   * 250 ms apart: 2 s).
   */
  public static final int ROUTE_ATTEMPTS = 9;
  public static final long ROUTE_RETRY_MS = 250;

  private RetriedRequest() {
  }

  /**
   * The first answer of up to {@code attempts} requests, {@code intervalMs} apart; fails with the last failure
   * once they are spent or {@code stillWanted} turns false.
   */
  public static <T> Future<Message<T>> send(Vertx vertx, String address, Object body, DeliveryOptions options,
                                            int attempts, long intervalMs, BooleanSupplier stillWanted) {
    return retry(vertx, () -> vertx.eventBus().<T>request(address, body, options), attempts, intervalMs,
        failure -> stillWanted.getAsBoolean());
  }

  /**
   * The first success of up to {@code attempts} runs of {@code call} (any asynchronous call, a bus request or a
   * cluster-map operation), {@code intervalMs} apart. After each failure but the last, {@code retryAfter} decides
   * whether to run it again; the future fails with the last failure once it says no or the attempts are spent.
   */
  public static <T> Future<T> retry(Vertx vertx, Supplier<Future<T>> call, int attempts, long intervalMs,
                                    Predicate<Throwable> retryAfter) {
    Promise<T> answer = Promise.promise();
    attempt(vertx, call, attempts, intervalMs, retryAfter, answer);
    return answer.future();
  }

  /** True for a bus request that no handler anywhere took. */
  public static boolean noHandlers(Throwable failure) {
    return failure instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
  }

  private static <T> void attempt(Vertx vertx, Supplier<Future<T>> call, int left, long intervalMs,
                                  Predicate<Throwable> retryAfter, Promise<T> answer) {
    call.get().onComplete(ar -> {
      if (ar.succeeded()) {
        answer.complete(ar.result());
      } else if (left > 1 && retryAfter.test(ar.cause())) {
        vertx.setTimer(intervalMs, id -> attempt(vertx, call, left - 1, intervalMs, retryAfter, answer));
      } else {
        answer.fail(ar.cause());
      }
    });
  }
}
