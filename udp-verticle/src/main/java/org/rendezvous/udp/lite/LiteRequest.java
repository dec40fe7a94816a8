package org.rendezvous.udp.lite;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An S0 datagram decoded as the original Python server read it: at most 1,024 bytes, UTF-8 with
 * invalid bytes dropped, stripped of Python's whitespace set; then either LIST or a username.
 */
public record LiteRequest(Kind kind, String name) {

  /** What a datagram asks for. */
  public enum Kind {
    LIST,
    HEARTBEAT,
    /** A username the registry must not store (empty, separators, control characters, too long). */
    INVALID_NAME
  }

  /** The original read with recvfrom(1024): longer datagrams are cut, not rejected. */
  public static final int MAX_READ = 1024;

  public static LiteRequest parse(byte[] buf, int off, int len, int maxNameBytes) {
    String text = strip(decodeDroppingInvalid(buf, off, Math.min(len, MAX_READ)));
    if (text.toUpperCase(Locale.ROOT).equals("LIST")) {
      return new LiteRequest(Kind.LIST, text);
    }
    return new LiteRequest(validName(text, maxNameBytes) ? Kind.HEARTBEAT : Kind.INVALID_NAME, text);
  }

  static String decodeDroppingInvalid(byte[] buf, int off, int len) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.IGNORE)
        .onUnmappableCharacter(CodingErrorAction.IGNORE);
    try {
      CharBuffer chars = d.decode(ByteBuffer.wrap(buf, off, len));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("an IGNORE decoder cannot fail", e);
    }
  }

  /** Python's str.strip(): removes every char for which str.isspace() is true from both ends. */
  static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isPythonSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && isPythonSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  static boolean isPythonSpace(char c) {
    return switch (c) {
      case '\t', '\n', '\u000b', '\u000c', '\r', '\u001c', '\u001d', '\u001e', '\u001f', ' ', '\u0085', '\u00a0',
          '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000' -> true;
      default -> c >= '\u2000' && c <= '\u200a';
    };
  }

  /** A name that cannot corrupt the CSV reply: non-empty, no comma, no control character, not too long. */
  static boolean validName(String name, int maxNameBytes) {
    if (name.isEmpty()) {
      return false;
    }
    int bytes = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == ',' || Character.getType(c) == Character.CONTROL || c == '\u2028' || c == '\u2029') {
        return false;
      }
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes <= maxNameBytes;
  }
}
