package org.rendezvous.registry;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The text Python's {@code json.loads} reads from bytes: it picks UTF-8, UTF-16 or UTF-32 from a byte order
 * mark or from where the first bytes are zero (JSON text starts with ASCII), drops the mark, and decodes
 * strictly. Bytes that are not text in that encoding throw, as Python's UnicodeDecodeError does.
 */
final class PythonJsonBytes {

  private static final Charset UTF_32BE = Charset.forName("UTF-32BE");
  private static final Charset UTF_32LE = Charset.forName("UTF-32LE");

  private PythonJsonBytes() {
  }

  static String decode(byte[] b) throws CharacterCodingException {
    if (startsWith(b, 0x00, 0x00, 0xFE, 0xFF)) {
      return strict(b, 4, UTF_32BE);
    }
    if (startsWith(b, 0xFF, 0xFE, 0x00, 0x00)) {
      return strict(b, 4, UTF_32LE);
    }
    if (startsWith(b, 0xFE, 0xFF)) {
      return strict(b, 2, StandardCharsets.UTF_16BE);
    }
    if (startsWith(b, 0xFF, 0xFE)) {
      return strict(b, 2, StandardCharsets.UTF_16LE);
    }
    if (startsWith(b, 0xEF, 0xBB, 0xBF)) {
      return strict(b, 3, StandardCharsets.UTF_8);
    }
    if (b.length >= 4) {
      if (b[0] == 0) {
        return strict(b, 0, b[1] != 0 ? StandardCharsets.UTF_16BE : UTF_32BE);
      }
      if (b[1] == 0) {
        return strict(b, 0, b[2] != 0 || b[3] != 0 ? StandardCharsets.UTF_16LE : UTF_32LE);
      }
    } else if (b.length == 2) {
      if (b[0] == 0) {
        return strict(b, 0, StandardCharsets.UTF_16BE);
      }
      if (b[1] == 0) {
        return strict(b, 0, StandardCharsets.UTF_16LE);
      }
    }
    return strict(b, 0, StandardCharsets.UTF_8);
  }

  private static boolean startsWith(byte[] b, int... prefix) {
    if (b.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((b[i] & 0xFF) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static String strict(byte[] b, int from, Charset charset) throws CharacterCodingException {
    return charset.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(b, from, b.length - from))
        .toString();
  }
}
