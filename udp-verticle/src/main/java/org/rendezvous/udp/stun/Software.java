package org.rendezvous.udp.stun;

import java.nio.charset.StandardCharsets;

/** SOFTWARE (RFC 8489 §14.14): a free-text description of the agent that sent the message. */
public record Software(String description) {

  /** RFC 8489 §14.14: fewer than 128 characters, which is at most 763 bytes of UTF-8. */
  static final int MAX_BYTES = 763;

  public void addTo(StunMessage message) {
    byte[] value = description.getBytes(StandardCharsets.UTF_8);
    if (value.length > MAX_BYTES) {
      throw new IllegalArgumentException("SOFTWARE longer than " + MAX_BYTES + " bytes");
    }
    message.add(StunMessage.ATTR_SOFTWARE, value);
  }

  /** The first SOFTWARE of the message, or null when absent. Invalid UTF-8 is replaced, not rejected. */
  public static Software readFrom(StunMessage message) {
    byte[] value = message.get(StunMessage.ATTR_SOFTWARE);
    return value == null ? null : new Software(new String(value, StandardCharsets.UTF_8));
  }
}
