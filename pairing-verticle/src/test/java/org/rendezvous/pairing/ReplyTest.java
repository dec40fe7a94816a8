package org.rendezvous.pairing;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Replies are the bytes Go's json.Encoder wrote for stunturn's ClientResponse. */
class ReplyTest {

  @Test
  void errorRepliesKeepAnEmptyProtocolAndOmitThePeerAddress() {
    assertArrayEquals("{\"protocol\":\"\",\"error\":\"UUID already in use\"}\n".getBytes(StandardCharsets.UTF_8),
        Reply.error(Reply.UUID_IN_USE).encode());
    assertEquals("{\"protocol\":\"\",\"error\":\"Timed out waiting for an initiator\"}\n", Reply.error(Reply.TIMED_OUT).text());
    assertEquals("{\"protocol\":\"\",\"error\":\"Receiver with that UUID not found\"}\n", Reply.error(Reply.NOT_FOUND).text());
  }

  @Test
  void peerRepliesOmitTheEmptyError() {
    assertEquals("{\"protocol\":\"udp\",\"peer_address\":\"1.2.3.4:5\"}\n", Reply.peer("udp", "1.2.3.4:5").text());
    assertEquals("{\"protocol\":\"\"}\n", Reply.peer("", "").text());
  }

  @Test
  void keysComeInTheOrderProtocolPeerAddressError() {
    assertEquals("{\"protocol\":\"p\",\"peer_address\":\"a\",\"error\":\"e\"}\n", new Reply("p", "a", "e").text());
  }

  @Test
  void stringsAreEscapedAsGoEscapesThem() {
    assertEquals("{\"protocol\":\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\\u003c\\u003e\\u0026\\u2028\\u2029/\u00e9\uD83D\uDE00\"}\n",
        Reply.peer("\"\\\b\f\n\r\t\u0001\u001f<>&\u2028\u2029/\u00e9\uD83D\uDE00", "").text());
    assertEquals("{\"protocol\":\"\\ufffdx\\ufffd\"}\n", Reply.peer("\uD800x\uDC00", "").text());
  }

  @Test
  void nonAsciiIsSentAsUtf8() {
    assertArrayEquals(new byte[] {'{', '"', 'p', 'r', 'o', 't', 'o', 'c', 'o', 'l', '"', ':', '"', (byte) 0xC3, (byte) 0xA9, '"', '}', '\n'},
        Reply.peer("\u00e9", "").encode());
  }
}
