package org.rendezvous.registry;

import org.junit.jupiter.api.Test;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The S2 API's text rules that follow Python: float printing, content types, and how json.loads reads bytes. */
class PeerApiTextTest {

  @Test
  void lastSeenPrintsAsPythonPrintsTheFloat() {
    assertEquals("1796632037.89506", PeerApi.pythonSeconds(1_796_632_037_895_060L).toPlainString());
    assertEquals("1796632037.000001", PeerApi.pythonSeconds(1_796_632_037_000_001L).toPlainString());
    assertEquals("1796632037.0", PeerApi.pythonSeconds(1_796_632_037_000_000L).toPlainString());
    assertEquals("1796632037.5", PeerApi.pythonSeconds(1_796_632_037_500_000L).toPlainString());
  }

  @Test
  void onlyJsonContentTypesAreReadAsJson() {
    for (String json : new String[] {null, "", "application/json", "APPLICATION/JSON", " application/json ; charset=utf-8",
        "application/ld+json", "application/vnd.api+json"}) {
      assertTrue(PeerApi.isJson(json), json);
    }
    for (String other : new String[] {"text/plain", "text/json", "application/jsonp", "json", "application/json/x",
        "multipart/form-data; boundary=x"}) {
      assertFalse(PeerApi.isJson(other), other);
    }
  }

  @Test
  void bytesAreDecodedByTheEncodingPythonDetects() throws Exception {
    String text = "{\"a\":\"\u00e9\"}";
    assertEquals(text, PythonJsonBytes.decode(text.getBytes(StandardCharsets.UTF_8)));
    assertEquals(text, PythonJsonBytes.decode(("\ufeff" + text).getBytes(StandardCharsets.UTF_8)), "UTF-8 mark dropped");
    assertEquals(text, PythonJsonBytes.decode(text.getBytes(StandardCharsets.UTF_16)), "UTF-16 with its mark");
    assertEquals(text, PythonJsonBytes.decode(text.getBytes(StandardCharsets.UTF_16LE)));
    assertEquals(text, PythonJsonBytes.decode(text.getBytes(StandardCharsets.UTF_16BE)));
    assertEquals(text, PythonJsonBytes.decode(text.getBytes(java.nio.charset.Charset.forName("UTF-32LE"))));
    assertEquals(text, PythonJsonBytes.decode(text.getBytes(java.nio.charset.Charset.forName("UTF-32BE"))));
    assertEquals("1", PythonJsonBytes.decode(new byte[] {'1', 0}), "two bytes, the second zero: UTF-16LE");
    assertThrows(CharacterCodingException.class, () -> PythonJsonBytes.decode(new byte[] {'{', (byte) 0xC3, '}'}));
    assertThrows(CharacterCodingException.class, () -> PythonJsonBytes.decode(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0, 1, 2, 3}));
  }
}
