package org.rendezvous.udp.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rendezvous.udp.stun.StunVectors.ALL;
import static org.rendezvous.udp.stun.StunVectors.PASSWORD;
import static org.rendezvous.udp.stun.StunVectors.SAMPLE_REQUEST;
import static org.rendezvous.udp.stun.StunVectors.hex;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile input for {@link StunMessage#decode} and {@link StunBindingResponder#respond}: nothing may throw,
 * and whatever the responder sends back must itself be a well-formed answer to what it read.
 */
class StunDecoderFuzzTest {

  private static final long SEED = 0x5354_554EL;
  private static final int RANDOM_INPUTS = 100_000;
  private static final int MUTATED_INPUTS = 100_000;
  private static final byte[] KEY = MessageIntegrity.shortTermKey(PASSWORD);
  private static final byte[] SOURCE_V4 = hex("cb007109");
  private static final byte[] SOURCE_V6 = hex("20010db8000000000000000000000009");

  private final StunBindingResponder responder = new StunBindingResponder("fuzz");
  private final byte[] out = new byte[1024];

  @Test
  void everyTruncationOfTheVectorsIsRejected() {
    for (byte[] vector : ALL) {
      for (int len = 0; len < vector.length; len++) {
        assertNull(StunMessage.decode(vector, 0, len), "truncated to " + len);
        assertEquals(StunBindingResponder.DROP_NOT_STUN, respond(vector, 0, len, SOURCE_V4));
        check(vector, 0, len);
        check(vector, vector.length - len, len);
      }
    }
  }

  @Test
  void everyWrongLengthFieldIsRejected() {
    for (byte[] vector : ALL) {
      for (int length = 0; length <= 0xFFFF; length++) {
        if (length == vector.length - 20) {
          continue;
        }
        byte[] bad = vector.clone();
        StunMessage.putShort(bad, 2, length);
        assertNull(StunMessage.decode(bad, 0, bad.length), "length field " + length);
        assertEquals(StunBindingResponder.DROP_NOT_STUN, respond(bad, 0, bad.length, SOURCE_V4));
      }
    }
  }

  @Test
  void alteredCookieTurnsTheVectorsIntoRfc3489MessagesWhoseFingerprintFails() {
    for (byte[] vector : ALL) {
      for (int i = 4; i < 8; i++) {
        byte[] bad = vector.clone();
        bad[i] ^= 0x10;
        StunMessage m = StunMessage.decode(bad, 0, bad.length);

        assertNotNull(m);
        assertFalse(m.hasMagicCookie());
        assertFalse(Fingerprint.verify(m));
        assertNull(XorMappedAddress.readFrom(m));
        check(bad, 0, bad.length);
      }
    }
    byte[] request = SAMPLE_REQUEST.clone();
    request[4] = 0;
    assertEquals(StunBindingResponder.DROP_MALFORMED, respond(request, 0, request.length, SOURCE_V4));
  }

  @Test
  void attributeLengthsRunningPastTheEndAreRejected() {
    for (byte[] vector : ALL) {
      StunMessage m = StunMessage.decode(vector, 0, vector.length);
      int header = 20;
      for (StunMessage.Attribute a : m.attributes()) {
        int room = vector.length - header - 4;
        for (int length = 0; length <= 0xFFFF; length++) {
          byte[] bad = vector.clone();
          StunMessage.putShort(bad, header + 2, length);
          boolean overruns = length + StunMessage.paddingLength(length) > room;
          StunMessage decoded = StunMessage.decode(bad, 0, bad.length);
          if (overruns) {
            assertNull(decoded, "attribute at " + header + " with length " + length);
          }
          check(bad, 0, bad.length);
        }
        header += 4 + a.value().length + a.padding().length;
      }
    }
    byte[] request = SAMPLE_REQUEST.clone();
    StunMessage.putShort(request, 22, 0x0100);
    assertEquals(StunBindingResponder.DROP_MALFORMED, respond(request, 0, request.length, SOURCE_V4));
  }

  @Test
  void boundsOutsideTheBufferAreRejectedNotThrown() {
    byte[] v = SAMPLE_REQUEST;
    int[][] bounds = {{-1, v.length}, {0, v.length + 1}, {1, v.length}, {v.length, 20}, {0, -20},
        {5, Integer.MAX_VALUE}, {Integer.MAX_VALUE, 20}, {Integer.MIN_VALUE, v.length}};
    for (int[] b : bounds) {
      assertNull(StunMessage.decode(v, b[0], b[1]));
      assertFalse(StunBindingResponder.isStun(v, b[0], b[1]));
      assertEquals(StunBindingResponder.DROP_NOT_STUN, respond(v, b[0], b[1], SOURCE_V4));
    }
    assertNull(StunMessage.decode(null, 0, 20));
    assertEquals(StunBindingResponder.DROP_NOT_STUN, respond(null, 0, 20, SOURCE_V4));
  }

  @Test
  void randomBytesNeverThrow() {
    Random random = new Random(SEED);
    for (int i = 0; i < RANDOM_INPUTS; i++) {
      byte[] input = new byte[random.nextInt(160)];
      random.nextBytes(input);
      if (random.nextBoolean()) {
        forgeHeader(input, random);
      }
      checkWithContext(i, input);
    }
  }

  @Test
  void randomMutationsOfValidMessagesNeverThrow() {
    Random random = new Random(SEED + 1);
    List<byte[]> seeds = new ArrayList<>(ALL);
    // Requests without FINGERPRINT too: almost any mutation breaks one, and we want answers to check.
    for (byte[] id : List.of(hex("00112233445566778899aabb"), hex("0102030405060708090a0b0c0d0e0f10"))) {
      for (boolean fingerprint : new boolean[] {false, true}) {
        StunMessage m = new StunMessage(0x0001, id);
        m.add(0x0003, new byte[4]);
        m.add(0xC001, new byte[7]);
        if (fingerprint) {
          m.add(0x0030, new byte[2]);
          Fingerprint.addTo(m);
        }
        seeds.add(m.encode());
      }
    }
    for (int i = 0; i < MUTATED_INPUTS; i++) {
      byte[] input = seeds.get(random.nextInt(seeds.size())).clone();
      for (int mutations = 1 + random.nextInt(4); mutations > 0; mutations--) {
        input = mutate(input, random);
      }
      if (input.length >= 20 && random.nextInt(4) != 0) {
        // Most mutations get a consistent length field so that they reach the attribute walk.
        StunMessage.putShort(input, 2, input.length - 20);
      }
      checkWithContext(i, input);
    }
  }

  private void checkWithContext(int iteration, byte[] input) {
    try {
      check(input, 0, input.length);
    } catch (Throwable t) {
      throw new AssertionError("input " + iteration + ": " + HexFormat.of().formatHex(input), t);
    }
  }

  /**
   * The properties every input must keep: decoding never throws and re-encodes byte-exactly; the readers
   * never throw; the responder answers only decodable Binding requests, with a response that decodes,
   * echoes the transaction id and reports the sender's address.
   */
  private void check(byte[] buf, int off, int len) {
    StunMessage m = StunMessage.decode(buf, off, len);
    if (m != null) {
      assertArrayEquals(Arrays.copyOfRange(buf, off, off + len), m.encode());
      MappedAddress.readFrom(m);
      XorMappedAddress.readFrom(m);
      Software.readFrom(m);
      ErrorCode.readFrom(m);
      UnknownAttributes.readFrom(m);
      MessageIntegrity.verify(m, KEY);
      Fingerprint.verify(m);
    }
    byte[] source = (len & 1) == 0 ? SOURCE_V4 : SOURCE_V6;
    int n = respond(buf, off, len, source);
    assertEquals(StunBindingResponder.isStun(buf, off, len), n != StunBindingResponder.DROP_NOT_STUN);
    if (n < 0) {
      return;
    }
    assertNotNull(m, "answered something that does not decode");
    assertEquals(0x0001, m.type());
    StunMessage response = StunMessage.decode(out, 0, n);
    assertNotNull(response, "response does not decode");
    assertEquals(StunMessage.METHOD_BINDING, response.method());
    assertArrayEquals(m.transactionId(), response.transactionId());
    boolean requestHasFingerprint = m.indexOf(StunMessage.ATTR_FINGERPRINT) >= 0;
    assertEquals(requestHasFingerprint, Fingerprint.verify(response));
    if (requestHasFingerprint) {
      assertTrue(Fingerprint.verify(m), "answered a request with a bad FINGERPRINT");
    }
    if (StunBindingResponder.isErrorResponse(out)) {
      assertEquals(StunMessage.CLASS_ERROR, response.messageClass());
      assertEquals(420, ErrorCode.readFrom(response).code());
      assertFalse(UnknownAttributes.readFrom(response).types().isEmpty());
    } else {
      assertEquals(StunMessage.CLASS_SUCCESS, response.messageClass());
      assertEquals(new MappedAddress(address(source), 7), MappedAddress.readFrom(response));
      if (m.hasMagicCookie()) {
        assertEquals(new XorMappedAddress(address(source), 7), XorMappedAddress.readFrom(response));
      }
    }
  }

  private int respond(byte[] buf, int off, int len, byte[] source) {
    return responder.respond(buf, off, len, source, 7, out);
  }

  /** Zero top bits, a matching length field, and usually the cookie and a Binding request type. */
  private static void forgeHeader(byte[] input, Random random) {
    if (input.length < 20) {
      return;
    }
    int len = input.length - (input.length - 20) % 4;
    StunMessage.putShort(input, 0, random.nextInt(4) == 0 ? random.nextInt(0x4000) : 0x0001);
    StunMessage.putShort(input, 2, len - 20);
    if (random.nextBoolean()) {
      StunMessage.putInt(input, 4, StunMessage.MAGIC_COOKIE);
    }
    // Keep attribute lengths small so that some random attribute walks reach the end.
    for (int pos = 20; pos + 4 <= len; pos += 4 + ((input[pos + 3] & 0x0F) + 3 & ~3)) {
      input[pos + 2] = 0;
      input[pos + 3] &= 0x0F;
    }
  }

  private static byte[] mutate(byte[] input, Random random) {
    switch (random.nextInt(5)) {
      case 0 -> {
        if (input.length > 0) {
          input[random.nextInt(input.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return input;
      }
      case 1 -> {
        if (input.length > 0) {
          input[random.nextInt(input.length)] = (byte) random.nextInt(256);
        }
        return input;
      }
      case 2 -> {
        return Arrays.copyOf(input, random.nextInt(input.length + 1));
      }
      case 3 -> {
        byte[] longer = Arrays.copyOf(input, input.length + 1 + random.nextInt(12));
        for (int i = input.length; i < longer.length; i++) {
          longer[i] = (byte) random.nextInt(256);
        }
        return longer;
      }
      default -> {
        // An attribute length field pointed somewhere random, to hit overruns and misalignment.
        if (input.length >= 24) {
          int pos = 20 + 4 * random.nextInt((input.length - 20) / 4);
          StunMessage.putShort(input, pos + 2, random.nextInt(0x10000));
        }
        return input;
      }
    }
  }

  private static InetAddress address(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
