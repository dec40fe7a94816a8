package org.rendezvous.udp.lobby;

import java.nio.charset.StandardCharsets;

/**
 * S4 datagrams to typed requests, in the spec's order of checks (UTF-8, ':', type, form), and the
 * text of the replies the server builds ({@code i:} and {@code s:}). Pure: no sockets, no state.
 */
public final class LobbyCodec {

  /** What the server does with a datagram. */
  public enum Verdict {
    /** A well-formed request: {@link Parsed#command()} is set. */
    COMMAND,
    /** Answer {@code error:invalid_request}: no ':' at all, or a known type whose arguments do not match. */
    INVALID_REQUEST,
    /** Ignore silently: the bytes are not UTF-8. */
    NOT_UTF8,
    /** Ignore silently: the text before the first ':' is not one of h c p k x s y. */
    UNKNOWN_TYPE
  }

  public record Parsed(Verdict verdict, LobbyCommand command) {
  }

  private static final Parsed INVALID = new Parsed(Verdict.INVALID_REQUEST, null);
  private static final Parsed NOT_UTF8 = new Parsed(Verdict.NOT_UTF8, null);
  private static final Parsed UNKNOWN_TYPE = new Parsed(Verdict.UNKNOWN_TYPE, null);

  private static final int SESSION_MAX = 10;
  private static final int PLAYER_MAX = 12;
  private static final int PASSWORD_MAX = 12;
  /** Most fields after the type: h:S:P:MAX:PASS. One more is kept to tell "too many" apart. */
  private static final int MAX_FIELDS = 4;

  private LobbyCodec() {
  }

  public static Parsed parse(byte[] b, int off, int len) {
    if (!isUtf8(b, off, len)) {
      return NOT_UTF8;
    }
    int end = off + len;
    if (end > off && b[end - 1] == '\n') {
      end--;
    }
    int colon = indexOf(b, off, end, (byte) ':');
    if (colon < 0) {
      return INVALID;
    }
    LobbyCommand.Type type = colon - off == 1 ? LobbyCommand.Type.of(b[off]) : null;
    if (type == null) {
      return UNKNOWN_TYPE;
    }
    int[] starts = new int[MAX_FIELDS + 1];
    int[] ends = new int[MAX_FIELDS + 1];
    int fields = 0;
    for (int at = colon + 1; ; ) {
      if (fields == MAX_FIELDS + 1) {
        return INVALID;
      }
      int next = indexOf(b, at, end, (byte) ':');
      starts[fields] = at;
      ends[fields] = next < 0 ? end : next;
      fields++;
      if (next < 0) {
        break;
      }
      at = next + 1;
    }
    if (!isName(b, starts[0], ends[0], SESSION_MAX) || fields < 2 || !isName(b, starts[1], ends[1], PLAYER_MAX)) {
      return INVALID;
    }
    String session = ascii(b, starts[0], ends[0]);
    String player = ascii(b, starts[1], ends[1]);
    switch (type) {
      case HOST -> {
        int max = fields >= 3 ? maxPlayers(b, starts[2], ends[2]) : -1;
        if (max < 0 || fields > 4 || fields == 4 && !isName(b, starts[3], ends[3], PASSWORD_MAX)) {
          return INVALID;
        }
        return command(type, session, player, max, fields == 4 ? ascii(b, starts[3], ends[3]) : null);
      }
      case CONNECT -> {
        if (fields > 3 || fields == 3 && !isName(b, starts[2], ends[2], PASSWORD_MAX)) {
          return INVALID;
        }
        return command(type, session, player, 0, fields == 3 ? ascii(b, starts[2], ends[2]) : null);
      }
      default -> {
        return fields == 2 ? command(type, session, player, 0, null) : INVALID;
      }
    }
  }

  /** {@code i:} and the player names in join order, the host first. */
  public static String info(Iterable<String> names) {
    StringBuilder b = new StringBuilder(64).append('i');
    for (String n : names) {
      b.append(':').append(n);
    }
    return b.toString();
  }

  /** The start of a start message: {@code s:<receiver's port>:}; entries follow, see {@link #appendPeer}. */
  public static StringBuilder startMessage(int receiverPort) {
    return new StringBuilder(96).append("s:").append(receiverPort).append(':');
  }

  /** Appends one other player, {@code name:ip:port}, separated from the previous one by ';'. */
  public static void appendPeer(StringBuilder start, boolean first, String name, String ip, int port) {
    if (!first) {
      start.append(';');
    }
    start.append(name).append(':').append(ip).append(':').append(port);
  }

  private static Parsed command(LobbyCommand.Type type, String session, String player, int max, String password) {
    return new Parsed(Verdict.COMMAND, new LobbyCommand(type, session, player, max, password));
  }

  /** {@code [A-Za-z0-9]{1,max}}, ASCII only. */
  private static boolean isName(byte[] b, int from, int to, int max) {
    int n = to - from;
    if (n < 1 || n > max) {
      return false;
    }
    for (int i = from; i < to; i++) {
      int c = b[i];
      if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
        return false;
      }
    }
    return true;
  }

  /** {@code [2-9]|1[0-2]} as a number, or -1. */
  private static int maxPlayers(byte[] b, int from, int to) {
    if (to - from == 1 && b[from] >= '2' && b[from] <= '9') {
      return b[from] - '0';
    }
    if (to - from == 2 && b[from] == '1' && b[from + 1] >= '0' && b[from + 1] <= '2') {
      return 10 + b[from + 1] - '0';
    }
    return -1;
  }

  private static String ascii(byte[] b, int from, int to) {
    return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
  }

  private static int indexOf(byte[] b, int from, int to, byte wanted) {
    for (int i = from; i < to; i++) {
      if (b[i] == wanted) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Well-formed UTF-8 as Python's strict decoder accepts it: no overlong forms, no encoded
   * surrogates, nothing above U+10FFFF, no truncated sequence.
   */
  static boolean isUtf8(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        i++;
        continue;
      }
      int more;
      int lo = 0x80;
      int hi = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) {
        more = 1;
      } else if (c >= 0xe0 && c <= 0xef) {
        more = 2;
        if (c == 0xe0) {
          lo = 0xa0; // shorter forms are overlong
        } else if (c == 0xed) {
          hi = 0x9f; // U+D800..U+DFFF are surrogates
        }
      } else if (c >= 0xf0 && c <= 0xf4) {
        more = 3;
        if (c == 0xf0) {
          lo = 0x90;
        } else if (c == 0xf4) {
          hi = 0x8f; // above U+10FFFF otherwise
        }
      } else {
        return false;
      }
      if (i + more >= end) {
        return false; // truncated sequence
      }
      int second = b[i + 1] & 0xff;
      if (second < lo || second > hi) {
        return false;
      }
      for (int k = 2; k <= more; k++) {
        int cont = b[i + k] & 0xff;
        if (cont < 0x80 || cont > 0xbf) {
          return false;
        }
      }
      i += more + 1;
    }
    return true;
  }
}
