package org.rendezvous.udp.lobby;

/**
 * One well-formed S4 request, its arguments already matched against the spec's forms.
 *
 * @param type       which command
 * @param session    session name
 * @param player     player name (for {@code k}: the player to kick)
 * @param maxPlayers 2..12 for {@code h}, else 0
 * @param password   the optional password of {@code h} and {@code c}, null when absent
 */
public record LobbyCommand(Type type, String session, String player, int maxPlayers, String password) {

  /** The seven request types, by their one-letter wire prefix. */
  public enum Type {
    HOST('h'), CONNECT('c'), PING('p'), KICK('k'), EXIT('x'), START('s'), CONFIRM('y');

    private final char letter;

    Type(char letter) {
      this.letter = letter;
    }

    public char letter() {
      return letter;
    }

    /** The type with this prefix, or null. */
    public static Type of(int letter) {
      return switch (letter) {
        case 'h' -> HOST;
        case 'c' -> CONNECT;
        case 'p' -> PING;
        case 'k' -> KICK;
        case 'x' -> EXIT;
        case 's' -> START;
        case 'y' -> CONFIRM;
        default -> null;
      };
    }
  }

  /** The canonical wire text of this request (without the tolerated trailing newline). */
  public String toWire() {
    StringBuilder b = new StringBuilder(48).append(type.letter).append(':').append(session).append(':').append(player);
    if (type == Type.HOST) {
      b.append(':').append(maxPlayers);
    }
    if (password != null) {
      b.append(':').append(password);
    }
    return b.toString();
  }
}
