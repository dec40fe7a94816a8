package org.rendezvous.registry;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.rendezvous.common.Health;
import org.rendezvous.common.Metrics;
import org.rendezvous.registry.store.RegistryStore;
import org.rendezvous.registry.store.WriteBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Write-behind to SQLite: writes collect in a batch that is committed in one transaction at most
 * {@code delayMs} after its first write (longer only while the previous commit is still running).
 * Runs on the registry verticle's event loop.
 */
final class GroupCommit {

  private static final Logger LOG = Logger.getLogger(GroupCommit.class.getName());

  private final Vertx vertx;
  private final RegistryStore store;
  private final long delayMs;
  private final long waiterDeadlineNanos;
  private final Metrics.Counter commits;
  private final Metrics.Counter rows;
  private final Metrics.Counter failures;

  /**
   * How long a caller waits for its write while commits keep failing (SQLite locked, disk full): then it is told.
   * The rows themselves stay queued and are retried for as long as the node runs.
   */
  static final long WAITER_DEADLINE_MS = 10_000;

  /** One caller waiting for the commit of what was written before it asked. */
  private record Waiter(Promise<Void> promise, long sinceNanos) {
  }

  private WriteBatch pending = new WriteBatch();
  private List<Waiter> waiters = new ArrayList<>();
  private boolean timerSet;
  private Future<Void> inFlight;
  private final long notReadyAfterNanos;
  /** When the failures since the last successful commit began; 0 when the last commit succeeded. */
  private long failingSinceNanos;
  private boolean reportedFailing;

  GroupCommit(Vertx vertx, RegistryStore store, long delayMs, Metrics metrics) {
    this(vertx, store, delayMs, WAITER_DEADLINE_MS, 0, metrics);
  }

  /**
   * {@code notReadyAfterMs} > 0: once commits have failed without a success for this long, the node is reported
   * not ready ({@link Health}, component "registry") until one succeeds.
   */
  GroupCommit(Vertx vertx, RegistryStore store, long delayMs, long waiterDeadlineMs, long notReadyAfterMs, Metrics metrics) {
    this.waiterDeadlineNanos = waiterDeadlineMs * 1_000_000L;
    this.notReadyAfterNanos = notReadyAfterMs * 1_000_000L;
    this.vertx = vertx;
    this.store = store;
    this.delayMs = delayMs;
    this.commits = metrics.counter("rendezvous_registry_commits_total", "SQLite group commits");
    this.rows = metrics.counter("rendezvous_registry_committed_rows_total", "Rows written or deleted by group commits");
    this.failures = metrics.counter("rendezvous_registry_commit_failures_total", "Group commits that failed and were retried");
  }

  /** The batch collecting writes for the next commit. */
  WriteBatch batch() {
    schedule();
    return pending;
  }

  /** Completes once everything written so far is committed. */
  Future<Void> committed() {
    Promise<Void> p = Promise.promise();
    waiters.add(new Waiter(p, System.nanoTime()));
    schedule();
    return p.future();
  }

  /** Commits whatever is pending now, after any commit already running. */
  Future<Void> flushNow() {
    Future<Void> done = committed();
    runCommit();
    return done;
  }

  private void schedule() {
    if (!timerSet) {
      timerSet = true;
      vertx.setTimer(delayMs, id -> {
        timerSet = false;
        runCommit();
      });
    }
  }

  private void runCommit() {
    if (inFlight != null) {
      return; // the running commit's completion picks up what is pending
    }
    if (pending.isEmpty() && waiters.isEmpty()) {
      return;
    }
    WriteBatch batch = pending;
    List<Waiter> done = waiters;
    pending = new WriteBatch();
    waiters = new ArrayList<>();
    Future<Void> write = batch.isEmpty() ? Future.succeededFuture() : store.write(batch);
    inFlight = write;
    write.onComplete(ar -> {
      inFlight = null;
      if (ar.succeeded()) {
        if (!batch.isEmpty()) {
          commits.inc();
          rows.add(batch.size());
        }
        done.forEach(w -> w.promise().complete());
        healthy();
      } else {
        failures.inc();
        LOG.warning("registry commit of " + batch.size() + " rows failed, retrying: " + ar.cause());
        requeue(batch);
        long now = System.nanoTime();
        failing(now, ar.cause());
        for (Waiter w : done) {
          if (now - w.sinceNanos() > waiterDeadlineNanos) {
            w.promise().fail(ar.cause());
          } else {
            waiters.add(w);
          }
        }
      }
      if (!pending.isEmpty() || !waiters.isEmpty()) {
        if (ar.succeeded()) {
          schedule();
        } else {
          vertx.setTimer(Math.max(delayMs, 200), id -> runCommit());
        }
      }
    });
  }

  private void failing(long now, Throwable cause) {
    if (failingSinceNanos == 0) {
      failingSinceNanos = now;
    }
    if (!reportedFailing && notReadyAfterNanos > 0 && now - failingSinceNanos >= notReadyAfterNanos) {
      reportedFailing = true;
      String why = "SQLite commits failing for " + (now - failingSinceNanos) / 1_000_000_000L + " s: " + cause.getMessage();
      LOG.severe("registry: the node is not ready while " + why);
      Health.failing(vertx, "registry", why);
    }
  }

  private void healthy() {
    failingSinceNanos = 0;
    if (reportedFailing) {
      reportedFailing = false;
      LOG.info("registry: SQLite commits succeed again; the node is ready");
      Health.recovered(vertx, "registry");
    }
  }

  /** Puts a failed batch back under anything written since, which is newer. */
  private void requeue(WriteBatch failed) {
    failed.addNewer(pending);
    pending = failed;
  }
}
