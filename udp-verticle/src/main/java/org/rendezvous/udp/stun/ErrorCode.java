package org.rendezvous.udp.stun;

import java.nio.charset.StandardCharsets;

/** ERROR-CODE (RFC 8489 §14.8): a 300–699 code, split on the wire into class (hundreds) and number, and a reason. */
public record ErrorCode(int code, String reason) {

  public static final int UNKNOWN_ATTRIBUTE = 420;

  public int errorClass() {
    return code / 100;
  }

  public int number() {
    return code % 100;
  }

  public void addTo(StunMessage message) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    if (code < 300 || code > 699 || text.length > Software.MAX_BYTES) {
      throw new IllegalArgumentException("error code must be 300..699 with a reason of at most 763 bytes");
    }
    byte[] value = new byte[4 + text.length];
    value[2] = (byte) errorClass();
    value[3] = (byte) number();
    System.arraycopy(text, 0, value, 4, text.length);
    message.add(StunMessage.ATTR_ERROR_CODE, value);
  }

  /** The first ERROR-CODE of the message, or null when absent or outside 300–699. */
  public static ErrorCode readFrom(StunMessage message) {
    byte[] value = message.get(StunMessage.ATTR_ERROR_CODE);
    if (value == null || value.length < 4) {
      return null;
    }
    int errorClass = value[2] & 0x07;
    int number = value[3] & 0xFF;
    if (errorClass < 3 || errorClass > 6 || number > 99) {
      return null;
    }
    return new ErrorCode(errorClass * 100 + number,
        new String(value, 4, value.length - 4, StandardCharsets.UTF_8));
  }
}
