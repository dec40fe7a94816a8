package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.rendezvous.common.ConfigValues;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The one stop of a node process, whoever asks first (SIGTERM, the JVM's shutdown hook), under one deadline: wait
 * for a start still under way, drain (not ready, still serving, so load balancers move clients away first), then
 * stop (listeners close, SQLite is flushed, the cluster is left). Later callers wait for that same stop.
 */
final class ProcessStop {

  /** node.drainSeconds and node.stopTimeoutSeconds. */
  record Timing(long drainMs, long stopTimeoutMs) {

    static Timing from(JsonObject node) {
      long drain = ConfigValues.longOf(node, "drainSeconds", 0);
      long stop = ConfigValues.longOf(node, "stopTimeoutSeconds", 30);
      if (drain < 0 || drain > 300) {
        throw new IllegalArgumentException("config node.drainSeconds must be 0..300, got " + drain);
      }
      if (stop < 1 || stop > 600) {
        throw new IllegalArgumentException("config node.stopTimeoutSeconds must be 1..600, got " + stop);
      }
      return new Timing(TimeUnit.SECONDS.toMillis(drain), TimeUnit.SECONDS.toMillis(stop));
    }
  }

  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  private final Timing timing;
  private final CompletableFuture<RendezvousNode> started = new CompletableFuture<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private long deadlineNanos;
  private boolean begun;
  private volatile boolean clean;

  ProcessStop(Timing timing) {
    this.timing = timing;
  }

  void started(RendezvousNode node) {
    started.complete(node);
  }

  /** The node did not start: there is nothing to stop. */
  void startFailed(Throwable cause) {
    started.completeExceptionally(cause);
  }

  /** Stops the node, once; true when it stopped cleanly within the deadline. */
  boolean stop() {
    synchronized (this) {
      if (begun) {
        return awaitDone();
      }
      begun = true;
      deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timing.drainMs() + timing.stopTimeoutMs());
    }
    // A start still under way when the stop is asked for counts against the same deadline; such a node skips the
    // drain (it was never ready), which leaves it the drain's time on top of node.stopTimeoutSeconds.
    try {
      boolean wasReady = started.isDone();
      RendezvousNode node;
      try {
        node = started.get(remainingNanos(), TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        return false; // it never started: nothing to stop, and not a clean run either
      } catch (TimeoutException e) {
        LOG.warning("asked to stop while starting, and the start did not finish in time");
        return false;
      }
      LOG.info("shutting down");
      // A node asked to stop before it was ready never had clients sent to it: nothing to drain.
      if (wasReady && timing.drainMs() > 0) {
        node.beginStopping(); // /health/ready answers 503 from now on
        LOG.info("draining for " + timing.drainMs() / 1000 + " s: not ready, still serving");
        Thread.sleep(timing.drainMs()); // the drain is a period of time, not a wait for an event
      }
      try {
        node.stop().toCompletionStage().toCompletableFuture().get(remainingNanos(), TimeUnit.NANOSECONDS);
        clean = true;
        LOG.info("stopped cleanly");
      } catch (TimeoutException e) {
        LOG.warning("shutdown did not finish within node.stopTimeoutSeconds (" + timing.stopTimeoutMs() / 1000 + " s)");
      } catch (ExecutionException e) {
        LOG.warning("shutdown failed: " + e.getCause());
      }
      return clean;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      done.countDown();
    }
  }

  private boolean awaitDone() {
    try {
      return done.await(remainingNanos(), TimeUnit.NANOSECONDS) && clean;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private long remainingNanos() {
    return Math.max(0, deadlineNanos - System.nanoTime());
  }
}
