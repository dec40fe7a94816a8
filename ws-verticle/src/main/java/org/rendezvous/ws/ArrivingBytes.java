package org.rendezvous.ws;

import io.vertx.core.buffer.Buffer;

/**
 * The bytes of S3 messages still arriving that the node holds, all connections together: what Netty has read of a
 * frame not yet whole, and the frames so far of a message sent in several ({@link Connection#partial}). A slow sender
 * of a large message holds up to ws.maxMessageBytes; past ws.maxArrivingBytes in all, the connection whose read
 * took the node over is closed, so a crowd of them cannot fill the heap. Runs on the verticle's event loop.
 */
final class ArrivingBytes {

  private final long budget;
  private long total;

  ArrivingBytes(long budget) {
    this.budget = budget;
  }

  /** {@code c} read {@code n} more bytes; false when that takes the node past its budget. */
  boolean read(Connection c, int n) {
    c.arrivingBytes += n;
    total += n;
    return total <= budget;
  }

  /** A frame of {@code c} came whole: the bytes read before it are decoded, held (if at all) as its partial message. */
  void frameDecoded(Connection c) {
    total -= c.arrivingBytes;
    c.arrivingBytes = 0;
  }

  /** {@code c}'s partial message is now {@code partial} (null: none). */
  void keep(Connection c, Buffer partial) {
    long bytes = partial == null ? 0 : partial.length();
    total += bytes - c.partialBytes;
    c.partialBytes = bytes;
    c.partial = partial;
  }

  /** {@code c} closed: what it held is let go. Idempotent. */
  void closed(Connection c) {
    frameDecoded(c);
    keep(c, null);
  }

  long total() {
    return total;
  }
}
