package org.rendezvous.ws;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one client message (the text of a WebSocket message) into a {@link ClientMessage}, with
 * the original server's JSON rules: Python's {@code json.loads} (NaN and Infinity accepted, nothing
 * after the value, last duplicate key wins) and Python truthiness for "missing" fields.
 * Streaming, no tree: the echoed values (user_id, data) are cut from the input text as they are.
 */
public final class ClientMessageParser {

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  private ClientMessageParser() {
  }

  /** A binary frame: its bytes must be UTF-8 (as the original decoded them), else it is invalid JSON. */
  public static ClientMessage parse(byte[] utf8) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(utf8)).toString();
      return parse(text);
    } catch (CharacterCodingException e) {
      return new ClientMessage.Invalid();
    }
  }

  public static ClientMessage parse(String text) {
    try (JsonParser p = JSON.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return new ClientMessage.Invalid();
      }
      if (first != JsonToken.START_OBJECT) {
        p.skipChildren();
        return p.nextToken() == null ? new ClientMessage.NotObject() : new ClientMessage.Invalid();
      }
      Fields f = readObject(p, text);
      if (p.nextToken() != null) {
        return new ClientMessage.Invalid(); // Python: "Extra data"
      }
      return f.toMessage();
    } catch (IOException | RuntimeException e) {
      // Jackson's parse errors, and its limits (nesting depth, number and string lengths)
      return new ClientMessage.Invalid();
    }
  }

  /** The fields S3 reads from a message object; the rest are skipped. */
  private static final class Fields {
    String type;
    String username;
    String userIdJson;
    String token;
    String target;
    String caller;
    String dataJson;

    ClientMessage toMessage() {
      if (type == null) {
        return new ClientMessage.Unknown(null);
      }
      return switch (type) {
        case "register" -> new ClientMessage.Register(username, userIdJson, token);
        case "call_request" -> new ClientMessage.CallRequest(target);
        case "call_accepted" -> new ClientMessage.CallAnswer(true, caller);
        case "call_rejected" -> new ClientMessage.CallAnswer(false, caller);
        case "offer" -> relay(ClientMessage.RelayType.OFFER);
        case "answer" -> relay(ClientMessage.RelayType.ANSWER);
        case "ice_candidate" -> relay(ClientMessage.RelayType.ICE_CANDIDATE);
        case "call_ended" -> new ClientMessage.CallEnded(target);
        default -> new ClientMessage.Unknown(type);
      };
    }

    private ClientMessage relay(ClientMessage.RelayType t) {
      return new ClientMessage.Relay(t, target, dataJson == null ? "null" : dataJson);
    }
  }

  private static Fields readObject(JsonParser p, String text) throws IOException {
    Fields f = new Fields();
    String rawField = null; // a field whose value's text is cut out once the next token shows where it ends
    int rawStart = 0;
    boolean rawTruthy = false;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
      int here = (int) p.currentTokenLocation().getCharOffset();
      if (rawField != null) {
        String raw = cut(text, rawStart, here);
        if (rawField.equals("user_id")) {
          f.userIdJson = rawTruthy && !isEmptyContainer(raw) ? raw : null;
        } else {
          f.dataJson = raw;
        }
        rawField = null;
      }
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "type" -> f.type = stringOrNull(p, v);
        case "username" -> {
          String s = stringOrNull(p, v);
          f.username = s == null || s.isEmpty() ? null : s;
        }
        case "token" -> f.token = stringOrNull(p, v);
        case "target_username" -> f.target = stringOrNull(p, v);
        case "caller_username" -> f.caller = stringOrNull(p, v);
        case "user_id", "data" -> {
          rawField = name;
          rawStart = (int) p.currentTokenLocation().getCharOffset();
          rawTruthy = truthy(p, v);
          p.skipChildren();
        }
        default -> p.skipChildren();
      }
    }
    if (rawField != null) {
      String raw = cut(text, rawStart, (int) p.currentTokenLocation().getCharOffset());
      if (rawField.equals("user_id")) {
        f.userIdJson = rawTruthy && !isEmptyContainer(raw) ? raw : null;
      } else {
        f.dataJson = raw;
      }
    }
    return f;
  }

  /** The value text between its start and the next token: trailing whitespace and the separating comma removed. */
  private static String cut(String text, int start, int nextToken) {
    int end = nextToken;
    while (end > start && isJsonSpace(text.charAt(end - 1))) {
      end--;
    }
    if (end > start && text.charAt(end - 1) == ',') {
      end--;
      while (end > start && isJsonSpace(text.charAt(end - 1))) {
        end--;
      }
    }
    return text.substring(start, end);
  }

  private static boolean isJsonSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private static String stringOrNull(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  /** Python's bool() of a scalar; containers are judged afterwards from their text. */
  private static boolean truthy(JsonParser p, JsonToken v) throws IOException {
    return switch (v) {
      case VALUE_STRING -> !p.getText().isEmpty();
      case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
          ? p.getBigIntegerValue().signum() != 0 : p.getLongValue() != 0;
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue() != 0.0;
      case VALUE_TRUE, START_OBJECT, START_ARRAY -> true;
      default -> false;
    };
  }

  private static boolean isEmptyContainer(String raw) {
    char c = raw.charAt(0);
    return (c == '{' || c == '[') && raw.substring(1, raw.length() - 1).isBlank();
  }
}
