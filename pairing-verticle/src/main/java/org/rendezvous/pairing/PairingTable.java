package org.rendezvous.pairing;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The initiators waiting on this node, by key, each with its deadline; decides who pairs, who
 * times out and who gave up. Each entry leaves exactly once, through {@link #claim},
 * {@link #expire} or {@link #abandon}, so a pairing is consumed once and a key is released once.
 * Time is passed in; not thread-safe (one verticle's context owns it).
 *
 * @param <C> the caller's handle on the initiator's connection
 */
public final class PairingTable<C> {

  /** A waiting initiator. */
  public record Waiting<C>(Arrival.Initiator initiator, C connection, long deadlineMs) {
  }

  /** A receiver met its initiator: the initiator's connection and both replies. */
  public record Match<C>(C initiatorConnection, Arrival.Pair pair) {
  }

  private final long waitMs;
  /** Insertion order is deadline order: every entry waits the same time from when it was added. */
  private final LinkedHashMap<String, Waiting<C>> byKey = new LinkedHashMap<>();
  private long lastDeadlineMs = Long.MIN_VALUE;

  public PairingTable(long waitMs) {
    if (waitMs <= 0) {
      throw new IllegalArgumentException("waitMs must be > 0");
    }
    this.waitMs = waitMs;
  }

  /** Starts the wait of {@code initiator}; false when its key already waits here. */
  public boolean add(Arrival.Initiator initiator, C connection, long nowMs) {
    if (byKey.containsKey(initiator.key())) {
      return false;
    }
    // A clock that stepped back must not put an entry ahead of an earlier deadline.
    long deadline = Math.max(nowMs + waitMs, lastDeadlineMs);
    lastDeadlineMs = deadline;
    byKey.put(initiator.key(), new Waiting<>(initiator, connection, deadline));
    return true;
  }

  /** The receiver takes the initiator waiting under its key, or null when none waits here (any more). */
  public Match<C> claim(Arrival.Receiver receiver) {
    Waiting<C> w = byKey.remove(receiver.key());
    return w == null ? null : new Match<>(w.connection, Arrival.pair(w.initiator, receiver));
  }

  /** The initiator on {@code connection} went away; true when it was still waiting. */
  public boolean abandon(String key, C connection) {
    Waiting<C> w = byKey.get(key);
    if (w == null || w.connection != connection) {
      return false;
    }
    byKey.remove(key);
    return true;
  }

  /** True while {@code connection} waits here under {@code key}. */
  public boolean isWaiting(String key, C connection) {
    Waiting<C> w = byKey.get(key);
    return w != null && w.connection == connection;
  }

  /** The connection of the initiator waiting here under {@code key}, or null. */
  public C waitingConnection(String key) {
    Waiting<C> w = byKey.get(key);
    return w == null ? null : w.connection;
  }

  /** True when any initiator waits here under {@code key}. */
  public boolean contains(String key) {
    return byKey.containsKey(key);
  }

  /** Removes and returns every initiator whose wait is over at {@code nowMs}, oldest first. */
  public List<Waiting<C>> expire(long nowMs) {
    List<Waiting<C>> out = new ArrayList<>();
    for (Iterator<Waiting<C>> it = byKey.values().iterator(); it.hasNext(); ) {
      Waiting<C> w = it.next();
      if (w.deadlineMs > nowMs) {
        break;
      }
      it.remove();
      out.add(w);
    }
    return out;
  }

  /** Every initiator waiting here, oldest first (a copy: the table may change while the caller goes through it). */
  public List<Waiting<C>> waiting() {
    return new ArrayList<>(byKey.values());
  }

  /** Removes and returns everything (the verticle is stopping). */
  public List<Waiting<C>> drain() {
    List<Waiting<C>> out = new ArrayList<>(byKey.values());
    byKey.clear();
    return out;
  }

  public int size() {
    return byKey.size();
  }
}
