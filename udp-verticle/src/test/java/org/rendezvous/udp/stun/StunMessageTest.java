package org.rendezvous.udp.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rendezvous.udp.stun.StunVectors.PASSWORD;
import static org.rendezvous.udp.stun.StunVectors.SAMPLE_IPV4_RESPONSE;
import static org.rendezvous.udp.stun.StunVectors.SAMPLE_IPV6_RESPONSE;
import static org.rendezvous.udp.stun.StunVectors.SAMPLE_REQUEST;
import static org.rendezvous.udp.stun.StunVectors.TRANSACTION_ID;
import static org.rendezvous.udp.stun.StunVectors.decode;
import static org.rendezvous.udp.stun.StunVectors.hex;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StunMessageTest {

  private static final byte[] KEY = MessageIntegrity.shortTermKey(PASSWORD);

  static Stream<Arguments> vectors() {
    return Stream.of(
        Arguments.of("2.1 sample request", SAMPLE_REQUEST),
        Arguments.of("2.2 sample IPv4 response", SAMPLE_IPV4_RESPONSE),
        Arguments.of("2.3 sample IPv6 response", SAMPLE_IPV6_RESPONSE));
  }

  @Test
  void sampleRequestReadsBackItsDocumentedAttributes() {
    StunMessage m = decode(SAMPLE_REQUEST);

    assertNotNull(m);
    assertEquals(StunMessage.METHOD_BINDING, m.method());
    assertEquals(StunMessage.CLASS_REQUEST, m.messageClass());
    assertTrue(m.hasMagicCookie());
    assertArrayEquals(TRANSACTION_ID, m.transactionId());
    assertEquals(List.of(0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028), types(m));
    assertEquals(new Software("STUN test client"), Software.readFrom(m));
    assertEquals("evtj:h6vY", new String(m.get(StunMessage.ATTR_USERNAME), StandardCharsets.UTF_8));
    assertArrayEquals(hex("6e0001ff"), m.get(0x0024));
    assertArrayEquals(hex("932ff9b151263b36"), m.get(0x8029));
  }

  @Test
  void sampleIpv4ResponseReadsBackItsMappedAddress() throws Exception {
    StunMessage m = decode(SAMPLE_IPV4_RESPONSE);

    assertNotNull(m);
    assertEquals(StunMessage.CLASS_SUCCESS, m.messageClass());
    assertArrayEquals(TRANSACTION_ID, m.transactionId());
    assertEquals(new Software("test vector"), Software.readFrom(m));
    assertEquals(new XorMappedAddress(InetAddress.getByName("192.0.2.1"), 32853), XorMappedAddress.readFrom(m));
  }

  @Test
  void sampleIpv6ResponseReadsBackItsMappedAddress() throws Exception {
    StunMessage m = decode(SAMPLE_IPV6_RESPONSE);

    assertNotNull(m);
    assertEquals(StunMessage.CLASS_SUCCESS, m.messageClass());
    assertEquals(new Software("test vector"), Software.readFrom(m));
    assertEquals(new XorMappedAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853),
        XorMappedAddress.readFrom(m));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void messageIntegrityAndFingerprintVerify(String name, byte[] vector) {
    StunMessage m = decode(vector);

    assertTrue(MessageIntegrity.verify(m, KEY));
    assertTrue(Fingerprint.verify(m));
    assertFalse(MessageIntegrity.verify(m, MessageIntegrity.shortTermKey(PASSWORD + "x")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void rebuildingFromDecodedPartsReproducesTheVector(String name, byte[] vector) {
    StunMessage decoded = decode(vector);
    StunMessage rebuilt = new StunMessage(decoded.type(), decoded.transactionId());
    for (StunMessage.Attribute a : decoded.attributes()) {
      if (a.type() != StunMessage.ATTR_MESSAGE_INTEGRITY && a.type() != StunMessage.ATTR_FINGERPRINT) {
        rebuilt.add(a);
      }
    }
    MessageIntegrity.addTo(rebuilt, KEY);
    Fingerprint.addTo(rebuilt);

    assertArrayEquals(vector, rebuilt.encode());
  }

  @Test
  void xorMappedAddressEncodesToTheVectorsValues() throws Exception {
    StunMessage v4 = new StunMessage(0x0101, TRANSACTION_ID);
    new XorMappedAddress(InetAddress.getByName("192.0.2.1"), 32853).addTo(v4);
    StunMessage v6 = new StunMessage(0x0101, TRANSACTION_ID);
    new XorMappedAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853).addTo(v6);

    assertArrayEquals(decode(SAMPLE_IPV4_RESPONSE).get(StunMessage.ATTR_XOR_MAPPED_ADDRESS),
        v4.get(StunMessage.ATTR_XOR_MAPPED_ADDRESS));
    assertArrayEquals(decode(SAMPLE_IPV6_RESPONSE).get(StunMessage.ATTR_XOR_MAPPED_ADDRESS),
        v6.get(StunMessage.ATTR_XOR_MAPPED_ADDRESS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void everySingleBitFlipIsCaughtByFingerprintOrFraming(String name, byte[] vector) {
    for (int bit = 0; bit < vector.length * 8; bit++) {
      byte[] flipped = vector.clone();
      flipped[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
      StunMessage m = decode(flipped);
      assertTrue(m == null || !Fingerprint.verify(m), "bit " + bit + " flipped, still verifies");
    }
  }

  @Test
  void aFlippedBitInTheUsernameFailsMessageIntegrity() {
    byte[] flipped = SAMPLE_REQUEST.clone();
    flipped[20 + 20 + 8 + 12 + 4] ^= 0x01; // first byte of the USERNAME value

    assertFalse(MessageIntegrity.verify(decode(flipped), KEY));
  }

  @Test
  void decodeReadsAtAnOffsetInALargerBuffer() {
    byte[] buf = new byte[SAMPLE_REQUEST.length + 11];
    Arrays.fill(buf, (byte) 0xEE);
    System.arraycopy(SAMPLE_REQUEST, 0, buf, 7, SAMPLE_REQUEST.length);

    assertArrayEquals(SAMPLE_REQUEST, StunMessage.decode(buf, 7, SAMPLE_REQUEST.length).encode());
  }

  @Test
  void receivedPaddingIsKeptSoReEncodingIsByteExact() {
    StunMessage m = decode(SAMPLE_REQUEST);
    StunMessage.Attribute username = m.attributes().get(m.indexOf(StunMessage.ATTR_USERNAME));

    assertArrayEquals(hex("202020"), username.padding());
    assertArrayEquals(SAMPLE_REQUEST, m.encode());
  }

  @Test
  void attributesWeAddArePaddedWithZeros() {
    StunMessage m = new StunMessage(0x0001, TRANSACTION_ID);
    new Software("abcde").addTo(m);

    assertArrayEquals(hex("0001 000c 2112a442 b7e7a701bc34d686fa87dfae  8022 0005 6162636465 000000"),
        m.encode());
  }

  @Test
  void messageTypePlacesClassBitsBetweenMethodBits() {
    assertEquals(0x0001, StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST));
    assertEquals(0x0011, StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_INDICATION));
    assertEquals(0x0101, StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_SUCCESS));
    assertEquals(0x0111, StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_ERROR));
    assertEquals(0x3EEF, StunMessage.type(0xFFF, StunMessage.CLASS_REQUEST));
    for (int method = 0; method <= 0xFFF; method++) {
      for (int cls = 0; cls < 4; cls++) {
        StunMessage m = new StunMessage(StunMessage.type(method, cls), TRANSACTION_ID);
        assertEquals(method, m.method());
        assertEquals(cls, m.messageClass());
      }
    }
  }

  @Test
  void rfc3489MessageKeepsItsSixteenByteTransactionId() throws Exception {
    byte[] id = hex("00112233 44556677 8899aabb ccddeeff");
    StunMessage m = new StunMessage(0x0001, id);
    new MappedAddress(InetAddress.getByName("198.51.100.7"), 4242).addTo(m);

    byte[] wire = m.encode();
    StunMessage back = decode(wire);

    assertArrayEquals(id, Arrays.copyOfRange(wire, 4, 20));
    assertFalse(back.hasMagicCookie());
    assertArrayEquals(id, back.transactionId());
    assertEquals(new MappedAddress(InetAddress.getByName("198.51.100.7"), 4242), MappedAddress.readFrom(back));
    assertThrows(IllegalStateException.class,
        () -> new XorMappedAddress(InetAddress.getByName("198.51.100.7"), 1).addTo(m));
  }

  @Test
  void xorMappedAddressIsNotReadWithoutTheCookie() {
    byte[] noCookie = SAMPLE_IPV4_RESPONSE.clone();
    noCookie[4] = 0x22;

    StunMessage m = decode(noCookie);

    assertFalse(m.hasMagicCookie());
    assertNotNull(m.get(StunMessage.ATTR_XOR_MAPPED_ADDRESS));
    assertNull(XorMappedAddress.readFrom(m));
  }

  @Test
  void aSixteenByteIdStartingWithTheCookieIsRefused() {
    byte[] id = hex("2112a442 00000000 00000000 00000000");

    assertThrows(IllegalArgumentException.class, () -> new StunMessage(0x0001, id));
  }

  @Test
  void mappedAddressRoundTripsBothFamilies() throws Exception {
    InetAddress v4 = InetAddress.getByName("203.0.113.9");
    InetAddress v6 = InetAddress.getByName("2001:db8::1");
    InetAddress v4mapped = Inet6Address.getByAddress(null, hex("00000000000000000000ffffcb007109"), -1);
    for (InetAddress address : List.of(v4, v6, v4mapped)) {
      StunMessage m = new StunMessage(0x0101, TRANSACTION_ID);
      new MappedAddress(address, 65535).addTo(m);
      new XorMappedAddress(address, 1).addTo(m);

      StunMessage back = decode(m.encode());

      assertEquals(new MappedAddress(address, 65535), MappedAddress.readFrom(back));
      assertEquals(new XorMappedAddress(address, 1), XorMappedAddress.readFrom(back));
    }
    // The family on the wire is kept: an IPv4-mapped IPv6 address does not come back as IPv4.
    StunMessage m = new StunMessage(0x0101, TRANSACTION_ID);
    new MappedAddress(v4mapped, 1).addTo(m);
    assertInstanceOf(Inet6Address.class, MappedAddress.readFrom(decode(m.encode())).address());
  }

  @Test
  void addressOfTheWrongLengthForItsFamilyIsRejected() {
    StunMessage m = new StunMessage(0x0101, TRANSACTION_ID);
    m.add(StunMessage.ATTR_MAPPED_ADDRESS, hex("0002 1234 c0000201"));
    m.add(StunMessage.ATTR_XOR_MAPPED_ADDRESS, hex("0001 1234 c0000201 00000000"));

    assertNull(MappedAddress.readFrom(m));
    assertNull(XorMappedAddress.readFrom(m));
  }

  @Test
  void errorCodeSplitsClassAndNumberOnTheWire() {
    StunMessage m = new StunMessage(0x0111, TRANSACTION_ID);
    new ErrorCode(420, "Unknown Attribute").addTo(m);

    byte[] value = m.get(StunMessage.ATTR_ERROR_CODE);

    assertArrayEquals(hex("0000 04 14"), Arrays.copyOf(value, 4));
    assertEquals(new ErrorCode(420, "Unknown Attribute"), ErrorCode.readFrom(decode(m.encode())));
    assertThrows(IllegalArgumentException.class, () -> new ErrorCode(700, "x").addTo(m));
  }

  @Test
  void errorCodeOutsideTheValidRangeReadsAsNull() {
    StunMessage m = new StunMessage(0x0111, TRANSACTION_ID);
    m.add(StunMessage.ATTR_ERROR_CODE, hex("0000 02 00"));

    assertNull(ErrorCode.readFrom(m));
  }

  @Test
  void unknownAttributesRoundTripWithAnOddCountPadded() {
    StunMessage m = new StunMessage(0x0111, TRANSACTION_ID);
    new UnknownAttributes(List.of(0x0030, 0x7FFF, 0x0002)).addTo(m);

    byte[] wire = m.encode();

    assertEquals(0, (wire.length - 20) % 4);
    assertEquals(new UnknownAttributes(List.of(0x0030, 0x7FFF, 0x0002)), UnknownAttributes.readFrom(decode(wire)));
  }

  @Test
  void fingerprintMustBeTheLastAttribute() {
    StunMessage m = new StunMessage(0x0001, TRANSACTION_ID);
    Fingerprint.addTo(m);
    assertTrue(Fingerprint.verify(decode(m.encode())));

    new Software("after").addTo(m);
    assertFalse(Fingerprint.verify(decode(m.encode())));
  }

  private static List<Integer> types(StunMessage m) {
    return m.attributes().stream().map(StunMessage.Attribute::type).toList();
  }
}
