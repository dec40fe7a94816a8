package org.rendezvous.ws;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A JSON value's text exactly as a client sent it, as UTF-8: {@code length} bytes of {@code bytes} from
 * {@code offset}. The array may be the whole received message, shared and read only: a relay copies the
 * value from it once, into the message it sends, without decoding it to a string first. Equal by content.
 */
public record RawJson(byte[] bytes, int offset, int length) {

  public static final RawJson NULL = of("null");

  public RawJson {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IndexOutOfBoundsException("range " + offset + "+" + length + " of " + bytes.length + " bytes");
    }
  }

  public static RawJson of(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return new RawJson(b, 0, b.length);
  }

  public String text() {
    return new String(bytes, offset, length, StandardCharsets.UTF_8);
  }

  /** Copies the value into {@code to} at {@code at}. */
  public void copyTo(byte[] to, int at) {
    System.arraycopy(bytes, offset, to, at, length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RawJson r && Arrays.equals(bytes, offset, offset + length, r.bytes, r.offset, r.offset + r.length);
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = offset; i < offset + length; i++) {
      h = 31 * h + bytes[i];
    }
    return h;
  }

  @Override
  public String toString() {
    return text();
  }
}
