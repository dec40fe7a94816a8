package org.rendezvous.udp.lite;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiteRequestTest {

  private static LiteRequest parse(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return LiteRequest.parse(b, 0, b.length, 64);
  }

  private static LiteRequest parse(byte[] b) {
    return LiteRequest.parse(b, 0, b.length, 64);
  }

  @Test
  void listIsCaseInsensitiveAndSurroundedByWhitespaceIsStillList() {
    for (String s : new String[] {"LIST", "list", "LiSt", "  list\r\n", "\tLIST\u000b", "\u3000list\u00a0"}) {
      assertEquals(LiteRequest.Kind.LIST, parse(s).kind(), s);
    }
  }

  @Test
  void pythonUpperCaseRulesMakeDotlessIAndLongSList() {
    // Python: "lıst".upper() == "LIST" and "liſt".upper() == "LIST"; the original answered these with the list.
    assertEquals(LiteRequest.Kind.LIST, parse("l\u0131st").kind());
    assertEquals(LiteRequest.Kind.LIST, parse("li\u017ft").kind());
  }

  @Test
  void heartbeatNameIsStrippedOfPythonWhitespaceOnly() {
    LiteRequest r = parse("\u2003 Alice Smith\u0085\n");
    assertEquals(LiteRequest.Kind.HEARTBEAT, r.kind());
    assertEquals("Alice Smith", r.name());
    // U+200B (zero width space) is not whitespace for Python's str.strip()
    assertEquals("\u200bBob", parse("\u200bBob ").name());
  }

  @Test
  void invalidUtf8BytesAreDroppedNotReplaced() {
    byte[] b = {'b', 'o', (byte) 0xff, 'b', (byte) 0xc3};
    LiteRequest r = parse(b);
    assertEquals(LiteRequest.Kind.HEARTBEAT, r.kind());
    assertEquals("bob", r.name());
  }

  @Test
  void namesThatWouldCorruptTheCsvAreInvalid() {
    for (String s : new String[] {"", "   ", "a,b", "line\nbreak", "cr\rname", "tab\there", "nul\u0000", "del\u007f",
        "ls\u2028x"}) {
      assertEquals(LiteRequest.Kind.INVALID_NAME, parse(s).kind(), () -> "name " + Arrays.toString(s.getBytes()));
    }
  }

  @Test
  void nameLengthIsLimitedInUtf8Bytes() {
    assertEquals(LiteRequest.Kind.HEARTBEAT, parse("a".repeat(64)).kind());
    assertEquals(LiteRequest.Kind.INVALID_NAME, parse("a".repeat(65)).kind());
    // 22 three-byte characters are 66 bytes
    assertEquals(LiteRequest.Kind.INVALID_NAME, parse("\u20ac".repeat(22)).kind());
    assertEquals(LiteRequest.Kind.HEARTBEAT, parse("\u20ac".repeat(21)).kind());
    // 16 four-byte characters (surrogate pairs) are exactly 64 bytes
    assertEquals(LiteRequest.Kind.HEARTBEAT, parse("\ud83d\ude00".repeat(16)).kind());
    assertEquals(LiteRequest.Kind.INVALID_NAME, parse("\ud83d\ude00".repeat(16) + "x").kind());
  }

  @Test
  void onlyTheFirst1024BytesAreRead() {
    byte[] b = new byte[1500];
    Arrays.fill(b, (byte) ' ');
    System.arraycopy("list".getBytes(StandardCharsets.US_ASCII), 0, b, 1020, 4);
    assertEquals(LiteRequest.Kind.LIST, parse(b).kind(), "LIST ending exactly at byte 1024");
    System.arraycopy("list".getBytes(StandardCharsets.US_ASCII), 0, b, 1021, 4);
    b[1020] = ' ';
    assertEquals(LiteRequest.Kind.HEARTBEAT, LiteRequest.parse(b, 0, b.length, 1024).kind(),
        "'lis' after truncation is a name, and not LIST");
    assertEquals("lis", LiteRequest.parse(b, 0, b.length, 1024).name());
  }

  /** Whatever arrives, a name that is stored can go into a CSV line of the LIST reply as it is. */
  @Test
  void randomBytesNeverThrowAndEveryNameKeptIsSafeForTheList() {
    Random rnd = new Random(42);
    int names = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[rnd.nextInt(i % 2 == 0 ? 1400 : 12)];
      rnd.nextBytes(b);
      LiteRequest r = parse(b);
      if (r.kind() == LiteRequest.Kind.HEARTBEAT) {
        names++;
        String name = r.name();
        assertFalse(name.isEmpty());
        assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= 64, name);
        assertEquals(name, LiteRequest.strip(name), "stripped");
        name.chars().forEach(c -> {
          assertTrue(c != ',' && c != '\n' && c != '\r' && !Character.isISOControl(c) && c != 0x2028 && c != 0x2029,
              () -> "character " + c + " in " + name);
        });
      }
    }
    assertTrue(names > 100, "short random datagrams often make valid names: " + names);
  }
}
