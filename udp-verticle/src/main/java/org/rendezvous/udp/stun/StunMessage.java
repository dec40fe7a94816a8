package org.rendezvous.udp.stun;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A STUN message as a plain value (RFC 8489 §5, and RFC 3489 messages without the magic cookie):
 * type, transaction id and the ordered raw attributes, with a byte-exact {@link #decode} / {@link #encode}.
 */
public final class StunMessage {

  public static final int MAGIC_COOKIE = 0x2112A442;
  public static final int HEADER_LENGTH = 20;

  public static final int METHOD_BINDING = 0x001;

  public static final int CLASS_REQUEST = 0b00;
  public static final int CLASS_INDICATION = 0b01;
  public static final int CLASS_SUCCESS = 0b10;
  public static final int CLASS_ERROR = 0b11;

  public static final int ATTR_MAPPED_ADDRESS = 0x0001;
  public static final int ATTR_USERNAME = 0x0006;
  public static final int ATTR_MESSAGE_INTEGRITY = 0x0008;
  public static final int ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C;
  public static final int ATTR_ERROR_CODE = 0x0009;
  public static final int ATTR_UNKNOWN_ATTRIBUTES = 0x000A;
  public static final int ATTR_XOR_MAPPED_ADDRESS = 0x0020;
  public static final int ATTR_SOFTWARE = 0x8022;
  public static final int ATTR_FINGERPRINT = 0x8028;

  /** The message length field is 16 bits and always a multiple of 4. */
  private static final int MAX_BODY_LENGTH = 0xFFFC;

  /**
   * One attribute as it sits on the wire. The padding is kept as received because RFC 5769 pads with
   * spaces: re-encoding a decoded message must give back the same bytes or MESSAGE-INTEGRITY and
   * FINGERPRINT computed over it would change. The arrays are owned by the record; do not mutate them.
   */
  public record Attribute(int type, byte[] value, byte[] padding) {
    public Attribute {
      if (type < 0 || type > 0xFFFF) {
        throw new IllegalArgumentException("attribute type out of range: " + type);
      }
      if (value.length > 0xFFFF) {
        throw new IllegalArgumentException("attribute value longer than 65535 bytes");
      }
      if (padding.length != paddingLength(value.length)) {
        throw new IllegalArgumentException("padding must bring the value to a multiple of 4 bytes");
      }
    }

    /** An attribute padded with zero bytes, as RFC 8489 §14 asks of senders. */
    public Attribute(int type, byte[] value) {
      this(type, value, new byte[paddingLength(value.length)]);
    }

    int encodedLength() {
      return 4 + value.length + padding.length;
    }
  }

  private final int type;
  private final byte[] transactionId;
  private final List<Attribute> attributes = new ArrayList<>();
  private int bodyLength;

  /**
   * @param type          the 14-bit message type, see {@link #type(int, int)}
   * @param transactionId 12 bytes for an RFC 5389/8489 message (the cookie is implied), or 16 bytes for an
   *                      RFC 3489 message, whose transaction id also covers the cookie's position
   */
  public StunMessage(int type, byte[] transactionId) {
    if (type < 0 || type > 0x3FFF) {
      throw new IllegalArgumentException("message type must fit in 14 bits: " + type);
    }
    if (transactionId.length != 12 && transactionId.length != 16) {
      throw new IllegalArgumentException("transaction id must be 12 or 16 bytes");
    }
    if (transactionId.length == 16 && getInt(transactionId, 0) == MAGIC_COOKIE) {
      // It would decode back as a 12-byte id with the cookie: not a value we could round-trip.
      throw new IllegalArgumentException("a 16-byte transaction id must not start with the magic cookie");
    }
    this.type = type;
    this.transactionId = transactionId.clone();
  }

  /** The message type for a method and class; the class bits sit between method bits (RFC 8489 §5). */
  public static int type(int method, int messageClass) {
    return (method & 0x000F)
        | ((method & 0x0070) << 1)
        | ((method & 0x0F80) << 2)
        | ((messageClass & 0b01) << 4)
        | ((messageClass & 0b10) << 7);
  }

  static int methodOf(int type) {
    return (type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80);
  }

  static int classOf(int type) {
    return ((type >> 4) & 0b01) | ((type >> 7) & 0b10);
  }

  public int type() {
    return type;
  }

  public int method() {
    return methodOf(type);
  }

  public int messageClass() {
    return classOf(type);
  }

  /** 12 bytes, or 16 for an RFC 3489 message. */
  public byte[] transactionId() {
    return transactionId.clone();
  }

  /** True for an RFC 5389/8489 message, whose bytes 4–7 are the magic cookie. */
  public boolean hasMagicCookie() {
    return transactionId.length == 12;
  }

  public List<Attribute> attributes() {
    return Collections.unmodifiableList(attributes);
  }

  public void add(int attributeType, byte[] value) {
    add(new Attribute(attributeType, value));
  }

  public void add(Attribute attribute) {
    if (bodyLength + attribute.encodedLength() > MAX_BODY_LENGTH) {
      throw new IllegalStateException("message would exceed the 16-bit length field");
    }
    attributes.add(attribute);
    bodyLength += attribute.encodedLength();
  }

  /** The value of the first attribute of this type, or null. */
  public byte[] get(int attributeType) {
    int i = indexOf(attributeType);
    return i < 0 ? null : attributes.get(i).value();
  }

  int indexOf(int attributeType) {
    for (int i = 0; i < attributes.size(); i++) {
      if (attributes.get(i).type() == attributeType) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Reads a message from {@code buf[off, off+len)}. Returns null, never throws, for anything that is not
   * a well-framed STUN message: short, first two bits set, a length field other than {@code len - 20} or
   * not a multiple of 4, or an attribute whose value or padding runs past the end. Attribute values are
   * not interpreted here; the attribute types return null when theirs is malformed.
   */
  public static StunMessage decode(byte[] buf, int off, int len) {
    if (!isFramed(buf, off, len) || (len & 3) != 0) {
      return null;
    }
    int type = getShort(buf, off);
    boolean cookie = getInt(buf, off + 4) == MAGIC_COOKIE;
    byte[] id = cookie
        ? Arrays.copyOfRange(buf, off + 8, off + HEADER_LENGTH)
        : Arrays.copyOfRange(buf, off + 4, off + HEADER_LENGTH);
    StunMessage message = new StunMessage(type, id);
    int end = off + len;
    for (int pos = off + HEADER_LENGTH; pos < end; ) {
      int attrType = getShort(buf, pos);
      int attrLen = getShort(buf, pos + 2);
      int padded = attrLen + paddingLength(attrLen);
      if (padded > end - pos - 4) {
        return null;
      }
      int valueStart = pos + 4;
      message.add(new Attribute(attrType,
          Arrays.copyOfRange(buf, valueStart, valueStart + attrLen),
          Arrays.copyOfRange(buf, valueStart + attrLen, valueStart + padded)));
      pos = valueStart + padded;
    }
    return message;
  }

  /**
   * SPEC S5's test for "this datagram is STUN", shared with {@link StunBindingResponder#isStun}: bounds,
   * leading zero bits and a length field that matches the datagram. A length that is not a multiple of 4
   * still makes it STUN, a malformed one: dropped, not taken for S0 text or an address probe.
   */
  static boolean isFramed(byte[] buf, int off, int len) {
    if (buf == null || off < 0 || len < HEADER_LENGTH || len > buf.length - off) {
      return false;
    }
    if ((buf[off] & 0xC0) != 0) {
      return false;
    }
    int bodyLength = getShort(buf, off + 2);
    return bodyLength == len - HEADER_LENGTH;
  }

  /**
   * True when buf[off, off+len) starts an RFC 5389+ STUN message longer than {@code len}: first two bits 0, the
   * magic cookie, and a length field past the bytes there. What a read cut short leaves of a long one.
   */
  static boolean isCutShort(byte[] buf, int off, int len) {
    if (buf == null || off < 0 || len < HEADER_LENGTH || len > buf.length - off || (buf[off] & 0xC0) != 0) {
      return false;
    }
    return getInt(buf, off + 4) == MAGIC_COOKIE && getShort(buf, off + 2) > len - HEADER_LENGTH;
  }

  public byte[] encode() {
    return encodePrefix(attributes.size(), 0);
  }

  /**
   * The header and the first {@code attributeCount} attributes, with a length field that also counts
   * {@code extraLength} bytes that are not written: MESSAGE-INTEGRITY and FINGERPRINT are computed over
   * such a prefix whose length field already includes themselves (RFC 8489 §14.5, §14.7).
   */
  byte[] encodePrefix(int attributeCount, int extraLength) {
    int length = 0;
    for (int i = 0; i < attributeCount; i++) {
      length += attributes.get(i).encodedLength();
    }
    byte[] out = new byte[HEADER_LENGTH + length];
    putShort(out, 0, type);
    putShort(out, 2, length + extraLength);
    int idStart = HEADER_LENGTH - transactionId.length;
    if (hasMagicCookie()) {
      putInt(out, 4, MAGIC_COOKIE);
    }
    System.arraycopy(transactionId, 0, out, idStart, transactionId.length);
    int pos = HEADER_LENGTH;
    for (int i = 0; i < attributeCount; i++) {
      Attribute a = attributes.get(i);
      putShort(out, pos, a.type());
      putShort(out, pos + 2, a.value().length);
      System.arraycopy(a.value(), 0, out, pos + 4, a.value().length);
      System.arraycopy(a.padding(), 0, out, pos + 4 + a.value().length, a.padding().length);
      pos += a.encodedLength();
    }
    return out;
  }

  static int paddingLength(int valueLength) {
    return -valueLength & 3;
  }

  static int getShort(byte[] b, int pos) {
    return ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
  }

  static int getInt(byte[] b, int pos) {
    return (getShort(b, pos) << 16) | getShort(b, pos + 2);
  }

  static void putShort(byte[] b, int pos, int v) {
    b[pos] = (byte) (v >>> 8);
    b[pos + 1] = (byte) v;
  }

  static void putInt(byte[] b, int pos, int v) {
    putShort(b, pos, v >>> 16);
    putShort(b, pos + 2, v);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("StunMessage[method=0x").append(Integer.toHexString(method()))
        .append(", class=").append(messageClass())
        .append(", attributes=");
    for (Attribute a : attributes) {
      s.append(String.format(" 0x%04x(%d)", a.type(), a.value().length));
    }
    return s.append(']').toString();
  }
}
