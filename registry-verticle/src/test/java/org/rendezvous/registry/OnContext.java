package org.rendezvous.registry;

import io.vertx.core.Context;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Runs test code on a Vert.x context, as the registry's own classes expect to be called. */
final class OnContext {

  private OnContext() {
  }

  /** What {@code action} returns when run on {@code context}; its exception, if it throws. */
  static <T> T call(Context context, Supplier<T> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        result.complete(action.get());
      } catch (RuntimeException | AssertionError e) {
        result.completeExceptionally(e);
      }
    });
    return result.get(30, TimeUnit.SECONDS);
  }
}
