package org.rendezvous.common;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoundedTest {

  @Test
  void neverMoreThanTheLimitInFlightAndEveryItemRunsOnce() {
    List<Promise<Integer>> started = new ArrayList<>();
    int[] inFlight = {0};
    int[] most = {0};
    Future<List<Future<Integer>>> all = Bounded.each(IntStream.range(0, 10).boxed().toList(), 3, i -> {
      Promise<Integer> p = Promise.promise();
      started.add(p);
      inFlight[0]++;
      most[0] = Math.max(most[0], inFlight[0]);
      return p.future().onComplete(ar -> inFlight[0]--);
    });
    assertEquals(3, started.size(), "three started at once");
    for (int i = 0; i < 10; i++) {
      assertTrue(i < started.size(), "item " + i + " started once an earlier one finished");
      if (i == 4) {
        started.get(i).fail("this one fails");
      } else {
        started.get(i).complete(i * i);
      }
    }
    assertEquals(10, started.size());
    assertEquals(3, most[0]);
    assertTrue(all.succeeded(), "done, a failure among them included");
    assertEquals(81, all.result().get(9).result());
    assertTrue(all.result().get(4).failed());
  }

  @Test
  void operationsThatCompleteAtOnceDoNotNestCalls() {
    List<Integer> many = IntStream.range(0, 200_000).boxed().toList();
    Future<List<Future<Integer>>> all = Bounded.each(many, 8, Future::succeededFuture);
    assertTrue(all.succeeded(), "no stack overflow, every one done");
    assertEquals(200_000, all.result().size());
  }

  @Test
  void noItemsIsDoneAtOnce() {
    assertTrue(Bounded.each(List.<Integer>of(), 2, i -> Future.succeededFuture(i)).succeeded());
  }
}
