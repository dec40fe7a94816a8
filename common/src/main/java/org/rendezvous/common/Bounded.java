package org.rendezvous.common;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * Runs one asynchronous operation per item with at most a given number in flight. The cluster-wide clean-ups
 * after a member leaves (one Hazelcast call per name or key) would otherwise queue thousands of blocking calls on
 * the worker pool at once, ahead of every client's own reservation.
 */
public final class Bounded {

  /** Cluster-map calls in flight at once in a clean-up after a member left or a split healed. */
  public static final int CLEANUP_IN_FLIGHT = 32;

  private Bounded() {
  }

  /**
   * Applies {@code op} to each item, at most {@code maxInFlight} at a time, in order; completes with each item's
   * outcome (in order) once all have completed. A failed operation does not stop the others.
   */
  public static <T, R> Future<List<Future<R>>> each(List<T> items, int maxInFlight, Function<T, Future<R>> op) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
    }
    List<Future<R>> outcomes = new ArrayList<>(items.size());
    Promise<List<Future<R>>> all = Promise.promise();
    if (items.isEmpty()) {
      all.complete(outcomes);
      return all.future();
    }
    Iterator<T> next = items.iterator();
    int[] running = {0};
    boolean[] looping = {false};
    Runnable[] startMore = new Runnable[1];
    startMore[0] = () -> {
      if (looping[0]) {
        return; // an operation that completed at once, inside the loop below: the loop goes on by itself
      }
      looping[0] = true;
      try {
        while (running[0] < maxInFlight && next.hasNext()) {
          T item = next.next();
          Future<R> f;
          try {
            f = op.apply(item);
          } catch (RuntimeException e) {
            f = Future.failedFuture(e);
          }
          outcomes.add(f);
          running[0]++;
          f.onComplete(ar -> {
            running[0]--;
            startMore[0].run();
          });
        }
      } finally {
        looping[0] = false;
      }
      if (!next.hasNext() && running[0] == 0) {
        all.tryComplete(outcomes);
      }
    };
    startMore[0].run();
    return all.future();
  }
}
