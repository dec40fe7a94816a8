package org.rendezvous.ws;

import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Delivers online_users to this node's sockets with bounded memory: each socket gets the newest
 * list, at most one list per socket is being written at a time, and all sockets together have at
 * most {@code maxBytesInFlight} handed to the network and not yet written. A socket that is still
 * writing an older list when a newer one appears gets only the newest once it is done, so a slow
 * reader costs one list, never a queue of them.
 *
 * @param <C> a connection
 * @param <F> an encoded frame
 */
public final class OnlineUsersFanout<C, F> {

  /** Writes {@code frame} to {@code conn} and calls {@code written} once it is written or has failed. */
  public interface Sink<C, F> {
    void write(C conn, F frame, Runnable written);
  }

  private final long maxBytesInFlight;
  private final Sink<C, F> sink;
  private final LinkedHashSet<C> waiting = new LinkedHashSet<>();
  private final Set<C> writing = new HashSet<>();
  private final Set<C> owedNewer = new HashSet<>();
  private F latest;
  private int latestBytes;
  private long bytesInFlight;
  private boolean pumping;

  public OnlineUsersFanout(long maxBytesInFlight, Sink<C, F> sink) {
    this.maxBytesInFlight = maxBytesInFlight;
    this.sink = sink;
  }

  /** Makes {@code frame} the newest list and owes it to every recipient. */
  public void publish(F frame, int bytes, Collection<C> recipients) {
    latest = frame;
    latestBytes = bytes;
    for (C c : recipients) {
      if (writing.contains(c)) {
        owedNewer.add(c);
      } else {
        waiting.add(c);
      }
    }
    pump();
  }

  /** A connection that closed: nothing more is owed to it. */
  public void forget(C conn) {
    waiting.remove(conn);
    owedNewer.remove(conn);
  }

  public long bytesInFlight() {
    return bytesInFlight;
  }

  public int waitingCount() {
    return waiting.size() + owedNewer.size();
  }

  private void written(C conn, int bytes) {
    writing.remove(conn);
    bytesInFlight -= bytes;
    if (owedNewer.remove(conn)) {
      waiting.add(conn);
    }
    pump();
  }

  private void pump() {
    if (pumping) {
      return; // a write completed inside sink.write: the loop below carries on
    }
    pumping = true;
    try {
      Iterator<C> it = waiting.iterator();
      while (it.hasNext() && (bytesInFlight == 0 || bytesInFlight + latestBytes <= maxBytesInFlight)) {
        C c = it.next();
        it.remove();
        writing.add(c);
        bytesInFlight += latestBytes;
        int bytes = latestBytes;
        sink.write(c, latest, () -> written(c, bytes));
        it = waiting.iterator(); // a synchronous completion may have added to the set
      }
    } finally {
      pumping = false;
    }
  }
}
