package org.rendezvous.ws;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import org.rendezvous.common.Utf16;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one client message (the text of a WebSocket message) into a {@link ClientMessage}, with
 * the original server's JSON rules: Python's {@code json.loads} (NaN and Infinity accepted, nothing
 * after the value, last duplicate key wins) and Python truthiness for "missing" fields.
 * Streaming, no tree: the echoed values (user_id, data) are cut from the input as they are.
 */
public final class ClientMessageParser {

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW_BITS = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;

  private ClientMessageParser() {
  }

  /** A message as it came off the socket: its bytes must be UTF-8 (as the original decoded them), else it is invalid JSON. */
  public static ClientMessage parse(byte[] utf8) {
    return parse(utf8, 0, utf8.length);
  }

  /**
   * {@link #parse(byte[])} of {@code length} bytes of {@code utf8} from {@code offset}, read in place: a relay's
   * data is a range of this array, so the array must not change until the message has been handled.
   */
  public static ClientMessage parse(byte[] utf8, int offset, int length) {
    if (isAsciiWithoutNul(utf8, offset, length)) {
      // Nearly every message (SDP, ICE, ASCII names) is ASCII: valid UTF-8 with one char per byte, so the
      // parser reads the bytes as they are and no text is decoded first. NUL is left to the text path
      // (it is invalid JSON there) because Jackson takes zero bytes at the start for UTF-16 or UTF-32.
      try (JsonParser p = JSON.createParser(utf8, offset, length)) {
        return parse(p, new AsciiInput(utf8, offset));
      } catch (IOException | RuntimeException e) {
        return new ClientMessage.Invalid();
      }
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(utf8, offset, length)).toString();
      return parse(text);
    } catch (CharacterCodingException e) {
      return new ClientMessage.NotUtf8();
    }
  }

  public static ClientMessage parse(String text) {
    try (JsonParser p = JSON.createParser(text)) {
      return parse(p, new TextInput(text));
    } catch (IOException | RuntimeException e) {
      return new ClientMessage.Invalid();
    }
  }

  /** Throws Jackson's parse errors, and its limits (nesting depth, number and string lengths): invalid JSON. */
  private static ClientMessage parse(JsonParser p, Input input) throws IOException {
    JsonToken first = p.nextToken();
    if (first == null) {
      return new ClientMessage.Invalid();
    }
    if (first != JsonToken.START_OBJECT) {
      skipValue(p, first);
      return p.nextToken() == null ? new ClientMessage.NotObject() : new ClientMessage.Invalid();
    }
    Fields f = readObject(p, input);
    if (p.nextToken() != null) {
      return new ClientMessage.Invalid(); // Python: "Extra data"
    }
    return f.toMessage();
  }

  /**
   * Every byte is 0x01..0x7f, checked eight at a time: a byte of 0x80 or more has its high bit set, and a
   * zero byte sets it in {@code word - 0x0101…} (a borrow it passes on can only flag bytes after a real zero).
   */
  static boolean isAsciiWithoutNul(byte[] b, int offset, int length) {
    long flagged = 0;
    int i = offset;
    int end = offset + length;
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      long word = (long) LONGS.get(b, i);
      flagged |= word | (word - LOW_BITS);
    }
    for (; i < end; i++) {
      flagged |= b[i] <= 0 ? HIGH_BITS : 0;
    }
    return (flagged & HIGH_BITS) == 0;
  }

  /**
   * The message the parser reads, so a value's text can be cut out of it by the parser's offsets
   * (chars for text, bytes for ASCII bytes: the same numbers, since ASCII is one byte per char).
   */
  private interface Input {
    int offset(JsonLocation at);

    char charAt(int i);

    String cut(int start, int end);

    RawJson raw(int start, int end);
  }

  private record TextInput(String text) implements Input {
    public int offset(JsonLocation at) {
      return (int) at.getCharOffset();
    }

    public char charAt(int i) {
      return text.charAt(i);
    }

    public String cut(int start, int end) {
      return text.substring(start, end);
    }

    public RawJson raw(int start, int end) {
      return RawJson.of(cut(start, end));
    }
  }

  /** ASCII bytes read in place from {@code base}: Jackson's byte offsets count from there. */
  private record AsciiInput(byte[] bytes, int base) implements Input {
    public int offset(JsonLocation at) {
      return base + (int) at.getByteOffset();
    }

    public char charAt(int i) {
      return (char) bytes[i];
    }

    public String cut(int start, int end) {
      return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
    }

    public RawJson raw(int start, int end) {
      return new RawJson(bytes, start, end - start);
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
    RawJson data;

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
      return new ClientMessage.Relay(t, target, data == null ? RawJson.NULL : data);
    }
  }

  private static Fields readObject(JsonParser p, Input input) throws IOException {
    Fields f = new Fields();
    String rawField = null; // a field whose value's text is cut out once the next token shows where it ends
    int rawStart = 0;
    boolean rawTruthy = false;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
      if (rawField != null) {
        keepRaw(f, input, rawField, rawTruthy, rawStart, input.offset(p.currentTokenLocation()));
        rawField = null;
      }
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "type" -> f.type = stringOrNull(p, v);
        case "username" -> {
          String s = nameOrNull(p, v);
          f.username = s == null || s.isEmpty() ? null : s;
        }
        case "token" -> f.token = stringOrNull(p, v);
        case "target_username" -> f.target = nameOrNull(p, v);
        case "caller_username" -> f.caller = nameOrNull(p, v);
        case "user_id", "data" -> {
          rawField = name;
          rawStart = input.offset(p.currentTokenLocation());
          rawTruthy = truthy(p, v);
          skipValue(p, v);
        }
        default -> skipValue(p, v);
      }
    }
    if (rawField != null) {
      keepRaw(f, input, rawField, rawTruthy, rawStart, input.offset(p.currentTokenLocation()));
    }
    return f;
  }

  /** A value kept as its JSON text: user_id only when Python would call it true, data always. */
  private static void keepRaw(Fields f, Input input, String field, boolean truthy, int start, int nextToken) {
    int end = valueEnd(input, start, nextToken);
    if (field.equals("user_id")) {
      String raw = input.cut(start, end);
      f.userIdJson = truthy && !isEmptyContainer(raw) ? raw : null;
    } else {
      f.data = input.raw(start, end);
    }
  }

  /** Where the value that starts at {@code start} ends: before the whitespace and separating comma ahead of the next token. */
  private static int valueEnd(Input input, int start, int nextToken) {
    int end = nextToken;
    while (end > start && isJsonSpace(input.charAt(end - 1))) {
      end--;
    }
    if (end > start && input.charAt(end - 1) == ',') {
      end--;
      while (end > start && isJsonSpace(input.charAt(end - 1))) {
        end--;
      }
    }
    return end;
  }

  private static boolean isJsonSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private static String stringOrNull(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    skipValue(p, v);
    return null;
  }

  /**
   * A user name, or null (as if absent) when it holds half a surrogate pair: such a name has no UTF-8 form,
   * so as a key of the cluster's user map and in its event-bus address it would be the same name as one with
   * {@code ?} in its place. No user can register it, and none is found under it.
   */
  private static String nameOrNull(JsonParser p, JsonToken v) throws IOException {
    String s = stringOrNull(p, v);
    return s == null || Utf16.hasLoneSurrogate(s) ? null : s;
  }

  /**
   * Moves past the value whose first token is {@code v}, as {@link JsonParser#skipChildren()} does, checking
   * every number on the way: Jackson's non-numeric numbers include {@code +Infinity}, {@code +INF} and
   * {@code -INF}, which Python's json.loads refuses (it reads NaN, Infinity and -Infinity only), so they make
   * the message invalid JSON instead of being echoed to other clients.
   */
  private static void skipValue(JsonParser p, JsonToken v) throws IOException {
    checkNumber(p, v);
    if (v != JsonToken.START_OBJECT && v != JsonToken.START_ARRAY) {
      return;
    }
    int depth = 1;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new JsonParseException(p, "unexpected end of input");
      }
      switch (t) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        default -> checkNumber(p, t);
      }
    }
  }

  private static void checkNumber(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_FLOAT && p.isNaN()) {
      String text = p.getText();
      if (!text.equals("NaN") && !text.equals("Infinity") && !text.equals("-Infinity")) {
        throw new JsonParseException(p, "not a number Python reads: " + text);
      }
    }
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
