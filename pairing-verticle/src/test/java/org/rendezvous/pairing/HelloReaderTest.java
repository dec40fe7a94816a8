package org.rendezvous.pairing;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A hello arriving in pieces is reassembled; one that cannot end within the limit is refused. */
class HelloReaderTest {

  private static Buffer bytes(byte[] b, int from, int to) {
    return Buffer.buffer(Arrays.copyOfRange(b, from, to));
  }

  @Test
  void aHelloInOneByteChunksIsDecodedAtItsLastByte() {
    byte[] h = "{\"uuid\":\"k\u00e9\",\"target_ip\":\"1.2.3.4\"}".getBytes(StandardCharsets.UTF_8);
    HelloReader r = new HelloReader(4096);
    for (int i = 0; i < h.length - 1; i++) {
      assertInstanceOf(HelloDecoder.NeedMore.class, r.offer(bytes(h, i, i + 1)), "after byte " + i);
    }
    Hello hello = assertInstanceOf(HelloDecoder.Decoded.class, r.offer(bytes(h, h.length - 1, h.length))).hello();
    assertEquals(new Hello("k\u00e9", "1.2.3.4", "", ""), hello);
  }

  @Test
  void bytesAfterTheHelloInTheSameChunkAreIgnored() {
    byte[] h = "{\"uuid\":\"k\"}\n{\"uuid\":\"other\"}".getBytes(StandardCharsets.UTF_8);
    assertEquals("k", assertInstanceOf(HelloDecoder.Decoded.class, new HelloReader(4096).offer(Buffer.buffer(h))).hello().uuid());
  }

  @Test
  void aHelloEndingExactlyAtTheLimitIsAcceptedOneByteMoreIsNot() {
    String head = "{\"uuid\":\"";
    String fits = head + "a".repeat(100 - head.length() - 2) + "\"}";
    assertEquals(100, fits.length());
    assertInstanceOf(HelloDecoder.Decoded.class, new HelloReader(100).offer(Buffer.buffer(fits)));
    String over = head + "a".repeat(100 - head.length() - 1) + "\"}";
    HelloDecoder.Invalid bad = assertInstanceOf(HelloDecoder.Invalid.class, new HelloReader(100).offer(Buffer.buffer(over)));
    assertEquals(HelloDecoder.Kind.OVERSIZE, bad.kind());
    assertEquals("hello larger than 100 bytes", bad.problem());
  }

  @Test
  void theLimitHoldsAcrossChunks() {
    HelloReader r = new HelloReader(100);
    assertInstanceOf(HelloDecoder.NeedMore.class, r.offer(Buffer.buffer("{\"uuid\":\"" + "a".repeat(50))));
    assertInstanceOf(HelloDecoder.Invalid.class, r.offer(Buffer.buffer("a".repeat(50))));
  }
}
