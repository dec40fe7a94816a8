package org.rendezvous.pairing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes the S1 hello from the bytes read so far, the way Go's json.Decoder fills stunturn's
 * ClientHello: the first JSON value on the connection is read (whatever follows it is ignored);
 * keys match case-insensitively, unknown keys are skipped, {@code null} leaves a field empty,
 * invalid UTF-8 becomes U+FFFD. Where the Go server closed silently on bad input, the result
 * names the problem so the client gets an error reply (SPEC S1 bad input).
 * Pure and stateless: called again with more bytes until it stops answering {@link NeedMore}.
 */
public final class HelloDecoder {

  /** Go's json scanner nests no deeper than this. */
  static final int MAX_DEPTH = 10_000;

  public sealed interface Result permits NeedMore, Decoded, Invalid {
  }

  /** The bytes so far are a valid start of a JSON value that has not ended yet. */
  public record NeedMore() implements Result {
  }

  /** A complete hello. A top-level {@code null} decodes to {@link Hello#EMPTY}, as in Go. */
  public record Decoded(Hello hello) implements Result {
  }

  /** Not a hello: {@code problem} says why, for the error reply. */
  public record Invalid(Kind kind, String problem) implements Result {
  }

  public enum Kind {
    /** Not JSON (syntax). */
    SYNTAX,
    /** JSON, but not an object, or a known key holding something other than a string. */
    WRONG_TYPE,
    /** Not complete within the size limit (set by {@link HelloReader}). */
    OVERSIZE
  }

  private static final NeedMore NEED_MORE = new NeedMore();

  private HelloDecoder() {
  }

  /** JSON's whitespace: space, tab, line feed, carriage return. */
  static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }

  /** Decodes the first JSON value in {@code buf[0, len)}. */
  public static Result decode(byte[] buf, int len) {
    try {
      return new Parser(buf, len).hello();
    } catch (EndOfInput e) {
      return NEED_MORE;
    } catch (SyntaxError e) {
      return new Invalid(Kind.SYNTAX, "invalid JSON: " + e.getMessage() + " at offset " + e.offset);
    }
  }

  /** Ran out of bytes inside the value: wait for more. */
  private static final class EndOfInput extends Exception {
    EndOfInput() {
      super(null, null, false, false);
    }
  }

  private static final class SyntaxError extends Exception {
    final int offset;

    SyntaxError(String message, int offset) {
      super(message, null, false, false);
      this.offset = offset;
    }
  }

  private static final class Parser {
    private static final EndOfInput END = new EndOfInput();

    private final byte[] buf;
    private final int len;
    private int pos;
    /** The first known key holding a non-string, reported once the whole value proved to be valid JSON. */
    private String typeProblem;

    Parser(byte[] buf, int len) {
      this.buf = buf;
      this.len = len;
    }

    Result hello() throws EndOfInput, SyntaxError {
      skipWhitespace();
      int c = peek();
      if (c == '{') {
        Hello h = object();
        return typeProblem != null ? new Invalid(Kind.WRONG_TYPE, typeProblem) : new Decoded(h);
      }
      if (c == 'n') {
        literal("null");
        return new Decoded(Hello.EMPTY);
      }
      String type = typeName(c);
      skipValue(0);
      return new Invalid(Kind.WRONG_TYPE, "invalid hello: expected a JSON object, got " + type);
    }

    private Hello object() throws EndOfInput, SyntaxError {
      pos++; // '{'
      Hello hello = Hello.EMPTY;
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return hello;
      }
      while (true) {
        String key = objectKey();
        Hello.Field field = Hello.Field.of(key);
        skipWhitespace();
        int c = peek();
        if (field != null && c == '"') {
          hello = hello.with(field, string());
        } else if (field != null && c == 'n') {
          literal("null"); // Go leaves the field as it was
        } else {
          if (field != null && typeProblem == null) {
            typeProblem = "invalid hello: \"" + field.jsonKey + "\" must be a string, got " + typeName(c);
          }
          skipValue(1); // inside the hello object, the first level
        }
        skipWhitespace();
        c = next();
        if (c == '}') {
          return hello;
        }
        if (c != ',') {
          throw unexpected(c, "after object key:value pair");
        }
        skipWhitespace();
      }
    }

    /** A key and its colon; the caller is at the key's opening quote (after whitespace). */
    private String objectKey() throws EndOfInput, SyntaxError {
      int c = peek();
      if (c != '"') {
        throw unexpected(next(), "looking for beginning of object key string");
      }
      String key = string();
      skipWhitespace();
      c = next();
      if (c != ':') {
        throw unexpected(c, "after object key");
      }
      return key;
    }

    /**
     * Any JSON value, validated and discarded, nested in {@code outerLevels} levels; nesting is tracked on an
     * explicit stack and, as in Go, refused beyond {@link #MAX_DEPTH} levels in all.
     */
    private void skipValue(int outerLevels) throws EndOfInput, SyntaxError {
      byte[] open = new byte[16];
      int depth = 0;
      while (true) {
        skipWhitespace();
        int c = peek();
        if (c == '{' || c == '[') {
          pos++;
          if (outerLevels + depth == MAX_DEPTH) {
            throw new SyntaxError("exceeded max depth", pos - 1);
          }
          if (depth == open.length) {
            open = Arrays.copyOf(open, depth * 2);
          }
          open[depth++] = (byte) c;
          skipWhitespace();
          int close = c == '{' ? '}' : ']';
          if (peek() == close) {
            pos++;
            depth--;
          } else {
            if (c == '{') {
              objectKey();
            }
            continue; // the first member's value
          }
        } else {
          scalar(c);
        }
        // After a value: close containers or move to the next member.
        while (true) {
          if (depth == 0) {
            return;
          }
          skipWhitespace();
          c = next();
          boolean inObject = open[depth - 1] == '{';
          if (c == ',') {
            skipWhitespace();
            if (inObject) {
              objectKey();
            }
            break;
          }
          if (c == (inObject ? '}' : ']')) {
            depth--;
            continue;
          }
          throw unexpected(c, inObject ? "after object key:value pair" : "after array element");
        }
      }
    }

    private void scalar(int c) throws EndOfInput, SyntaxError {
      switch (c) {
        case '"' -> string();
        case 't' -> literal("true");
        case 'f' -> literal("false");
        case 'n' -> literal("null");
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            number();
          } else {
            throw unexpected(next(), "looking for beginning of value");
          }
        }
      }
    }

    private void literal(String word) throws EndOfInput, SyntaxError {
      for (int i = 0; i < word.length(); i++) {
        int c = next();
        if (c != word.charAt(i)) {
          throw unexpected(c, "in literal " + word + " (expecting '" + word.charAt(i) + "')");
        }
      }
    }

    /** JSON number grammar; a number ends only at a byte that cannot continue it, so the end of input means "more may come". */
    private void number() throws EndOfInput, SyntaxError {
      if (peek() == '-') {
        pos++;
      }
      int c = next();
      if (c == '0') {
        // no more integer digits after a leading zero
      } else if (c >= '1' && c <= '9') {
        while (isDigit(peek())) {
          pos++;
        }
      } else {
        throw unexpected(c, "in numeric literal");
      }
      if (peek() == '.') {
        pos++;
        digits();
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        digits();
      }
    }

    private void digits() throws EndOfInput, SyntaxError {
      int c = next();
      if (!isDigit(c)) {
        throw unexpected(c, "in numeric literal");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }

    /** A string at its opening quote, unescaped; invalid UTF-8 and lone surrogates become U+FFFD like Go. */
    private String string() throws EndOfInput, SyntaxError {
      pos++; // '"'
      StringBuilder out = null;
      int start = pos;
      while (true) {
        int c = next();
        if (c == '"') {
          return out == null ? new String(buf, start, pos - 1 - start, StandardCharsets.US_ASCII) : out.toString();
        }
        if (c < 0x20) {
          throw unexpected(c, "in string literal");
        }
        if (c == '\\' || c >= 0x80) {
          if (out == null) {
            out = new StringBuilder(pos - start + 16);
            out.append(new String(buf, start, pos - 1 - start, StandardCharsets.US_ASCII));
          }
          pos--;
          if (c == '\\') {
            escape(out);
          } else {
            utf8(out);
          }
        } else if (out != null) {
          out.append((char) c);
        }
      }
    }

    private void escape(StringBuilder out) throws EndOfInput, SyntaxError {
      pos++; // '\\'
      int c = next();
      switch (c) {
        case '"', '\\', '/' -> out.append((char) c);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          int unit = hex4();
          if (Character.isHighSurrogate((char) unit) && pos + 1 < len && buf[pos] == '\\' && buf[pos + 1] == 'u') {
            int save = pos;
            pos += 2;
            int low = hex4();
            if (Character.isLowSurrogate((char) low)) {
              out.append((char) unit).append((char) low);
              return;
            }
            pos = save; // not a pair: the next escape stands alone
          } else if (Character.isHighSurrogate((char) unit) && (pos >= len || (buf[pos] == '\\' && pos + 1 >= len))) {
            throw END; // its low half may still be on the way
          }
          out.append(Character.isSurrogate((char) unit) ? '\uFFFD' : (char) unit);
        }
        default -> throw unexpected(c, "in string escape code");
      }
    }

    private int hex4() throws EndOfInput, SyntaxError {
      int v = 0;
      for (int i = 0; i < 4; i++) {
        int c = next();
        int d = Character.digit(c, 16);
        if (d < 0 || c > 'f') {
          throw unexpected(c, "in \\u hexadecimal character escape");
        }
        v = v << 4 | d;
      }
      return v;
    }

    /** One UTF-8 sequence, or U+FFFD for one byte that does not start a valid one (Go's utf8.DecodeRune). */
    private void utf8(StringBuilder out) throws EndOfInput {
      int b0 = buf[pos] & 0xff;
      int need;
      int min;
      int cp;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        need = 1;
        min = 0x80;
        cp = b0 & 0x1f;
      } else if (b0 >= 0xe0 && b0 <= 0xef) {
        need = 2;
        min = 0x800;
        cp = b0 & 0x0f;
      } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        need = 3;
        min = 0x10000;
        cp = b0 & 0x07;
      } else {
        pos++;
        out.append('\uFFFD');
        return;
      }
      for (int i = 1; i <= need; i++) {
        if (pos + i >= len) {
          throw END; // the rest of the sequence may still arrive
        }
        int b = buf[pos + i] & 0xff;
        if ((b & 0xc0) != 0x80) {
          pos++;
          out.append('\uFFFD');
          return;
        }
        cp = cp << 6 | (b & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        pos++;
        out.append('\uFFFD');
        return;
      }
      pos += need + 1;
      out.appendCodePoint(cp);
    }

    private void skipWhitespace() {
      while (pos < len && isWhitespace(buf[pos])) {
        pos++;
      }
    }

    private int peek() throws EndOfInput {
      if (pos >= len) {
        throw END;
      }
      return buf[pos] & 0xff;
    }

    private int next() throws EndOfInput {
      int c = peek();
      pos++;
      return c;
    }

    private SyntaxError unexpected(int c, String context) {
      return new SyntaxError("invalid character " + quote(c) + " " + context, pos - 1);
    }

    private static boolean isDigit(int c) {
      return c >= '0' && c <= '9';
    }

    private static String typeName(int c) {
      return switch (c) {
        case '{' -> "object";
        case '[' -> "array";
        case '"' -> "string";
        case 't', 'f' -> "bool";
        default -> "number"; // or not JSON at all, which the skip that follows reports instead
      };
    }

    /** A byte as Go's scanner quotes it in errors: 'x', '\n', '\x01'. */
    private static String quote(int c) {
      return switch (c) {
        case '\'' -> "'\\''";
        case '\n' -> "'\\n'";
        case '\r' -> "'\\r'";
        case '\t' -> "'\\t'";
        default -> c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("'\\x%02x'", c);
      };
    }
  }
}
