package org.rendezvous.udp.lobby;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** S4 datagram parsing in the spec's order of checks: UTF-8, ':', type, form. */
class LobbyCodecTest {

  private static LobbyCodec.Parsed parse(String text) {
    return parse(text.getBytes(StandardCharsets.UTF_8));
  }

  private static LobbyCodec.Parsed parse(byte[] b) {
    return LobbyCodec.parse(b, 0, b.length);
  }

  private static LobbyCommand command(String text) {
    LobbyCodec.Parsed p = parse(text);
    assertEquals(LobbyCodec.Verdict.COMMAND, p.verdict(), text);
    return p.command();
  }

  private static void assertVerdict(LobbyCodec.Verdict expected, String... texts) {
    for (String t : texts) {
      assertEquals(expected, parse(t).verdict(), () -> "\"" + t.replace("\n", "\\n").replace("\r", "\\r") + "\"");
    }
  }

  @Test
  void everyFormParsesToItsCommand() {
    assertEquals(new LobbyCommand(LobbyCommand.Type.HOST, "NiceRoom", "SuperPlayer", 4, "Pass"), command("h:NiceRoom:SuperPlayer:4:Pass"));
    assertEquals(new LobbyCommand(LobbyCommand.Type.HOST, "NiceRoom", "SuperPlayer", 12, null), command("h:NiceRoom:SuperPlayer:12"));
    assertEquals(new LobbyCommand(LobbyCommand.Type.CONNECT, "NiceRoom", "CoolPlayer", 0, "Pass"), command("c:NiceRoom:CoolPlayer:Pass"));
    assertEquals(new LobbyCommand(LobbyCommand.Type.CONNECT, "NiceRoom", "CoolPlayer", 0, null), command("c:NiceRoom:CoolPlayer"));
    String[] twoArgs = {"p", "k", "x", "s", "y"};
    LobbyCommand.Type[] types = {LobbyCommand.Type.PING, LobbyCommand.Type.KICK, LobbyCommand.Type.EXIT,
        LobbyCommand.Type.START, LobbyCommand.Type.CONFIRM};
    for (int i = 0; i < twoArgs.length; i++) {
      assertEquals(new LobbyCommand(types[i], "R", "P", 0, null), command(twoArgs[i] + ":R:P"));
    }
  }

  @Test
  void everyMaxPlayersFrom2To12AndNothingElse() {
    for (int m = 2; m <= 12; m++) {
      assertEquals(m, command("h:R:P:" + m).maxPlayers());
    }
    assertVerdict(LobbyCodec.Verdict.INVALID_REQUEST, "h:R:P:0", "h:R:P:1", "h:R:P:13", "h:R:P:02", "h:R:P:20",
        "h:R:P:-4", "h:R:P:+4", "h:R:P: 4", "h:R:P:4 ", "h:R:P:x", "h:R:P:", "h:R:P:100", "h:R:P:\u0664");
  }

  @Test
  void namesAndPasswordsAreOneToTheirLimitOfAsciiLettersAndDigits() {
    command("h:ABCDEFGHIJ:abcdefghijkl:2:012345678901");
    command("c:a:Z:9");
    assertVerdict(LobbyCodec.Verdict.INVALID_REQUEST,
        "h:ABCDEFGHIJK:P:2", "h:R:abcdefghijklm:2", "h:R:P:2:0123456789012",
        "c:ABCDEFGHIJK:P", "c:R:abcdefghijklm", "c:R:P:0123456789012",
        "p:ABCDEFGHIJK:P", "p:R:abcdefghijklm",
        "h::P:2", "h:R::2", "h:R:P:2:", "c::P", "c:R:", "c:R:P:", "p::P", "p:R:", "k:R:", "s::",
        "p:R-1:P", "p:R:P_1", "p:R :P", "p:R:P ", "p:Räum:P", "p:R:Ｐ", "p:R:P\u0000", "p:R:P\t");
  }

  @Test
  void wrongFieldCountsAreInvalid() {
    assertVerdict(LobbyCodec.Verdict.INVALID_REQUEST,
        "h:R", "h:R:P", "h:R:P:4:pw:x", "h:R:P:4::",
        "c:R", "c:R:P:pw:x",
        "p:R", "p:R:P:x", "k:R", "k:R:P:Q", "x:R", "x:R:P:x", "s:R", "s:R:P:x", "y:R", "y:R:P:x",
        "p:", "p::", "p:R:P:", "p::R:P");
  }

  @Test
  void noColonAtAllIsInvalidWhateverTheText() {
    assertVerdict(LobbyCodec.Verdict.INVALID_REQUEST, "", "\n", "h", "hello", "LIST", "p R P", "ping", "\u00e9t\u00e9");
  }

  @Test
  void anUnknownTypeIsIgnored() {
    assertVerdict(LobbyCodec.Verdict.UNKNOWN_TYPE, ":R:P", "H:R:P:4", "P:R:P", "hh:R:P:4", "ping:R:P", "i:Host",
        "error:session_full", "\u00e9:R:P", " p:R:P", "p :R:P", "\np:R:P", "a:", "z:R:P", "1:R:P");
  }

  @Test
  void oneTrailingNewlineIsToleratedNothingElse() {
    assertEquals(command("p:R:P"), command("p:R:P\n"));
    assertEquals(command("h:R:P:4:pw"), command("h:R:P:4:pw\n"));
    assertVerdict(LobbyCodec.Verdict.INVALID_REQUEST, "p:R:P\n\n", "p:R:P\r\n", "p:R:P\r", "p:R:P ", "p:R\n:P",
        "h:R:P:4\n:pw", "p:R:P\u0085");
  }

  @Test
  void bytesThatAreNotUtf8AreIgnoredBeforeAnythingElse() {
    byte[][] cases = {
        {(byte) 0xff},
        {'p', ':', 'R', ':', 'P', (byte) 0x80},                // lone continuation byte
        {'p', ':', 'R', ':', 'P', (byte) 0xc3},                // truncated 2-byte sequence
        {'p', ':', (byte) 0xc0, (byte) 0xba},                  // overlong ':'
        {(byte) 0xe0, (byte) 0x80, (byte) 0xba},               // overlong 3-byte form
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80},               // an encoded surrogate (U+D800)
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},  // above U+10FFFF
        {(byte) 0xf0, (byte) 0x8f, (byte) 0xbf, (byte) 0xbf},  // overlong 4-byte form
        {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {'h', 'e', 'l', 'l', 'o', (byte) 0xfe},                // would be invalid_request if it were UTF-8
    };
    for (byte[] b : cases) {
      assertEquals(LobbyCodec.Verdict.NOT_UTF8, parse(b).verdict(), java.util.Arrays.toString(b));
    }
    // Valid multi-byte text is UTF-8 and goes on to the other checks.
    assertVerdict(LobbyCodec.Verdict.INVALID_REQUEST, "p:R:\u00e9", "p:R:\u20ac", "p:R:\ud83d\ude00", "\uffff");
  }

  @Test
  void theValidatorAgreesWithTheJdksStrictDecoderOnRandomBytes() {
    Random random = new Random(3);
    for (int i = 0; i < 200_000; i++) {
      byte[] b = new byte[random.nextInt(8)];
      for (int k = 0; k < b.length; k++) {
        // mostly the interesting high range, so multi-byte sequences actually occur
        b[k] = (byte) (random.nextInt(4) == 0 ? random.nextInt(128) : 0x80 + random.nextInt(128));
      }
      assertEquals(jdkStrict(b), LobbyCodec.isUtf8(b, 0, b.length), () -> java.util.Arrays.toString(b));
    }
  }

  private static boolean jdkStrict(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  void randomDatagramsAlwaysGetOneOfTheFourVerdictsAndCommandsRoundTrip() {
    Random random = new Random(57775);
    byte[] alphabet = "hcpkxsy:AZaz09\n\r é".getBytes(StandardCharsets.UTF_8);
    int commands = 0;
    for (int i = 0; i < 300_000; i++) {
      byte[] b = new byte[random.nextInt(40)];
      for (int k = 0; k < b.length; k++) {
        b[k] = random.nextInt(10) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
      }
      LobbyCodec.Parsed p = parse(b);
      assertNotNull(p.verdict());
      if (p.verdict() == LobbyCodec.Verdict.COMMAND) {
        commands++;
        assertEquals(p.command(), command(p.command().toWire()), "re-rendered text parses to the same request");
      } else {
        assertNull(p.command());
      }
    }
    assertTrue(commands > 0, "the alphabet makes some well-formed requests");
  }

  @Test
  void parseReadsOnlyItsSliceOfTheBuffer() {
    byte[] b = "xxp:R:Pyy".getBytes(StandardCharsets.US_ASCII);
    assertEquals(new LobbyCommand(LobbyCommand.Type.PING, "R", "P", 0, null), LobbyCodec.parse(b, 2, 5).command());
  }

  @Test
  void infoAndStartMessagesHaveTheOriginalsFormat() {
    assertEquals("i:Host", LobbyCodec.info(List.of("Host")));
    assertEquals("i:Host:Bob:Cat", LobbyCodec.info(List.of("Host", "Bob", "Cat")));
    StringBuilder s = LobbyCodec.startMessage(4001);
    LobbyCodec.appendPeer(s, true, "Bob", "10.0.0.2", 4002);
    LobbyCodec.appendPeer(s, false, "Cat", "2001:db8::1", 4003);
    assertEquals("s:4001:Bob:10.0.0.2:4002;Cat:2001:db8::1:4003", s.toString());
  }

  @Test
  void errorsHaveTheirExactWireText() {
    assertEquals(14, LobbyError.values().length);
    assertEquals("error:invalid_request", LobbyError.INVALID_REQUEST.wire());
    assertEquals("error:only_one_player_in_session", LobbyError.ONLY_ONE_PLAYER_IN_SESSION.wire());
    assertEquals("error:non_existent_player", LobbyError.NON_EXISTENT_PLAYER.wire());
    assertEquals("error:player_exited_session", LobbyError.PLAYER_EXITED_SESSION.wire());
    assertEquals("error:session_non_existent", LobbyError.SESSION_NON_EXISTENT.wire());
    assertEquals("error:player_timeout", new String(LobbyError.PLAYER_TIMEOUT.bytes(), StandardCharsets.US_ASCII));
  }
}
