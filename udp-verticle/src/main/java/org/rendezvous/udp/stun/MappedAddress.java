package org.rendezvous.udp.stun;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * MAPPED-ADDRESS (RFC 8489 §14.1): the client's reflexive address in the clear. RFC 3489 clients read only
 * this one; its value layout is shared with {@link XorMappedAddress}.
 */
public record MappedAddress(InetAddress address, int port) {

  static final int FAMILY_IPV4 = 0x01;
  static final int FAMILY_IPV6 = 0x02;

  public MappedAddress {
    if (address == null || port < 0 || port > 0xFFFF) {
      throw new IllegalArgumentException("need an address and a port in 0..65535");
    }
  }

  public void addTo(StunMessage message) {
    message.add(StunMessage.ATTR_MAPPED_ADDRESS, value(address.getAddress(), port));
  }

  /** The first MAPPED-ADDRESS of the message, or null when absent or malformed. */
  public static MappedAddress readFrom(StunMessage message) {
    byte[] value = message.get(StunMessage.ATTR_MAPPED_ADDRESS);
    return value == null ? null : parse(value);
  }

  static byte[] value(byte[] address, int port) {
    byte[] value = new byte[4 + address.length];
    writeValue(value, 0, address, port);
    return value;
  }

  /** Writes reserved byte, family, port and address at {@code pos}; returns the value length. */
  static int writeValue(byte[] dst, int pos, byte[] address, int port) {
    dst[pos] = 0;
    dst[pos + 1] = (byte) (address.length == 4 ? FAMILY_IPV4 : FAMILY_IPV6);
    StunMessage.putShort(dst, pos + 2, port);
    System.arraycopy(address, 0, dst, pos + 4, address.length);
    return 4 + address.length;
  }

  /** True when the value has the length its family byte calls for. */
  static boolean isWellFormed(byte[] value) {
    return (value.length == 8 && value[1] == FAMILY_IPV4) || (value.length == 20 && value[1] == FAMILY_IPV6);
  }

  static MappedAddress parse(byte[] value) {
    if (!isWellFormed(value)) {
      return null;
    }
    byte[] raw = Arrays.copyOfRange(value, 4, value.length);
    try {
      // Inet6Address keeps an IPv4-mapped IPv6 address in its family; InetAddress would turn it into IPv4.
      InetAddress address = raw.length == 4
          ? InetAddress.getByAddress(raw)
          : Inet6Address.getByAddress(null, raw, -1);
      return new MappedAddress(address, StunMessage.getShort(value, 2));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 and 16 byte addresses are always accepted", e);
    }
  }
}
