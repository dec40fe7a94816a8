package org.rendezvous.udp.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.rendezvous.udp.stun.StunVectors.SAMPLE_IPV4_RESPONSE;
import static org.rendezvous.udp.stun.StunVectors.SAMPLE_REQUEST;
import static org.rendezvous.udp.stun.StunVectors.TRANSACTION_ID;
import static org.rendezvous.udp.stun.StunVectors.decode;
import static org.rendezvous.udp.stun.StunVectors.hex;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StunBindingResponderTest {

  private static final byte[] CLIENT_V4 = hex("c6336407");                         // 198.51.100.7
  private static final byte[] CLIENT_V6 = hex("20010db8000000000000000000000042"); // 2001:db8::42
  private static final int CLIENT_PORT = 54321;
  private static final byte[] CLASSIC_ID = hex("0102030405060708090a0b0c0d0e0f10");

  private final StunBindingResponder responder = new StunBindingResponder("Rendezvous test");
  private final byte[] out = new byte[1024];

  @Test
  void ipv4ClientGetsXorMappedMappedAndSoftwareInThatOrder() throws Exception {
    StunMessage response = answer(request(TRANSACTION_ID, m -> { }, false), CLIENT_V4);

    InetAddress client = InetAddress.getByAddress(CLIENT_V4);
    assertEquals(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_SUCCESS), response.type());
    assertArrayEquals(TRANSACTION_ID, response.transactionId());
    assertEquals(List.of(0x0020, 0x0001, 0x8022), types(response));
    assertEquals(new XorMappedAddress(client, CLIENT_PORT), XorMappedAddress.readFrom(response));
    assertEquals(new MappedAddress(client, CLIENT_PORT), MappedAddress.readFrom(response));
    assertEquals(new Software("Rendezvous test"), Software.readFrom(response));
    assertFalse(StunBindingResponder.isErrorResponse(out));
  }

  @Test
  void ipv6ClientGetsItsAddressInBothAttributes() throws Exception {
    StunMessage response = answer(request(TRANSACTION_ID, m -> { }, false), CLIENT_V6);

    InetAddress client = InetAddress.getByAddress(CLIENT_V6);
    assertArrayEquals(TRANSACTION_ID, response.transactionId());
    assertEquals(new XorMappedAddress(client, CLIENT_PORT), XorMappedAddress.readFrom(response));
    assertEquals(new MappedAddress(client, CLIENT_PORT), MappedAddress.readFrom(response));
  }

  @Test
  void fingerprintIsAddedAndValidWhenTheRequestCarriedOne() {
    StunMessage response = answer(request(TRANSACTION_ID, m -> { }, true), CLIENT_V6);

    assertEquals(List.of(0x0020, 0x0001, 0x8022, 0x8028), types(response));
    assertTrue(Fingerprint.verify(response));
  }

  @Test
  void noFingerprintWhenTheRequestHadNone() {
    StunMessage response = answer(request(TRANSACTION_ID, m -> { }, false), CLIENT_V4);

    assertEquals(-1, response.indexOf(StunMessage.ATTR_FINGERPRINT));
  }

  @Test
  void rfc5769SampleRequestIsAnsweredWithoutCheckingItsIntegrity() {
    StunMessage response = answer(SAMPLE_REQUEST, CLIENT_V4);

    assertEquals(StunMessage.CLASS_SUCCESS, response.messageClass());
    assertArrayEquals(TRANSACTION_ID, response.transactionId());
    assertTrue(Fingerprint.verify(response));
  }

  @Test
  void rfc3489RequestGetsMappedAddressOnlyAndItsSixteenByteIdBack() throws Exception {
    StunMessage response = answer(request(CLASSIC_ID, m -> { }, false), CLIENT_V4);

    assertFalse(response.hasMagicCookie());
    assertArrayEquals(CLASSIC_ID, response.transactionId());
    assertArrayEquals(CLASSIC_ID, Arrays.copyOfRange(out, 4, 20));
    assertEquals(-1, response.indexOf(StunMessage.ATTR_XOR_MAPPED_ADDRESS));
    assertEquals(new MappedAddress(InetAddress.getByAddress(CLIENT_V4), CLIENT_PORT),
        MappedAddress.readFrom(response));
  }

  @Test
  void rfc3489ChangeRequestAndResponseAddressAreAcceptedNotRefused() {
    byte[] req = request(CLASSIC_ID, m -> {
      m.add(0x0003, hex("00000006"));         // CHANGE-REQUEST: change IP and port
      m.add(0x0002, hex("0001 1234 0a000001")); // RESPONSE-ADDRESS
    }, false);

    StunMessage response = answer(req, CLIENT_V4);

    assertEquals(StunMessage.CLASS_SUCCESS, response.messageClass());
  }

  @ParameterizedTest(name = "attribute type {0}")
  @ValueSource(ints = {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009, 0x000A, 0x000B,
      0x0014, 0x0015, 0x001C, 0x001D, 0x001E, 0x0020, 0x0024, 0x0025, 0x0026, 0x0027})
  void knownComprehensionRequiredAttributeIsNotRefused(int type) {
    StunMessage response = answer(request(TRANSACTION_ID, m -> m.add(type, new byte[4]), false), CLIENT_V4);

    assertEquals(StunMessage.CLASS_SUCCESS, response.messageClass());
  }

  @Test
  void unknownComprehensionRequiredAttributesGet420ListingThem() {
    byte[] req = request(TRANSACTION_ID, m -> {
      m.add(0x0030, new byte[1]);
      m.add(0x8123, new byte[2]);
      m.add(0x7FFF, new byte[0]);
      m.add(0x0030, new byte[3]);
      m.add(0x0042, new byte[8]);
    }, true);

    StunMessage response = answer(req, CLIENT_V4);

    assertTrue(StunBindingResponder.isErrorResponse(out));
    assertEquals(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_ERROR), response.type());
    assertArrayEquals(TRANSACTION_ID, response.transactionId());
    assertEquals(420, ErrorCode.readFrom(response).code());
    assertEquals(new UnknownAttributes(List.of(0x0030, 0x7FFF, 0x0042)), UnknownAttributes.readFrom(response));
    assertNull(MappedAddress.readFrom(response));
    assertTrue(Fingerprint.verify(response));
  }

  @Test
  void rfc3489ClientGets420WithoutPaddingItCannotParse() {
    byte[] req = request(CLASSIC_ID, m -> {
      m.add(0x0030, new byte[4]);
      m.add(0x0042, new byte[4]);
      m.add(0x0043, new byte[4]);
    }, false);

    StunMessage response = answer(req, CLIENT_V4);

    assertEquals(420, ErrorCode.readFrom(response).code());
    assertEquals("Unknown Attribute", ErrorCode.readFrom(response).reason().stripTrailing());
    // RFC 3489 §11.2.9: an odd list repeats a type, and both attributes are whole 4-byte words.
    assertEquals(new UnknownAttributes(List.of(0x0030, 0x0042, 0x0043, 0x0043)), UnknownAttributes.readFrom(response));
    for (StunMessage.Attribute a : response.attributes()) {
      if (a.type() == StunMessage.ATTR_ERROR_CODE || a.type() == StunMessage.ATTR_UNKNOWN_ATTRIBUTES) {
        assertEquals(0, a.value().length % 4, "attribute 0x" + Integer.toHexString(a.type()) + " needs padding");
      }
    }
    assertArrayEquals(CLASSIC_ID, response.transactionId());
  }

  @ParameterizedTest(name = "integrity attribute {0}")
  @ValueSource(ints = {0x0008, 0x001C})
  void unknownAttributesAfterMessageIntegrityAreIgnored(int integrityType) {
    byte[] after = request(TRANSACTION_ID, m -> {
      m.add(StunMessage.ATTR_USERNAME, "user".getBytes(StandardCharsets.UTF_8));
      m.add(integrityType, new byte[integrityType == 0x0008 ? 20 : 32]);
      m.add(0x0033, new byte[4]);
    }, true);
    byte[] before = request(TRANSACTION_ID, m -> {
      m.add(0x0033, new byte[4]);
      m.add(integrityType, new byte[integrityType == 0x0008 ? 20 : 32]);
    }, true);

    assertEquals(StunMessage.CLASS_SUCCESS, answer(after, CLIENT_V4).messageClass());
    assertEquals(new UnknownAttributes(List.of(0x0033)), UnknownAttributes.readFrom(answer(before, CLIENT_V4)));
  }

  @Test
  void unknownAttributeListIsCappedAt32() {
    byte[] req = request(TRANSACTION_ID, m -> {
      for (int type = 0x0100; type < 0x0100 + 100; type++) {
        m.add(type, new byte[0]);
      }
    }, false);

    StunMessage response = answer(req, CLIENT_V4);

    assertEquals(32, UnknownAttributes.readFrom(response).types().size());
  }

  @Test
  void comprehensionOptionalUnknownAttributeIsIgnored() {
    StunMessage response = answer(request(TRANSACTION_ID, m -> m.add(0xC0DE, new byte[5]), true), CLIENT_V4);

    assertEquals(StunMessage.CLASS_SUCCESS, response.messageClass());
  }

  @ParameterizedTest(name = "message type {0}")
  @ValueSource(ints = {0x0011, 0x0101, 0x0111, 0x0003, 0x0004})
  void indicationsResponsesAndOtherMethodsAreDropped(int type) {
    StunMessage m = new StunMessage(type, TRANSACTION_ID);
    byte[] bytes = m.encode();

    assertEquals(StunBindingResponder.DROP_NOT_REQUEST, respond(bytes, CLIENT_V4));
  }

  @Test
  void aResponseVectorIsNotAnswered() {
    assertEquals(StunBindingResponder.DROP_NOT_REQUEST, respond(SAMPLE_IPV4_RESPONSE, CLIENT_V4));
  }

  @Test
  void badFingerprintIsDroppedAsMalformed() {
    byte[] req = request(TRANSACTION_ID, m -> { }, true);
    req[req.length - 1] ^= 0x01;

    assertEquals(StunBindingResponder.DROP_MALFORMED, respond(req, CLIENT_V4));
  }

  @Test
  void fingerprintThatIsNotLastIsDroppedAsMalformed() {
    // FINGERPRINT, then SOFTWARE "late"; the CRC is right for the bytes before it as sent, so only
    // its position is wrong.
    byte[] req = hex("0001 0010 2112a442 b7e7a701bc34d686fa87dfae  8028 0004 00000000  8022 0004 6c617465");
    CRC32 crc = new CRC32();
    crc.update(req, 0, 20);
    StunMessage.putInt(req, 24, (int) crc.getValue() ^ 0x5354554e);

    assertEquals(StunBindingResponder.DROP_MALFORMED, respond(req, CLIENT_V4));
  }

  @Test
  void attributeRunningPastTheEndIsDroppedAsMalformed() {
    byte[] req = request(TRANSACTION_ID, m -> m.add(0x8022, new byte[8]), false);
    StunMessage.putShort(req, 22, 9); // value plus padding now needs 12 bytes where 8 remain

    assertEquals(StunBindingResponder.DROP_MALFORMED, respond(req, CLIENT_V4));
  }

  @ParameterizedTest
  @ValueSource(strings = {"LIST", "alice", "a-rather-long-username-of-a-peer", "00000000000000000000000", ""})
  void textIsNotStun(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);

    assertFalse(StunBindingResponder.isStun(bytes, 0, bytes.length));
    assertEquals(StunBindingResponder.DROP_NOT_STUN, respond(bytes, CLIENT_V4));
  }

  @Test
  void classificationNeedsAMatchingLengthField() {
    byte[] req = request(TRANSACTION_ID, m -> m.add(0x8022, new byte[4]), false);

    assertTrue(StunBindingResponder.isStun(req, 0, req.length));
    assertFalse(StunBindingResponder.isStun(req, 0, req.length - 4));
    assertFalse(StunBindingResponder.isStun(Arrays.copyOf(req, req.length + 4), 0, req.length + 4));
    req[0] |= 0x40;
    assertFalse(StunBindingResponder.isStun(req, 0, req.length));
  }

  @Test
  void aStunMessageLongerThanTheReadIsToldApartFromTextAndFromWholeMessages() {
    byte[] req = request(TRANSACTION_ID, m -> m.add(0x0026, new byte[3_000]), false); // PADDING, comprehension-optional
    int limit = 2_048;

    assertTrue(StunBindingResponder.isCutShort(req, 0, limit, limit), "the first 2048 bytes of a 3024-byte request");
    assertFalse(StunBindingResponder.isStun(req, 0, limit));
    assertFalse(StunBindingResponder.isCutShort(req, 0, req.length, req.length), "a whole message is not cut");
    assertFalse(StunBindingResponder.isCutShort(req, 0, 1_000, limit), "a datagram shorter than the read was not cut");
    byte[] text = "x".repeat(limit).getBytes(StandardCharsets.US_ASCII);
    assertFalse(StunBindingResponder.isCutShort(text, 0, limit, limit), "long text is not STUN");
    byte[] noCookie = req.clone();
    noCookie[4] = 0;
    assertFalse(StunBindingResponder.isCutShort(noCookie, 0, limit, limit), "without the cookie it is S0 text or an echo request");
  }

  @Test
  void aFramedDatagramWhoseLengthIsNotWholeWordsIsStunDroppedAsMalformed() {
    byte[] req = Arrays.copyOf(request(TRANSACTION_ID, m -> { }, false), 22);
    StunMessage.putShort(req, 2, 2);

    assertTrue(StunBindingResponder.isStun(req, 0, req.length)); // SPEC S5: neither S0 text nor an address probe
    assertEquals(StunBindingResponder.DROP_MALFORMED, respond(req, CLIENT_V4));
    assertNull(StunMessage.decode(req, 0, req.length));
  }

  @Test
  void requestIsReadAtAnOffset() {
    byte[] req = request(TRANSACTION_ID, m -> { }, true);
    byte[] buf = new byte[req.length + 30];
    System.arraycopy(req, 0, buf, 13, req.length);

    int n = responder.respond(buf, 13, req.length, CLIENT_V4, CLIENT_PORT, out);

    assertTrue(n > 0);
    assertTrue(Fingerprint.verify(StunMessage.decode(out, 0, n)));
  }

  @Test
  void longestSoftwareAndFullUnknownListFitInTheBuffer() {
    StunBindingResponder wordy = new StunBindingResponder("é".repeat(381) + "x"); // 763 bytes
    byte[] req = request(TRANSACTION_ID, m -> {
      for (int type = 0x0100; type < 0x0100 + 40; type++) {
        m.add(type, new byte[0]);
      }
    }, true);

    int n = wordy.respond(req, 0, req.length, CLIENT_V6, CLIENT_PORT, out);

    assertTrue(n > 0 && n <= out.length);
    assertTrue(Fingerprint.verify(StunMessage.decode(out, 0, n)));
  }

  @Test
  void respondAllocatesNothingPerPacket() {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    List<byte[]> requests = new ArrayList<>(List.of(SAMPLE_REQUEST,
        request(CLASSIC_ID, m -> { }, false),
        request(TRANSACTION_ID, m -> m.add(0x0030, new byte[4]), true)));
    int packets = 100_000;
    for (int i = 0; i < packets; i++) {
      byte[] req = requests.get(i % requests.size());
      responder.respond(req, 0, req.length, CLIENT_V6, CLIENT_PORT, out);
    }

    long thread = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < packets; i++) {
      byte[] req = requests.get(i % requests.size());
      responder.respond(req, 0, req.length, CLIENT_V6, CLIENT_PORT, out);
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;

    // Any per-packet array would cost at least 16 bytes a packet; allow only measurement noise.
    assertTrue(allocated < packets, allocated + " bytes allocated for " + packets + " packets");
  }

  private StunMessage answer(byte[] request, byte[] clientAddress) {
    int n = respond(request, clientAddress);
    assertTrue(n > 0, "expected a response, got " + n);
    StunMessage response = StunMessage.decode(out, 0, n);
    assertNotNull(response, "response does not decode");
    return response;
  }

  private int respond(byte[] request, byte[] clientAddress) {
    return responder.respond(request, 0, request.length, clientAddress, CLIENT_PORT, out);
  }

  private static byte[] request(byte[] transactionId, Consumer<StunMessage> attributes, boolean fingerprint) {
    StunMessage m = new StunMessage(
        StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), transactionId);
    attributes.accept(m);
    if (fingerprint) {
      Fingerprint.addTo(m);
    }
    return m.encode();
  }

  private static List<Integer> types(StunMessage m) {
    return m.attributes().stream().map(StunMessage.Attribute::type).toList();
  }
}
