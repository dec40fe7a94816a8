package org.rendezvous.udp.stun;

import java.net.InetAddress;

/**
 * XOR-MAPPED-ADDRESS (RFC 8489 §14.2): the reflexive address XORed with the magic cookie and transaction id,
 * so that NATs rewriting addresses they spot in payloads leave it alone. Needs an RFC 5389+ message.
 */
public record XorMappedAddress(InetAddress address, int port) {

  public XorMappedAddress {
    if (address == null || port < 0 || port > 0xFFFF) {
      throw new IllegalArgumentException("need an address and a port in 0..65535");
    }
  }

  public void addTo(StunMessage message) {
    if (!message.hasMagicCookie()) {
      throw new IllegalStateException("XOR-MAPPED-ADDRESS needs a message with the magic cookie");
    }
    byte[] value = MappedAddress.value(address.getAddress(), port);
    xor(value, 0, value.length - 4, message.encodePrefix(0, 0), 0);
    message.add(StunMessage.ATTR_XOR_MAPPED_ADDRESS, value);
  }

  /** The first XOR-MAPPED-ADDRESS of the message, or null when absent, malformed or without a cookie. */
  public static XorMappedAddress readFrom(StunMessage message) {
    byte[] value = message.get(StunMessage.ATTR_XOR_MAPPED_ADDRESS);
    if (value == null || !message.hasMagicCookie() || !MappedAddress.isWellFormed(value)) {
      return null;
    }
    byte[] plain = value.clone();
    xor(plain, 0, plain.length - 4, message.encodePrefix(0, 0), 0);
    MappedAddress mapped = MappedAddress.parse(plain);
    return new XorMappedAddress(mapped.address(), mapped.port());
  }

  /**
   * XORs, in place, the port and address of a MAPPED-ADDRESS-shaped value at {@code pos} with the message
   * header at {@code headerOff}: the port with the cookie's top half, the address with the cookie followed
   * by the transaction id (header bytes 4..).
   */
  static void xor(byte[] value, int pos, int addressLength, byte[] header, int headerOff) {
    value[pos + 2] ^= header[headerOff + 4];
    value[pos + 3] ^= header[headerOff + 5];
    for (int i = 0; i < addressLength; i++) {
      value[pos + 4 + i] ^= header[headerOff + 4 + i];
    }
  }
}
