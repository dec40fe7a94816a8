package org.rendezvous.pairing;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hello is decoded as Go's encoding/json fills stunturn's ClientHello, and bad input is named. */
class HelloDecoderTest {

  private static HelloDecoder.Result decode(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return HelloDecoder.decode(b, b.length);
  }

  private static Hello hello(String text) {
    return assertInstanceOf(HelloDecoder.Decoded.class, decode(text), text).hello();
  }

  private static HelloDecoder.Invalid invalid(String text) {
    return assertInstanceOf(HelloDecoder.Invalid.class, decode(text), text);
  }

  @Test
  void decodesTheFourKeysTheClientSends() {
    assertEquals(new Hello("K", "1.2.3.4", "udp", "5.6.7.8:9"),
        hello("{\"uuid\":\"K\",\"target_ip\":\"1.2.3.4\",\"protocol\":\"udp\",\"address\":\"5.6.7.8:9\"}\n"));
  }

  @Test
  void keysMatchCaseInsensitivelyLikeGo() {
    assertEquals(new Hello("a", "b", "c", "d"), hello("{\"UUID\":\"a\",\"Target_IP\":\"b\",\"PROTOCOL\":\"c\",\"aDdReSs\":\"d\"}"));
    // Go folds U+017F (long s) to 's'; it does not fold the Turkish dotless i to 'i'.
    assertEquals("x", hello("{\"addre\u017fs\":\"x\"}").address());
    assertEquals("", hello("{\"uu\u0131d\":\"x\"}").uuid());
    assertEquals("", hello("{\"u_uid\":\"x\"}").uuid());
  }

  @Test
  void anEscapedKeyMatchesAfterUnescaping() {
    assertEquals("k", hello("{\"\\u0075uid\":\"k\"}").uuid());
  }

  @Test
  void unknownKeysOfAnyShapeAreIgnored() {
    assertEquals(new Hello("k", "", "", ""),
        hello("{\"x\":[1,-2.5e+3,{\"y\":[true,false,null,{}],\"z\":[]}],\"uuid\":\"k\",\"n\":0}"));
  }

  @Test
  void theLastOfRepeatedKeysWinsAndNullLeavesAFieldAlone() {
    assertEquals("b", hello("{\"uuid\":\"a\",\"UUID\":\"b\"}").uuid());
    assertEquals("a", hello("{\"uuid\":\"a\",\"uuid\":null}").uuid());
  }

  @Test
  void missingKeysAndATopLevelNullLeaveFieldsEmpty() {
    assertEquals(Hello.EMPTY, hello("{}"));
    assertEquals(Hello.EMPTY, hello(" null "));
  }

  @Test
  void whateverFollowsTheFirstValueIsIgnored() {
    assertEquals("k", hello("{\"uuid\":\"k\"}{garbage").uuid());
    assertEquals("k", hello("\r\n\t {\"uuid\":\"k\"}\n\n").uuid());
  }

  @Test
  void stringEscapesAndUtf8DecodeLikeGo() {
    assertEquals("a\"\\/\b\f\n\r\t\u00e9\uD83D\uDE00", hello("{\"uuid\":\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}").uuid());
    assertEquals("\u00e9\u20ac\uD83D\uDE00", hello("{\"uuid\":\"\u00e9\u20ac\uD83D\uDE00\"}").uuid());
    // A lone surrogate escape becomes U+FFFD; the escape after an unpaired high one stands alone.
    assertEquals("\uFFFDx", hello("{\"uuid\":\"\\ud800x\"}").uuid());
    assertEquals("\uFFFD\u0041", hello("{\"uuid\":\"\\ud800\\u0041\"}").uuid());
  }

  @Test
  void invalidUtf8BecomesOneReplacementPerBadByte() {
    // E2 82 41: a truncated three-byte sequence; Go replaces each of its bytes, then reads 'A'.
    byte[] b = {'{', '"', 'u', 'u', 'i', 'd', '"', ':', '"', (byte) 0xE2, (byte) 0x82, 'A', (byte) 0xFF,
        (byte) 0xC0, (byte) 0x80, (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'};
    Hello h = assertInstanceOf(HelloDecoder.Decoded.class, HelloDecoder.decode(b, b.length)).hello();
    assertEquals("\uFFFD\uFFFDA\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", h.uuid());
  }

  @Test
  void aKnownKeyHoldingANonStringIsAWrongType() {
    HelloDecoder.Invalid bad = invalid("{\"uuid\":5}");
    assertEquals(HelloDecoder.Kind.WRONG_TYPE, bad.kind());
    assertEquals("invalid hello: \"uuid\" must be a string, got number", bad.problem());
    assertEquals("invalid hello: \"target_ip\" must be a string, got bool", invalid("{\"Target_ip\":true}").problem());
    assertEquals("invalid hello: \"protocol\" must be a string, got object", invalid("{\"protocol\":{}}").problem());
    assertEquals("invalid hello: \"address\" must be a string, got array", invalid("{\"address\":[\"a\"]}").problem());
  }

  @Test
  void aTopLevelValueOtherThanAnObjectIsAWrongType() {
    assertEquals("invalid hello: expected a JSON object, got array", invalid("[1,2]").problem());
    assertEquals("invalid hello: expected a JSON object, got string", invalid("\"uuid\"").problem());
    assertEquals("invalid hello: expected a JSON object, got number", invalid("12 ").problem());
    assertEquals("invalid hello: expected a JSON object, got bool", invalid("true").problem());
  }

  @Test
  void syntaxErrorsNameTheCharacterAndWhere() {
    HelloDecoder.Invalid bad = invalid("hello");
    assertEquals(HelloDecoder.Kind.SYNTAX, bad.kind());
    assertEquals("invalid JSON: invalid character 'h' looking for beginning of value at offset 0", bad.problem());
    assertEquals("invalid JSON: invalid character '}' looking for beginning of object key string at offset 12",
        invalid("{\"uuid\":\"k\",}").problem());
    assertEquals("invalid JSON: invalid character 'x' after object key at offset 7", invalid("{\"uuid\"x").problem());
    assertEquals("invalid JSON: invalid character ']' after object key:value pair at offset 11", invalid("{\"uuid\":\"k\"]").problem());
    assertEquals("invalid JSON: invalid character '\\n' in string literal at offset 9", invalid("{\"uuid\":\"\n\"}").problem());
    assertEquals("invalid JSON: invalid character 'q' in string escape code at offset 10", invalid("{\"uuid\":\"\\q\"}").problem());
    assertEquals("invalid JSON: invalid character 'x' in literal true (expecting 'r') at offset 6", invalid("{\"a\":tx}").problem());
    assertEquals("invalid JSON: invalid character 'x' in numeric literal at offset 6", invalid("{\"a\":-x}").problem());
    assertEquals("invalid JSON: invalid character '}' after array element at offset 7", invalid("{\"a\":[1}").problem());
    assertEquals("invalid JSON: invalid character '1' after object key:value pair at offset 6", invalid("{\"a\":01}").problem());
  }

  @Test
  void aSyntaxErrorAnywhereWinsOverAWrongType() {
    assertEquals(HelloDecoder.Kind.SYNTAX, invalid("{\"uuid\":5,\"x\":nul!}").kind());
  }

  @Test
  void everyProperPrefixOfAHelloNeedsMore() {
    String full = "{\"uuid\":\"k\u00e9\\u00e9\\ud83d\\ude00\",\"x\":[1.5e-3,{\"y\":null}],\"target_ip\":\"1.2.3.4\"}";
    byte[] b = full.getBytes(StandardCharsets.UTF_8);
    for (int len = 0; len < b.length; len++) {
      assertInstanceOf(HelloDecoder.NeedMore.class, HelloDecoder.decode(b, len), "prefix of " + len + " bytes");
    }
    assertEquals("k\u00e9\u00e9\uD83D\uDE00", assertInstanceOf(HelloDecoder.Decoded.class, HelloDecoder.decode(b, b.length)).hello().uuid());
  }

  @Test
  void aTopLevelNumberEndsOnlyAtADelimiter() {
    assertInstanceOf(HelloDecoder.NeedMore.class, decode("123"));
    assertInstanceOf(HelloDecoder.Invalid.class, decode("123\n"));
  }

  @Test
  void nestingIsBoundedLikeGo() {
    // Go's encoding/json refuses a value nested deeper than 10,000 levels; the hello object is the first level.
    String deepest = "{\"x\":" + "[".repeat(9_999) + "]".repeat(9_999) + ",\"uuid\":\"k\"}";
    assertEquals("k", hello(deepest).uuid());
    String tooDeep = "{\"x\":" + "[".repeat(10_000);
    assertTrue(invalid(tooDeep).problem().contains("exceeded max depth"));
    // A top-level value that is not an object counts from its own first level.
    assertTrue(invalid("[".repeat(10_000) + "]".repeat(10_000)).problem().contains("expected a JSON object"));
    assertTrue(invalid("[".repeat(10_001)).problem().contains("exceeded max depth"));
  }

  /**
   * Random bytes and mutated hellos never throw, and a verdict reached on the bytes that have arrived (a hello or
   * an error) is the verdict on any longer input: the connection's reader acts on the first one.
   */
  @Test
  void aVerdictOnAPrefixIsTheVerdictOnTheWholeInput() {
    Random rnd = new Random(5);
    byte[] seed = "{\"uuid\":\"K\",\"target_ip\":\"1.2.3.4\",\"protocol\":\"udp\",\"address\":\"[::1]:9\",\"x\":[1,{\"y\":\"\\u00e9\"}]}"
        .getBytes(StandardCharsets.UTF_8);
    String structural = "{}[]\",:\\ntfu0-e.";
    for (int i = 0; i < 50_000; i++) {
      byte[] b;
      if (i % 2 == 0) {
        b = new byte[rnd.nextInt(64)];
        rnd.nextBytes(b);
        if (b.length > 0 && rnd.nextBoolean()) {
          b[0] = '{';
        }
      } else {
        b = seed.clone();
        for (int m = rnd.nextInt(4); m >= 0; m--) {
          b[rnd.nextInt(b.length)] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : structural.charAt(rnd.nextInt(structural.length())));
        }
      }
      HelloDecoder.Result onPrefix = HelloDecoder.decode(b, rnd.nextInt(b.length + 1));
      HelloDecoder.Result onWhole = HelloDecoder.decode(b, b.length);
      assertNotNull(onWhole);
      if (!(onPrefix instanceof HelloDecoder.NeedMore)) {
        assertEquals(onPrefix, onWhole, () -> java.util.Arrays.toString(b));
      }
    }
  }
}
