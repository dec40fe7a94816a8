package org.rendezvous.ws;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientMessageParserTest {

  private static ClientMessage parse(String s) {
    return ClientMessageParser.parse(s);
  }

  @Test
  void registerKeepsTheUserIdAsItsJsonText() {
    ClientMessage.Register r = (ClientMessage.Register) parse(
        "{\"type\":\"register\",\"username\":\"alice\",\"user_id\": {\"a\" : [1, 2.50]} ,\"token\":\"t\"}");
    assertEquals("alice", r.username());
    assertEquals("{\"a\" : [1, 2.50]}", r.userIdJson());
    assertEquals("t", r.token());
    assertEquals("42", ((ClientMessage.Register) parse("{\"user_id\":42,\"type\":\"register\",\"username\":\"b\"}")).userIdJson());
    assertEquals("\"x\\\"y\"", ((ClientMessage.Register) parse("{\"type\":\"register\",\"username\":\"b\",\"user_id\":\"x\\\"y\"}"))
        .userIdJson(), "escapes stay as sent");
  }

  @Test
  void falseyNamesAndIdsCountAsMissingLikePython() {
    for (String id : List.of("\"\"", "0", "0.0", "-0", "false", "null", "[]", "{ }", "[ \n ]")) {
      ClientMessage.Register r = (ClientMessage.Register) parse("{\"type\":\"register\",\"username\":\"a\",\"user_id\":" + id + "}");
      assertNull(r.userIdJson(), id);
    }
    for (String id : List.of("\"0\"", "1", "-0.5", "true", "[0]", "{\"a\":null}", "NaN", "1e400")) {
      ClientMessage.Register r = (ClientMessage.Register) parse("{\"type\":\"register\",\"username\":\"a\",\"user_id\":" + id + "}");
      assertEquals(id, r.userIdJson(), id);
    }
    for (String name : List.of("\"\"", "null", "5", "[\"a\"]", "true")) {
      assertNull(((ClientMessage.Register) parse("{\"type\":\"register\",\"username\":" + name + ",\"user_id\":1}")).username(), name);
    }
  }

  @Test
  void everyTypeIsRecognised() {
    assertEquals(new ClientMessage.CallRequest("b"), parse("{\"type\":\"call_request\",\"target_username\":\"b\"}"));
    assertEquals(new ClientMessage.CallAnswer(true, "a"), parse("{\"type\":\"call_accepted\",\"caller_username\":\"a\"}"));
    assertEquals(new ClientMessage.CallAnswer(false, "a"), parse("{\"type\":\"call_rejected\",\"caller_username\":\"a\"}"));
    assertEquals(new ClientMessage.CallEnded("b"), parse("{\"type\":\"call_ended\",\"target_username\":\"b\"}"));
    assertEquals(new ClientMessage.Relay(ClientMessage.RelayType.OFFER, "b", "{\"sdp\":\"v=0\"}"),
        parse("{\"type\":\"offer\",\"target_username\":\"b\",\"data\":{\"sdp\":\"v=0\"}}"));
    assertEquals(new ClientMessage.Relay(ClientMessage.RelayType.ANSWER, "b", "null"), parse("{\"type\":\"answer\",\"target_username\":\"b\"}"));
    assertEquals(new ClientMessage.Relay(ClientMessage.RelayType.ICE_CANDIDATE, null, "[1]"),
        parse("{\"data\":[1],\"type\":\"ice_candidate\",\"target_username\":7}"));
    assertEquals(new ClientMessage.Unknown("dance"), parse("{\"type\":\"dance\"}"));
    assertEquals(new ClientMessage.Unknown(null), parse("{\"type\":[\"offer\"]}"));
  }

  @Test
  void aMessageInsideALargerArrayIsReadInPlace() {
    for (String message : List.of(
        "{\"type\":\"offer\",\"target_username\":\"b\",\"data\": {\"sdp\": \"v=0\\r\\n\"} }",
        "{\"data\":[1, 2] , \"type\":\"answer\",\"target_username\":\"b\"}",
        "{\"type\":\"offer\",\"target_username\":\"b\",\"data\":\"caf\u00e9\"}")) {
      byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
      byte[] framed = new byte[utf8.length + 23];
      Arrays.fill(framed, (byte) '}'); // bytes around the message that would break it if read
      System.arraycopy(utf8, 0, framed, 17, utf8.length);
      ClientMessage.Relay inPlace = (ClientMessage.Relay) ClientMessageParser.parse(framed, 17, utf8.length);
      assertEquals(parse(message), inPlace, message);
      assertEquals("b", inPlace.target());
    }
    ClientMessage.Relay r = (ClientMessage.Relay) ClientMessageParser.parse(
        "xx{\"type\":\"offer\",\"data\": [true]}yy".getBytes(StandardCharsets.US_ASCII), 2, 31);
    assertEquals("[true]", r.dataJson());
    assertEquals("{\"type\": \"offer\", \"from_username\": \"a\", \"data\": [true]}",
        new String(ServerMessages.relayUtf8(r.type(), "a", r.data()), StandardCharsets.US_ASCII));
  }

  @Test
  void theLastDuplicateKeyWins() {
    assertEquals(new ClientMessage.CallRequest("second"),
        parse("{\"type\":\"offer\",\"target_username\":\"first\",\"type\":\"call_request\",\"target_username\":\"second\"}"));
    assertEquals("{\"n\":2}", ((ClientMessage.Relay) parse("{\"type\":\"offer\",\"data\":{\"n\":1},\"data\":{\"n\":2}}")).dataJson());
  }

  @Test
  void invalidAndNonObjectInput() {
    for (String bad : List.of("", " ", "nope", "{", "{\"a\":}", "{\"a\":1} x", "{\"a\":1}{}", "{'a':1}", "{\"a\":1,}",
        "{\"a\":\"tab\tinside\"}", "\ufeff{}", "[1,]", "{\"a\":01}", "[".repeat(5000))) {
      assertInstanceOf(ClientMessage.Invalid.class, parse(bad), bad);
    }
    for (String valid : List.of("[]", "42", "\"s\"", "null", "true", " [ {\"type\":\"register\"} ] ")) {
      assertInstanceOf(ClientMessage.NotObject.class, parse(valid), valid);
    }
  }

  @Test
  void onlyTheNonNumbersPythonReadsAreAccepted() {
    for (String ok : List.of("NaN", "Infinity", "-Infinity")) {
      assertEquals(ok, ((ClientMessage.Register) parse("{\"type\":\"register\",\"username\":\"a\",\"user_id\":" + ok + "}"))
          .userIdJson(), ok);
      assertEquals("{\"x\": [" + ok + "]}",
          ((ClientMessage.Relay) parse("{\"type\":\"offer\",\"target_username\":\"b\",\"data\":{\"x\": [" + ok + "]}}")).dataJson());
    }
    // Jackson also reads these; Python's json.loads does not, so none is passed on to other clients
    for (String bad : List.of("+Infinity", "+INF", "-INF")) {
      for (String message : List.of(
          "{\"type\":\"register\",\"username\":\"a\",\"user_id\":" + bad + "}",
          "{\"type\":\"offer\",\"target_username\":\"b\",\"data\":{\"x\":[1, {\"y\":" + bad + "}]}}",
          "{\"type\":\"offer\",\"target_username\":\"b\",\"data\":" + bad + "}",
          "{\"type\":\"call_request\",\"target_username\":\"b\",\"extra\":[" + bad + "]}",
          "{\"type\":" + bad + "}",
          "[" + bad + "]",
          bad)) {
        assertInstanceOf(ClientMessage.Invalid.class, parse(message), message);
        assertInstanceOf(ClientMessage.Invalid.class, ClientMessageParser.parse(message.getBytes(StandardCharsets.US_ASCII)), message);
      }
    }
  }

  @Test
  void aNameWithHalfASurrogatePairIsNoName() {
    // "\ud800" and "?" are one text in UTF-8 (a Hazelcast key, an event-bus address): such a name is treated as absent
    assertNull(((ClientMessage.Register) parse("{\"type\":\"register\",\"username\":\"a\\ud800\",\"user_id\":1}")).username());
    assertNull(((ClientMessage.Register) parse("{\"type\":\"register\",\"username\":\"\\udc00b\",\"user_id\":1}")).username());
    assertEquals(new ClientMessage.CallRequest(null), parse("{\"type\":\"call_request\",\"target_username\":\"\\ud800\"}"));
    assertEquals(new ClientMessage.CallAnswer(true, null), parse("{\"type\":\"call_accepted\",\"caller_username\":\"\\ud800\"}"));
    assertEquals(new ClientMessage.CallEnded(null), parse("{\"type\":\"call_ended\",\"target_username\":\"x\\udfff\"}"));
    assertNull(((ClientMessage.Relay) parse("{\"type\":\"offer\",\"target_username\":\"\\ud800\",\"data\":1}")).target());
    // a whole pair is an ordinary name, escaped or not
    assertEquals("\ud83d\ude00", ((ClientMessage.Register) parse(
        "{\"type\":\"register\",\"username\":\"\\ud83d\\ude00\",\"user_id\":1}")).username());
    assertEquals(new ClientMessage.CallRequest("\ud83d\ude00"), ClientMessageParser.parse(
        "{\"type\":\"call_request\",\"target_username\":\"\ud83d\ude00\"}".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void binaryInputMustBeUtf8() {
    assertInstanceOf(ClientMessage.NotUtf8.class, ClientMessageParser.parse(new byte[] {'{', '"', (byte) 0xc3, '"', ':', '1', '}'}));
    // Forms a lenient decoder lets through: overlong, a surrogate, past U+10FFFF.
    for (byte[] bad : new byte[][] {{(byte) 0xc0, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}}) {
      byte[] message = new byte[bad.length + 10];
      System.arraycopy("{\"data\":\"".getBytes(StandardCharsets.US_ASCII), 0, message, 0, 9);
      System.arraycopy(bad, 0, message, 9, bad.length);
      message[message.length - 1] = '}';
      message[message.length - 2] = '"';
      assertInstanceOf(ClientMessage.NotUtf8.class, ClientMessageParser.parse(message), java.util.Arrays.toString(message));
    }
    assertEquals(new ClientMessage.CallRequest("Jos\u00e9"),
        ClientMessageParser.parse("{\"type\":\"call_request\",\"target_username\":\"Jos\u00e9\"}".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void asciiBytesParseExactlyAsTheirText() {
    // ASCII bytes take their own path through the parser: it must decide exactly as the text path does
    Random random = new Random(8);
    String valid = "{\"type\":\"offer\",\"target_username\":\"bob\",\"data\":{\"sdp\":\"v=0\\r\\n\",\"n\":[1,2.5,NaN,true]}, \"user_id\" : 7 }";
    for (int i = 0; i < 20_000; i++) {
      byte[] b = valid.getBytes(StandardCharsets.US_ASCII);
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(128);
      }
      String text = new String(b, StandardCharsets.US_ASCII);
      assertEquals(parse(text), ClientMessageParser.parse(b), text);
    }
    // zero bytes at the start make Jackson guess UTF-16 or UTF-32 from bytes: as text they are invalid JSON
    for (String s : List.of("{\u0000}\u0000", "\u0000{\u0000}", "\u0000\u0000\u0000{", "[\u00001]", "{\"a\u0000\":1}")) {
      assertInstanceOf(ClientMessage.Invalid.class, ClientMessageParser.parse(s.getBytes(StandardCharsets.US_ASCII)), s);
    }
  }

  @Test
  void theAsciiCheckFindsAnyHighOrZeroByteAtAnyPosition() {
    for (int length = 0; length <= 19; length++) {
      byte[] b = "abcdefghijklmnopqrs".substring(0, length).getBytes(StandardCharsets.US_ASCII);
      assertTrue(ClientMessageParser.isAsciiWithoutNul(b, 0, b.length), "length " + length);
      for (int at = 0; at < length; at++) {
        for (int bad : new int[] {0x00, 0x80, 0xc3, 0xff}) {
          byte[] flagged = b.clone();
          flagged[at] = (byte) bad;
          assertFalse(ClientMessageParser.isAsciiWithoutNul(flagged, 0, flagged.length), "byte " + bad + " at " + at + " of " + length);
        }
      }
    }
    assertTrue(ClientMessageParser.isAsciiWithoutNul(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 0x7f}, 0, 9), "0x01 and 0x7f are plain ASCII");
  }

  @Test
  void randomAndMutatedInputNeverThrows() {
    Random random = new Random(4);
    String valid = "{\"type\":\"offer\",\"target_username\":\"bob\",\"data\":{\"sdp\":\"v=0\\r\\n\",\"n\":[1,2.5,null,true]}}";
    for (int i = 0; i < 20_000; i++) {
      byte[] b = valid.getBytes(StandardCharsets.UTF_8);
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
      ClientMessage m = ClientMessageParser.parse(b);
      assertNotNull(m);
      if (m instanceof ClientMessage.Relay r) {
        // whatever was cut out as data must itself be one JSON value
        assertFalse(parse(r.dataJson()) instanceof ClientMessage.Invalid, r.dataJson());
      }
    }
    for (int i = 0; i < 5_000; i++) {
      byte[] b = new byte[random.nextInt(64)];
      random.nextBytes(b);
      assertNotNull(ClientMessageParser.parse(b));
    }
  }
}
