package org.rendezvous.registry;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.rendezvous.common.Utf16;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * The S2 {@code POST /register} body, validated the way the original FastAPI/pydantic-v2 server
 * did it (lax int, strict str), with its 422 error entries when it is not valid.
 *
 * @param errors     non-empty when the body was rejected; the request fields are then null
 * @param unreadable a JSON body whose bytes are not text in the encoding Python's {@code json.loads(bytes)} takes
 *                   them to be: it raises UnicodeDecodeError, not JSONDecodeError, and FastAPI answers 400
 *                   {@code {"detail":"There was an error parsing the body"}}
 */
record RegisterRequest(String peerId, String username, Long port, JsonArray errors, boolean unreadable) {

  private static final String[] FIELDS = {"peer_id", "username", "port"};

  private RegisterRequest(String peerId, String username, Long port, JsonArray errors) {
    this(peerId, username, port, errors, false);
  }

  boolean valid() {
    return !unreadable && errors.isEmpty();
  }


  /**
   * {@code maxChars}: the most characters (code points, as Python counts) of {@code peer_id} and {@code username};
   * longer ones get pydantic's {@code string_too_long}, as a model field with {@code max_length} would.
   */
  static RegisterRequest parse(Buffer body, boolean json, int maxChars) {
    JsonArray errors = new JsonArray();
    if (body.length() == 0) {
      errors.add(error("missing", new JsonArray().add("body"), "Field required", null));
      return new RegisterRequest(null, null, null, errors);
    }
    if (!json) {
      // FastAPI reads JSON only from a JSON content type (or none); else the model is given the raw bytes
      errors.add(error("model_attributes_type", new JsonArray().add("body"),
          "Input should be a valid dictionary or object to extract fields from", body.toString(StandardCharsets.UTF_8)));
      return new RegisterRequest(null, null, null, errors);
    }
    String text;
    try {
      text = PythonJsonBytes.decode(body.getBytes());
    } catch (CharacterCodingException e) {
      return new RegisterRequest(null, null, null, errors, true);
    }
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException e) {
      PythonJsonError where = PythonJsonError.locate(text);
      errors.add(error("json_invalid", new JsonArray().add("body").add(where.pos()), "JSON decode error",
          new JsonObject()).put("ctx", new JsonObject().put("error", where.msg())));
      return new RegisterRequest(null, null, null, errors);
    }
    if (value == null) {
      // a JSON null body is no body to FastAPI
      errors.add(error("missing", new JsonArray().add("body"), "Field required", null));
      return new RegisterRequest(null, null, null, errors);
    }
    if (!(value instanceof JsonObject obj)) {
      errors.add(error("model_attributes_type", new JsonArray().add("body"),
          "Input should be a valid dictionary or object to extract fields from", value));
      return new RegisterRequest(null, null, null, errors);
    }
    String peerId = string(obj, FIELDS[0], errors, maxChars);
    String username = string(obj, FIELDS[1], errors, maxChars);
    Long port = integer(obj, FIELDS[2], errors);
    return errors.isEmpty() ? new RegisterRequest(peerId, username, port, errors) : new RegisterRequest(null, null, null, errors);
  }

  private static String string(JsonObject obj, String field, JsonArray errors, int maxChars) {
    if (!obj.containsKey(field)) {
      errors.add(missing(obj, field));
      return null;
    }
    Object v = obj.getValue(field);
    if (v instanceof String s) {
      if (Utf16.hasLoneSurrogate(s)) {
        // JSON can escape half a surrogate pair; no UTF-8 text holds one, so it could not be stored as given.
        errors.add(error("string_unicode", loc(field),
            "Input should be a valid string, unable to parse raw data as a unicode string", s));
        return null;
      }
      if (s.length() > maxChars && s.codePointCount(0, s.length()) > maxChars) {
        errors.add(error("string_too_long", loc(field), "String should have at most " + maxChars + " characters", s)
            .put("ctx", new JsonObject().put("max_length", maxChars)));
        return null;
      }
      return s;
    }
    errors.add(error("string_type", loc(field), "Input should be a valid string", v));
    return null;
  }

  /** pydantic's lax int: integers, integral floats, booleans and numeric strings. */
  private static Long integer(JsonObject obj, String field, JsonArray errors) {
    if (!obj.containsKey(field)) {
      errors.add(missing(obj, field));
      return null;
    }
    Object v = obj.getValue(field);
    if (v instanceof Boolean b) {
      return b ? 1L : 0L;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger) {
      errors.add(error("int_parsing_size", loc(field), "Unable to parse input string as an integer, exceeded maximum size", v));
      return null;
    }
    if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      double d = ((Number) v).doubleValue();
      if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.2e18) {
        return (long) d;
      }
      if (Double.isFinite(d) && d == Math.rint(d)) {
        errors.add(error("int_parsing_size", loc(field), "Unable to parse input string as an integer, exceeded maximum size", v));
        return null;
      }
      errors.add(error("int_from_float", loc(field), "Input should be a valid integer, got a number with a fractional part", v));
      return null;
    }
    if (v instanceof String s) {
      String t = s.strip();
      int dot = t.indexOf('.');
      if (dot >= 0 && t.substring(dot + 1).chars().allMatch(c -> c == '0')) {
        t = t.substring(0, dot); // pydantic drops a decimal part of zeros: "8000.0", "8000." are 8000
      }
      if (t.matches("[+-]?[0-9]+(_[0-9]+)*")) {
        try {
          return Long.parseLong(t.replace("_", ""));
        } catch (NumberFormatException e) {
          errors.add(error("int_parsing_size", loc(field), "Unable to parse input string as an integer, exceeded maximum size", v));
          return null;
        }
      }
      errors.add(error("int_parsing", loc(field), "Input should be a valid integer, unable to parse string as an integer", v));
      return null;
    }
    errors.add(error("int_type", loc(field), "Input should be a valid integer", v));
    return null;
  }

  private static JsonObject missing(JsonObject body, String field) {
    return error("missing", loc(field), "Field required", body);
  }

  private static JsonArray loc(String field) {
    return new JsonArray().add("body").add(field);
  }

  private static JsonObject error(String type, JsonArray loc, String msg, Object input) {
    return new JsonObject().put("type", type).put("loc", loc).put("msg", msg).put("input", input);
  }

  /**
   * Where and why CPython's {@code json.loads} rejects a text (the original server's json_invalid
   * {@code loc} and {@code ctx.error}); {@code pos} counts characters, not bytes. Only asked about
   * text Jackson already rejected; what CPython would accept (NaN, Infinity) or nests too deep to
   * follow is reported as "Expecting value" at 0.
   */
  record PythonJsonError(int pos, String msg) {

    private static final int MAX_DEPTH = 1000;
    private static final String[] LITERALS = {"null", "true", "false", "NaN", "Infinity", "-Infinity"};

    /** Unwinds the scan at the first error; {@code msg} null means "cannot tell". */
    private static final class Stop extends Exception {
      private final int at;
      private final String msg;

      Stop(int at, String msg) {
        super(null, null, false, false);
        this.at = at;
        this.msg = msg;
      }
    }

    static PythonJsonError locate(String s) {
      try {
        int end = ws(s, value(s, ws(s, 0), 0));
        if (end != s.length()) {
          return at(s, end, "Extra data");
        }
      } catch (Stop e) {
        if (e.msg != null) {
          return at(s, e.at, e.msg);
        }
      }
      return new PythonJsonError(0, "Expecting value");
    }

    private static PythonJsonError at(String s, int index, String msg) {
      return new PythonJsonError(s.codePointCount(0, index), msg);
    }

    private static int value(String s, int i, int depth) throws Stop {
      if (depth > MAX_DEPTH) {
        throw new Stop(i, null);
      }
      if (i < s.length() && s.charAt(i) == '"') {
        return string(s, i);
      }
      if (i < s.length() && s.charAt(i) == '{') {
        return object(s, ws(s, i + 1), depth + 1);
      }
      if (i < s.length() && s.charAt(i) == '[') {
        return array(s, ws(s, i + 1), depth + 1);
      }
      for (String literal : LITERALS) {
        if (s.startsWith(literal, i)) {
          return i + literal.length();
        }
      }
      int end = number(s, i);
      if (end == i) {
        throw new Stop(i, "Expecting value");
      }
      return end;
    }

    private static int object(String s, int i, int depth) throws Stop {
      if (i < s.length() && s.charAt(i) == '}') {
        return i + 1;
      }
      while (true) {
        if (i >= s.length() || s.charAt(i) != '"') {
          throw new Stop(i, "Expecting property name enclosed in double quotes");
        }
        i = ws(s, string(s, i));
        if (i >= s.length() || s.charAt(i) != ':') {
          throw new Stop(i, "Expecting ':' delimiter");
        }
        i = ws(s, value(s, ws(s, i + 1), depth));
        if (i < s.length() && s.charAt(i) == '}') {
          return i + 1;
        }
        if (i >= s.length() || s.charAt(i) != ',') {
          throw new Stop(i, "Expecting ',' delimiter");
        }
        i = ws(s, i + 1);
      }
    }

    private static int array(String s, int i, int depth) throws Stop {
      if (i < s.length() && s.charAt(i) == ']') {
        return i + 1;
      }
      while (true) {
        i = ws(s, value(s, i, depth));
        if (i < s.length() && s.charAt(i) == ']') {
          return i + 1;
        }
        if (i >= s.length() || s.charAt(i) != ',') {
          throw new Stop(i, "Expecting ',' delimiter");
        }
        i = ws(s, i + 1);
      }
    }

    /** A string starting at the quote {@code q}; returns the index after its closing quote. */
    private static int string(String s, int q) throws Stop {
      int i = q + 1;
      while (true) {
        if (i >= s.length()) {
          throw new Stop(q, "Unterminated string starting at");
        }
        char c = s.charAt(i);
        if (c == '"') {
          return i + 1;
        }
        if (c < 0x20) {
          throw new Stop(i, "Invalid control character at");
        }
        if (c != '\\') {
          i++;
          continue;
        }
        if (i + 1 >= s.length()) {
          throw new Stop(q, "Unterminated string starting at");
        }
        char e = s.charAt(i + 1);
        if (e != 'u') {
          if ("\"\\/bfnrt".indexOf(e) < 0) {
            throw new Stop(i, "Invalid \\escape");
          }
          i += 2;
          continue;
        }
        // CPython wants the 4 hex digits and one more character after them; errors point at the 'u'.
        int u = i + 1;
        int code = hex4(s, u);
        i = u + 5;
        if (Character.isHighSurrogate((char) code) && i + 6 < s.length() && s.startsWith("\\u", i)) {
          int low = hex4(s, i + 1);
          if (Character.isLowSurrogate((char) low)) {
            i += 6;
          }
        }
      }
    }

    private static int hex4(String s, int u) throws Stop {
      if (u + 5 >= s.length()) {
        throw new Stop(u, "Invalid \\uXXXX escape");
      }
      int code = 0;
      for (int k = u + 1; k <= u + 4; k++) {
        char h = s.charAt(k);
        int d = h <= 'f' ? Character.digit(h, 16) : -1;
        if (d < 0) {
          throw new Stop(u, "Invalid \\uXXXX escape");
        }
        code = code * 16 + d;
      }
      return code;
    }

    /** CPython's number pattern {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?}; returns {@code i} when none. */
    private static int number(String s, int i) {
      int j = i < s.length() && s.charAt(i) == '-' ? i + 1 : i;
      if (j < s.length() && s.charAt(j) == '0') {
        j++;
      } else if (j < s.length() && s.charAt(j) >= '1' && s.charAt(j) <= '9') {
        j = digits(s, j);
      } else {
        return i;
      }
      if (j + 1 < s.length() && s.charAt(j) == '.' && isDigit(s.charAt(j + 1))) {
        j = digits(s, j + 1);
      }
      if (j < s.length() && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
        int k = j + 1 < s.length() && (s.charAt(j + 1) == '+' || s.charAt(j + 1) == '-') ? j + 2 : j + 1;
        if (k < s.length() && isDigit(s.charAt(k))) {
          j = digits(s, k);
        }
      }
      return j;
    }

    private static int digits(String s, int i) {
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
      return i;
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static int ws(String s, int i) {
      while (i < s.length() && " \t\n\r".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      return i;
    }
  }
}
