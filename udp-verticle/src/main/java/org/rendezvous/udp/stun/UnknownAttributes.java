package org.rendezvous.udp.stun;

import java.util.ArrayList;
import java.util.List;

/** UNKNOWN-ATTRIBUTES (RFC 8489 §14.9): the comprehension-required attribute types a 420 error refuses. */
public record UnknownAttributes(List<Integer> types) {

  public UnknownAttributes {
    types = List.copyOf(types);
  }

  public void addTo(StunMessage message) {
    byte[] value = new byte[2 * types.size()];
    for (int i = 0; i < types.size(); i++) {
      StunMessage.putShort(value, 2 * i, types.get(i));
    }
    message.add(StunMessage.ATTR_UNKNOWN_ATTRIBUTES, value);
  }

  /** The first UNKNOWN-ATTRIBUTES of the message, or null when absent or of odd length. */
  public static UnknownAttributes readFrom(StunMessage message) {
    byte[] value = message.get(StunMessage.ATTR_UNKNOWN_ATTRIBUTES);
    if (value == null || (value.length & 1) != 0) {
      return null;
    }
    List<Integer> types = new ArrayList<>(value.length / 2);
    for (int pos = 0; pos < value.length; pos += 2) {
      types.add(StunMessage.getShort(value, pos));
    }
    return new UnknownAttributes(types);
  }
}
