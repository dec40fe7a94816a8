package org.rendezvous.udp.stun;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * SPEC S5 on the hot path: reads a Binding request in place and writes the response straight into the
 * caller's buffer, without per-packet allocation. Not thread-safe (it reuses a CRC32 and a scratch array):
 * use one instance per event loop.
 */
public final class StunBindingResponder {

  public static final int DROP_NOT_STUN = -1;
  public static final int DROP_MALFORMED = -2;
  public static final int DROP_NOT_REQUEST = -3;

  /** The largest response: header, ERROR-CODE 420, 32 unknown types, a 763-byte SOFTWARE, FINGERPRINT. */
  private static final int MIN_OUT_LENGTH = 1024;
  /** Bounds the 420 response whatever the request holds. */
  private static final int MAX_UNKNOWN = 32;

  private static final int BINDING_REQUEST =
      StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST);
  private static final int BINDING_SUCCESS =
      StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_SUCCESS);
  private static final int BINDING_ERROR =
      StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_ERROR);

  private final byte[] softwareAttribute;
  private final byte[] unknownAttributeError;
  /** RFC 3489 (§11.2.9) has no padding: its reason phrase is itself a multiple of 4 bytes, space-filled. */
  private final byte[] unknownAttributeError3489;
  private final CRC32 crc = new CRC32();
  private final int[] unknown = new int[MAX_UNKNOWN];

  public StunBindingResponder(String software) {
    // Built once with the codec and copied per packet as opaque bytes.
    softwareAttribute = encodedAttribute(m -> new Software(software).addTo(m));
    unknownAttributeError = encodedAttribute(
        m -> new ErrorCode(ErrorCode.UNKNOWN_ATTRIBUTE, "Unknown Attribute").addTo(m));
    unknownAttributeError3489 = encodedAttribute(
        m -> new ErrorCode(ErrorCode.UNKNOWN_ATTRIBUTE, "Unknown Attribute   ").addTo(m));
  }

  /**
   * A datagram of {@code len} bytes that filled a read of {@code readLimit} bytes and starts a longer STUN message
   * (with the magic cookie): the kernel cut it, so it can be neither answered nor read as anything else.
   */
  public static boolean isCutShort(byte[] buf, int off, int len, int readLimit) {
    return len >= readLimit && StunMessage.isCutShort(buf, off, len);
  }

  /** SPEC S5 classification: >= 20 bytes, first two bits 0, length field == len-20 (magic cookie optional: without it the message is RFC 3489-style). */
  public static boolean isStun(byte[] buf, int off, int len) {
    return StunMessage.isFramed(buf, off, len);
  }

  /**
   * Answers a Binding request read from buf[off, off+len) sent by srcAddr (4 or 16 bytes) : srcPort.
   * Writes the response into out (out.length >= 1024, not overlapping buf) and returns its length, or a
   * DROP_* constant. Bad input never throws; a too-small {@code out} or a bad source address
   * (caller bugs) do.
   */
  public int respond(byte[] buf, int off, int len, byte[] srcAddr, int srcPort, byte[] out) {
    if (out.length < MIN_OUT_LENGTH || (srcAddr.length != 4 && srcAddr.length != 16)
        || srcPort < 0 || srcPort > 0xFFFF) {
      throw new IllegalArgumentException("need out.length >= 1024, a 4 or 16 byte address and a port");
    }
    if (!isStun(buf, off, len)) {
      return DROP_NOT_STUN;
    }
    if ((len & 3) != 0) {
      return DROP_MALFORMED; // attributes are padded to 4 bytes: no well-formed body has this length
    }
    if (StunMessage.getShort(buf, off) != BINDING_REQUEST) {
      return DROP_NOT_REQUEST;
    }
    boolean rfc3489 = StunMessage.getInt(buf, off + 4) != StunMessage.MAGIC_COOKIE;
    int end = off + len;
    int unknownCount = 0;
    boolean fingerprint = false;
    // RFC 8489 §14.5/§14.6: what follows MESSAGE-INTEGRITY(-SHA256), FINGERPRINT aside, is ignored.
    boolean afterIntegrity = false;
    for (int pos = off + StunMessage.HEADER_LENGTH; pos < end; ) {
      int type = StunMessage.getShort(buf, pos);
      int valueLength = StunMessage.getShort(buf, pos + 2);
      int padded = valueLength + StunMessage.paddingLength(valueLength);
      if (padded > end - pos - 4) {
        return DROP_MALFORMED;
      }
      int next = pos + 4 + padded;
      if (type == StunMessage.ATTR_FINGERPRINT) {
        // As the last attribute, the header's length field already counts it: CRC the bytes as they are.
        if (valueLength != 4 || next != end
            || StunMessage.getInt(buf, pos + 4) != Fingerprint.compute(crc, buf, off, pos - off)) {
          return DROP_MALFORMED;
        }
        fingerprint = true;
      } else if (type == StunMessage.ATTR_MESSAGE_INTEGRITY || type == StunMessage.ATTR_MESSAGE_INTEGRITY_SHA256) {
        afterIntegrity = true;
      } else if (!afterIntegrity && type < 0x8000 && !isKnown(type) && unknownCount < MAX_UNKNOWN
          && !contains(unknown, unknownCount, type)) {
        unknown[unknownCount++] = type;
      }
      pos = next;
    }

    // Bytes 4–19 are the cookie and 12-byte id, or the 16-byte RFC 3489 id: either way echoed as they are.
    System.arraycopy(buf, off + 4, out, 4, 16);
    int pos = StunMessage.HEADER_LENGTH;
    if (unknownCount > 0) {
      StunMessage.putShort(out, 0, BINDING_ERROR);
      pos = append(out, pos, rfc3489 ? unknownAttributeError3489 : unknownAttributeError);
      StunMessage.putShort(out, pos, StunMessage.ATTR_UNKNOWN_ATTRIBUTES);
      // An odd count: RFC 8489 pads with zeros, RFC 3489 (§11.2.9) repeats a type instead.
      boolean repeatLast = rfc3489 && (unknownCount & 1) != 0;
      StunMessage.putShort(out, pos + 2, 2 * (repeatLast ? unknownCount + 1 : unknownCount));
      pos += 4;
      for (int i = 0; i < unknownCount; i++) {
        StunMessage.putShort(out, pos, unknown[i]);
        pos += 2;
      }
      if ((unknownCount & 1) != 0) {
        StunMessage.putShort(out, pos, repeatLast ? unknown[unknownCount - 1] : 0);
        pos += 2;
      }
    } else {
      StunMessage.putShort(out, 0, BINDING_SUCCESS);
      if (!rfc3489) {
        int valueStart = pos + 4;
        pos = appendAddress(out, pos, StunMessage.ATTR_XOR_MAPPED_ADDRESS, srcAddr, srcPort);
        // out's header already holds the cookie and transaction id to XOR with.
        XorMappedAddress.xor(out, valueStart, srcAddr.length, out, 0);
      }
      pos = appendAddress(out, pos, StunMessage.ATTR_MAPPED_ADDRESS, srcAddr, srcPort);
    }
    pos = append(out, pos, softwareAttribute);
    if (fingerprint) {
      StunMessage.putShort(out, 2, pos + 8 - StunMessage.HEADER_LENGTH);
      StunMessage.putShort(out, pos, StunMessage.ATTR_FINGERPRINT);
      StunMessage.putShort(out, pos + 2, 4);
      StunMessage.putInt(out, pos + 4, Fingerprint.compute(crc, out, 0, pos));
      return pos + 8;
    }
    StunMessage.putShort(out, 2, pos - StunMessage.HEADER_LENGTH);
    return pos;
  }

  /** True when the response written in out is an error response (e.g. 420). */
  public static boolean isErrorResponse(byte[] out) {
    return out != null && out.length >= 2
        && StunMessage.classOf(StunMessage.getShort(out, 0)) == StunMessage.CLASS_ERROR;
  }

  /**
   * Comprehension-required types we accept without acting on them. MESSAGE-INTEGRITY is not checked (we
   * hold no credentials); RESPONSE-ADDRESS is not honoured (it would let anyone aim our answers at a third
   * party); CHANGE-REQUEST is not honoured (one address) but must not draw a 420, because RFC 3489
   * clients put it in every request.
   */
  private static boolean isKnown(int type) {
    return switch (type) {
      // RFC 3489: MAPPED-ADDRESS .. REFLECTED-FROM, including RFC 8489's USERNAME, MESSAGE-INTEGRITY,
      // ERROR-CODE and UNKNOWN-ATTRIBUTES which keep their old numbers.
      case 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009, 0x000A, 0x000B -> true;
      // RFC 8489 REALM, NONCE, MESSAGE-INTEGRITY-SHA256, PASSWORD-ALGORITHM, USERHASH, XOR-MAPPED-ADDRESS;
      // RFC 8445 PRIORITY, USE-CANDIDATE; RFC 5780 PADDING, RESPONSE-PORT.
      case 0x0014, 0x0015, 0x001C, 0x001D, 0x001E, 0x0020, 0x0024, 0x0025, 0x0026, 0x0027 -> true;
      default -> false;
    };
  }

  private static boolean contains(int[] values, int count, int value) {
    for (int i = 0; i < count; i++) {
      if (values[i] == value) {
        return true;
      }
    }
    return false;
  }

  private static int appendAddress(byte[] out, int pos, int type, byte[] address, int port) {
    StunMessage.putShort(out, pos, type);
    int valueLength = MappedAddress.writeValue(out, pos + 4, address, port);
    StunMessage.putShort(out, pos + 2, valueLength);
    return pos + 4 + valueLength;
  }

  private static int append(byte[] out, int pos, byte[] attribute) {
    System.arraycopy(attribute, 0, out, pos, attribute.length);
    return pos + attribute.length;
  }

  private static byte[] encodedAttribute(Consumer<StunMessage> adder) {
    StunMessage scratch = new StunMessage(BINDING_SUCCESS, new byte[12]);
    adder.accept(scratch);
    byte[] encoded = scratch.encode();
    return Arrays.copyOfRange(encoded, StunMessage.HEADER_LENGTH, encoded.length);
  }
}
