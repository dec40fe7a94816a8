package org.rendezvous.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * What an S3 call-signaling server sends, as typed values, and the end of the connection
 * ({@link Closed}); {@link #parse} reads one server message and never throws.
 */
public sealed interface CallSignalingMessage {

  /** {@code registered}: the username and user_id as the server echoed them (user_id keeps its JSON type). */
  record Registered(String username, Object userId) implements CallSignalingMessage {
  }

  /** One entry of an online_users list. */
  record User(String username, Object userId) {
  }

  /** {@code online_users}: every registered user, in registration order, and the server's local time. */
  record OnlineUsers(List<User> users, String timestamp) implements CallSignalingMessage {
    public boolean contains(String username) {
      return users.stream().anyMatch(u -> username.equals(u.username()));
    }

    public List<String> usernames() {
      return users.stream().map(User::username).toList();
    }
  }

  /** {@code incoming_call}: somebody calls us. */
  record IncomingCall(String callerUsername, Object callerId) implements CallSignalingMessage {
  }

  /** {@code call_accepted}: the user we called accepted. */
  record CallAccepted(String accepterUsername) implements CallSignalingMessage {
  }

  /** {@code call_rejected}: the user we called rejected. */
  record CallRejected(String rejecterUsername) implements CallSignalingMessage {
  }

  /** The three relayed WebRTC messages, by their wire type. */
  enum RelayKind {
    OFFER("offer"), ANSWER("answer"), ICE_CANDIDATE("ice_candidate");

    public final String wire;

    RelayKind(String wire) {
      this.wire = wire;
    }
  }

  /**
   * {@code offer} / {@code answer} / {@code ice_candidate} from another user; {@code data} is the
   * sender's JSON value as Vert.x reads it (JsonObject, JsonArray, String, Number, Boolean or null).
   */
  record Relay(RelayKind kind, String fromUsername, Object data) implements CallSignalingMessage {
  }

  /** {@code call_ended}: the other side hung up, disconnected, or its node died. */
  record CallEnded(String fromUsername) implements CallSignalingMessage {
  }

  /** {@code error}: the server refused our last request, with its message (e.g. "Username already taken"). */
  record ServerError(String message) implements CallSignalingMessage {
  }

  /** Something this client cannot read: not a JSON object, or a type S3 does not define. */
  record Unrecognised(String text) implements CallSignalingMessage {
  }

  /** The connection is over: the peer's close code and reason, or 1006 and the failure. Always the last message. */
  record Closed(int code, String reason) implements CallSignalingMessage {
  }

  /** One server message as a typed value; anything malformed is {@link Unrecognised}. */
  static CallSignalingMessage parse(String text) {
    try {
      JsonObject m = new JsonObject(text);
      if (!(m.getValue("type") instanceof String type)) {
        return new Unrecognised(text);
      }
      return switch (type) {
        case "registered" -> new Registered(text(m, "username"), m.getValue("user_id"));
        case "online_users" -> new OnlineUsers(users(m.getJsonArray("users")), text(m, "timestamp"));
        case "incoming_call" -> new IncomingCall(text(m, "caller_username"), m.getValue("caller_id"));
        case "call_accepted" -> new CallAccepted(text(m, "accepter_username"));
        case "call_rejected" -> new CallRejected(text(m, "rejecter_username"));
        case "offer" -> new Relay(RelayKind.OFFER, text(m, "from_username"), m.getValue("data"));
        case "answer" -> new Relay(RelayKind.ANSWER, text(m, "from_username"), m.getValue("data"));
        case "ice_candidate" -> new Relay(RelayKind.ICE_CANDIDATE, text(m, "from_username"), m.getValue("data"));
        case "call_ended" -> new CallEnded(text(m, "from_username"));
        case "error" -> new ServerError(text(m, "message"));
        default -> new Unrecognised(text);
      };
    } catch (RuntimeException e) {
      // not JSON, not an object, or a field of the wrong JSON type
      return new Unrecognised(text);
    }
  }

  /** A field the message must carry as a JSON string. */
  private static String text(JsonObject m, String field) {
    if (m.getValue(field) instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException(field + " is not a string");
  }

  private static List<User> users(JsonArray list) {
    List<User> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonObject u = list.getJsonObject(i);
      out.add(new User(text(u, "username"), u.getValue("user_id")));
    }
    return List.copyOf(out);
  }
}
