package org.rendezvous.udp.stun;

import java.util.List;
import java.util.zip.CRC32;

/**
 * FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message before it, XORed with 0x5354554e, always the last
 * attribute. It lets STUN be told apart from other traffic multiplexed on the same port.
 */
public final class Fingerprint {

  private static final int XOR = 0x5354554e;
  private static final int ATTRIBUTE_LENGTH = 8;

  private Fingerprint() {
  }

  public static void addTo(StunMessage message) {
    byte[] prefix = message.encodePrefix(message.attributes().size(), ATTRIBUTE_LENGTH);
    byte[] value = new byte[4];
    StunMessage.putInt(value, 0, compute(new CRC32(), prefix, 0, prefix.length));
    message.add(StunMessage.ATTR_FINGERPRINT, value);
  }

  /** True when the last attribute is a FINGERPRINT that matches the bytes before it. */
  public static boolean verify(StunMessage message) {
    List<StunMessage.Attribute> attributes = message.attributes();
    if (attributes.isEmpty()) {
      return false;
    }
    StunMessage.Attribute last = attributes.get(attributes.size() - 1);
    if (last.type() != StunMessage.ATTR_FINGERPRINT || last.value().length != 4) {
      return false;
    }
    byte[] prefix = message.encodePrefix(attributes.size() - 1, ATTRIBUTE_LENGTH);
    return StunMessage.getInt(last.value(), 0) == compute(new CRC32(), prefix, 0, prefix.length);
  }

  /**
   * The FINGERPRINT value over {@code b[off, off+len)}, whose length field must already count the
   * FINGERPRINT attribute. The caller passes its CRC32 so that the hot path can reuse one.
   */
  static int compute(CRC32 crc, byte[] b, int off, int len) {
    crc.reset();
    crc.update(b, off, len);
    return (int) crc.getValue() ^ XOR;
  }
}
