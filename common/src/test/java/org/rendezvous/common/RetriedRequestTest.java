package org.rendezvous.common;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RetriedRequestTest {

  private final Vertx vertx = Vertx.vertx();
  private final DeliveryOptions options = new DeliveryOptions().setSendTimeout(1_000);

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void anAddressThatAppearsLaterIsAnsweredByALaterAttempt() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    CompletableFuture<String> answer = new CompletableFuture<>();
    vertx.runOnContext(v -> RetriedRequest.<String>send(vertx, "late", "q", options, 10, 20, () -> {
      if (asked.incrementAndGet() == 2) {
        vertx.eventBus().<String>consumer("late", m -> m.reply("a:" + m.body()));
      }
      return true;
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        answer.complete(ar.result().body());
      } else {
        answer.completeExceptionally(ar.cause());
      }
    }));
    assertEquals("a:q", answer.get(30, TimeUnit.SECONDS));
    assertEquals(2, asked.get(), "asked again after each of the two unanswered requests, then answered");
  }

  @Test
  void itGivesUpAfterItsAttemptsOrWhenNoLongerWanted() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    assertNoHandlers(attempts -> RetriedRequest.send(vertx, "nobody", "q", options, attempts, 10, () -> {
      asked.incrementAndGet();
      return true;
    }), 3);
    assertEquals(2, asked.get(), "3 requests: the retry is considered after each but the last");

    AtomicInteger askedUnwanted = new AtomicInteger();
    assertNoHandlers(attempts -> RetriedRequest.send(vertx, "nobody", "q", options, attempts, 10,
        () -> askedUnwanted.incrementAndGet() < 2), 10);
    assertEquals(2, askedUnwanted.get(), "stops the first time it is no longer wanted");
  }

  private interface Start {
    io.vertx.core.Future<?> with(int attempts);
  }

  private void assertNoHandlers(Start start, int attempts) throws Exception {
    CompletableFuture<Object> done = new CompletableFuture<>();
    vertx.runOnContext(v -> start.with(attempts).onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else {
        done.completeExceptionally(ar.cause());
      }
    }));
    ExecutionException e = assertThrows(ExecutionException.class, () -> done.get(30, TimeUnit.SECONDS));
    ReplyException failure = assertInstanceOf(ReplyException.class, e.getCause());
    assertEquals(ReplyFailure.NO_HANDLERS, failure.failureType());
  }
}
