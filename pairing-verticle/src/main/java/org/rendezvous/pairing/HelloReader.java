package org.rendezvous.pairing;

import io.vertx.core.buffer.Buffer;

import java.util.Arrays;

/**
 * Collects one connection's bytes until {@link HelloDecoder} has a whole hello, refusing a hello
 * that is not complete within the size limit. Bytes past the hello are never kept.
 */
final class HelloReader {

  private final int maxBytes;
  private byte[] buf = new byte[256];
  private int len;

  HelloReader(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** True while nothing but JSON whitespace has arrived: no value begun, what Go's decoder calls plain EOF. */
  boolean isBlank() {
    for (int i = 0; i < len; i++) {
      if (!HelloDecoder.isWhitespace(buf[i])) {
        return false;
      }
    }
    return true;
  }

  /** Adds a chunk and decodes what has arrived so far. */
  HelloDecoder.Result offer(Buffer chunk) {
    int take = Math.min(chunk.length(), maxBytes - len);
    if (len + take > buf.length) {
      buf = Arrays.copyOf(buf, Math.min(maxBytes, Math.max(len + take, buf.length * 2)));
    }
    chunk.getBytes(0, take, buf, len);
    len += take;
    HelloDecoder.Result r = HelloDecoder.decode(buf, len);
    if (r instanceof HelloDecoder.NeedMore && len == maxBytes) {
      // Whatever completes the value would be byte maxBytes + 1 or later.
      return new HelloDecoder.Invalid(HelloDecoder.Kind.OVERSIZE, "hello larger than " + maxBytes + " bytes");
    }
    return r;
  }
}
