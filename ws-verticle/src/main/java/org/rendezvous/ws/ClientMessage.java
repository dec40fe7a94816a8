package org.rendezvous.ws;

/**
 * One client → server S3 message, decoded. Strings are decoded JSON strings; fields named
 * {@code …Json} (and {@link RawJson} data) hold a value's JSON text exactly as the client sent it, because the
 * server echoes those values with their JSON types (user_id) or relays them untouched (data).
 */
public sealed interface ClientMessage {

  /** {@code register}: username null when missing, empty, false-y or not a string; userIdJson null when missing or false-y. */
  record Register(String username, String userIdJson, String token) implements ClientMessage {
  }

  /** {@code call_request}: target null when missing or not a string. */
  record CallRequest(String target) implements ClientMessage {
  }

  /** {@code call_accepted} or {@code call_rejected}, answering {@code caller}. */
  record CallAnswer(boolean accepted, String caller) implements ClientMessage {
  }

  /**
   * {@code offer}, {@code answer} or {@code ice_candidate}: data is {@code null} (the JSON literal) when absent.
   * Parsed in place, data points into the received frame: handle the message before the handler returns, or
   * copy it ({@link RawJson#text()}) to keep it.
   */
  record Relay(RelayType type, String target, RawJson data) implements ClientMessage {
    public Relay(RelayType type, String target, String dataJson) {
      this(type, target, RawJson.of(dataJson));
    }

    public String dataJson() {
      return data.text();
    }
  }

  /** {@code call_ended} sent to {@code target}. */
  record CallEnded(String target) implements ClientMessage {
  }

  /** A JSON object whose type is missing, not a string, or not one of the above. */
  record Unknown(String type) implements ClientMessage {
  }

  /** Valid JSON that is not an object. */
  record NotObject() implements ClientMessage {
  }

  /** Not JSON at all. */
  record Invalid() implements ClientMessage {
  }

  /** Bytes that are not UTF-8: not JSON either, and in a text message a break of the WebSocket protocol. */
  record NotUtf8() implements ClientMessage {
  }

  /** The three WebRTC messages relayed with their data. */
  enum RelayType {
    OFFER("offer"), ANSWER("answer"), ICE_CANDIDATE("ice_candidate");

    public final String wire;

    RelayType(String wire) {
      this.wire = wire;
    }
  }
}
