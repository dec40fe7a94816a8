package org.rendezvous.common;

import io.vertx.core.Vertx;

import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * Cluster members this node saw leave and has not seen join again. One that joins again under its id is back
 * from a split: what it kept meanwhile has to be reconciled. Bounded: a member that restarts comes back under a
 * new id, so the ids of restarted members would otherwise pile up for as long as the node runs; past the
 * bound the longest gone are forgotten first. Not thread-safe (one verticle's context owns it).
 */
public final class DepartedNodes {

  /** Far more members than a cluster has leave and stay away at once. */
  public static final int DEFAULT_MAX = 4_096;
  /**
   * How long after a member comes back its checks run a second time: Hazelcast merges the cut-off side's map
   * entries in the background after the join, and by then it has.
   */
  public static final long RECHECK_MS = 10_000;

  private final int max;
  private final LinkedHashSet<String> ids = new LinkedHashSet<>();

  public DepartedNodes() {
    this(DEFAULT_MAX);
  }

  public DepartedNodes(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1");
    }
    this.max = max;
  }

  /** {@code node} left the cluster. */
  public void left(String node) {
    ids.remove(node); // leaving again makes it the most recent
    ids.add(node);
    if (ids.size() > max) {
      Iterator<String> oldest = ids.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /** {@code node} joined: true when this node had seen it leave (it is back from a split). */
  public boolean rejoined(String node) {
    return ids.remove(node);
  }

  /**
   * {@code node} joined: when it is back from a split, runs {@code atOnce} now and {@code later} after
   * {@link #RECHECK_MS}, on the caller's context.
   */
  public void rejoined(Vertx vertx, String node, Runnable atOnce, Runnable later) {
    if (rejoined(node)) {
      atOnce.run();
      vertx.setTimer(RECHECK_MS, id -> later.run());
    }
  }

  public boolean contains(String node) {
    return ids.contains(node);
  }

  public int size() {
    return ids.size();
  }
}
