package org.rendezvous.pairing;

import java.nio.charset.StandardCharsets;

/**
 * The S1 server reply, encoded byte for byte as stunturn's Go server wrote it with
 * json.Encoder: compact, keys in the order protocol, peer_address (omitted when empty), error
 * (omitted when empty), Go's string escaping (HTML-safe), and a trailing newline.
 */
public record Reply(String protocol, String peerAddress, String error) {

  public static final String UUID_IN_USE = "UUID already in use";
  /** The original's wording (sic): clients may match this text. */
  public static final String TIMED_OUT = "Timed out waiting for an initiator";
  public static final String NOT_FOUND = "Receiver with that UUID not found";
  /** Not in the original: a source over its connection budget (SPEC §5). */
  public static final String RATE_LIMITED = "too many connections from this address";
  /** To an initiator still waiting when its node stops: it may try another node at once. */
  public static final String SHUTTING_DOWN = "server shutting down";

  public static Reply error(String message) {
    return new Reply("", "", message);
  }

  public static Reply peer(String protocol, String peerAddress) {
    return new Reply(protocol, peerAddress, "");
  }

  /** The reply line as it goes on the wire. */
  public byte[] encode() {
    return text().getBytes(StandardCharsets.UTF_8);
  }

  public String text() {
    StringBuilder out = new StringBuilder(64);
    out.append("{\"protocol\":");
    quote(out, protocol);
    if (!peerAddress.isEmpty()) {
      out.append(",\"peer_address\":");
      quote(out, peerAddress);
    }
    if (!error.isEmpty()) {
      out.append(",\"error\":");
      quote(out, error);
    }
    return out.append("}\n").toString();
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Go's encodeState.string with escapeHTML: <, >, & and U+2028/2029 escaped; \b \f \n \r \t short (Go 1.22+). */
  static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                .append(HEX[c & 0xf]);
          } else if (Character.isSurrogate(c)
              && !(Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
              && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)))) {
            out.append("\\ufffd"); // Go writes invalid UTF-8 this way; a lone surrogate has no UTF-8 form
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
