package org.rendezvous.ws;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Builds every server → client S3 message as its JSON text, keys in the spec's order, in the
 * original server's {@code json.dumps} style ({@code ", "} and {@code ": "} separators, non-ASCII
 * escaped). Values the client sent as JSON (user_id, data) are embedded exactly as received.
 */
public final class ServerMessages {

  /** online_users timestamp: local time with microseconds, like Python's {@code datetime.now().isoformat()}. */
  public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

  public static final String INVALID_JSON = "Invalid JSON";
  public static final String NAME_AND_ID_REQUIRED = "Username and user_id required";
  public static final String NAME_TAKEN = "Username already taken";
  public static final String NOT_REGISTERED = "Not registered";
  public static final String USER_NOT_FOUND = "User not found or offline";
  public static final String UNAUTHORIZED = "Unauthorized";
  /** Not in the original (it had no limit): a username or user_id longer than ws.maxNameBytes. */
  public static final String NAME_TOO_LONG = "Username or user_id too long";
  /** Not in the original: our own failure (the cluster's shared data did not answer), not the client's. */
  public static final String REGISTRATION_FAILED = "Registration failed, try again";

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ServerMessages() {
  }

  public static String error(String message) {
    StringBuilder b = start("error");
    field(b, "message").append(quote(message));
    return end(b);
  }

  public static String registered(String username, String userIdJson) {
    StringBuilder b = start("registered");
    field(b, "username").append(quote(username));
    field(b, "user_id").append(userIdJson);
    return end(b);
  }

  public static String incomingCall(String caller, String callerIdJson) {
    StringBuilder b = start("incoming_call");
    field(b, "caller_username").append(quote(caller));
    field(b, "caller_id").append(callerIdJson);
    return end(b);
  }

  public static String callAccepted(String accepter) {
    StringBuilder b = start("call_accepted");
    field(b, "accepter_username").append(quote(accepter));
    return end(b);
  }

  public static String callRejected(String rejecter) {
    StringBuilder b = start("call_rejected");
    field(b, "rejecter_username").append(quote(rejecter));
    return end(b);
  }

  /** offer, answer or ice_candidate as the target receives it. */
  public static String relay(ClientMessage.RelayType type, String from, String dataJson) {
    return new String(relayUtf8(type, from, RawJson.of(dataJson)), StandardCharsets.UTF_8);
  }

  /** {@link #relay} as the UTF-8 bytes the socket sends: the head, then the client's data copied once as it came. */
  public static byte[] relayUtf8(ClientMessage.RelayType type, String from, RawJson data) {
    StringBuilder b = start(type.wire);
    field(b, "from_username").append(quote(from));
    field(b, "data");
    int head = b.length(); // quote() leaves only ASCII: one byte per char
    byte[] text = new byte[head + data.length() + 1];
    for (int i = 0; i < head; i++) {
      text[i] = (byte) b.charAt(i);
    }
    data.copyTo(text, head);
    text[text.length - 1] = '}';
    return text;
  }

  public static String callEnded(String from) {
    StringBuilder b = start("call_ended");
    field(b, "from_username").append(quote(from));
    return end(b);
  }

  /** The users array of online_users, {@code [{"username": …, "user_id": …}, …]}, rendered once per change. */
  public static String usersArray(List<OnlineUser> users) {
    StringBuilder b = new StringBuilder(2 + users.size() * 48);
    b.append('[');
    for (int i = 0; i < users.size(); i++) {
      OnlineUser u = users.get(i);
      if (i > 0) {
        b.append(", ");
      }
      b.append("{\"username\": ").append(quote(u.username())).append(", \"user_id\": ").append(u.userIdJson()).append('}');
    }
    return b.append(']').toString();
  }

  public static String onlineUsers(String usersArray, LocalDateTime now) {
    StringBuilder b = new StringBuilder(usersArray.length() + 80);
    b.append("{\"type\": \"online_users\"");
    field(b, "users").append(usersArray);
    field(b, "timestamp").append('"').append(TIMESTAMP.format(now)).append('"');
    return end(b);
  }

  /** A JSON string as Python's json.dumps writes it (ensure_ascii): short escapes, everything else past ASCII as \\uXXXX. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            // a character outside the BMP is already a surrogate pair in a Java string, as Python writes it
            b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static StringBuilder start(String type) {
    return new StringBuilder(96).append("{\"type\": \"").append(type).append('"');
  }

  private static StringBuilder field(StringBuilder b, String name) {
    return b.append(", \"").append(name).append("\": ");
  }

  private static String end(StringBuilder b) {
    return b.append('}').toString();
  }
}
