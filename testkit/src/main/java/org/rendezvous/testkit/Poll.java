package org.rendezvous.testkit;

import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/** Polls a condition with a deadline: how tests wait for asynchronous outcomes without sleeping blindly. */
public final class Poll {

  private Poll() {
  }

  /** Returns the first non-null value {@code probe} produces, or fails after {@code timeoutMs}. */
  public static <T> T until(long timeoutMs, String what, Callable<T> probe) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        T v = probe.call();
        if (v != null) {
          return v;
        }
      } catch (Exception | AssertionError e) {
        last = e instanceof Exception ex ? ex : new Exception(e);
      }
      LockSupport.parkNanos(20_000_000L); // the poll interval, not a guess at how long the outcome takes
    }
    throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what, last);
  }
}
