package org.rendezvous.pairing;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Addresses print as Go's net.Addr.String() and IP literals compare in one form. */
class AddressTextTest {

  @Test
  void ipv4AndIpv6AddressesPrintLikeGo() throws Exception {
    assertEquals("1.2.3.4:5", AddressText.of(new InetSocketAddress(InetAddress.getByName("1.2.3.4"), 5)));
    assertEquals("[2001:db8::1]:65535", AddressText.of(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:0:0:0:1"), 65535)));
    assertEquals("[::1]:7", AddressText.of(new InetSocketAddress(InetAddress.getByName("::1"), 7)));
  }

  @Test
  void ipLiteralsAreCanonicalised() {
    assertEquals("2001:db8::1", AddressText.canonicalIp("2001:DB8:0:0::1"));
    assertEquals("2001:db8::1", AddressText.canonicalIp("[2001:db8::1]"));
    assertEquals("1.2.3.4", AddressText.canonicalIp("::ffff:1.2.3.4"));
    assertEquals("::1", AddressText.canonicalIp("0:0:0:0:0:0:0:1"));
    assertEquals("1.2.3.4", AddressText.canonicalIp("1.2.3.4"));
    assertEquals("fe80::1", AddressText.canonicalIp("fe80:0:0:0:0:0:0:1%eth0"));
  }

  @Test
  void anythingElseIsLeftAsItIsWithoutALookup() {
    assertEquals("example.com", AddressText.canonicalIp("example.com"));
    assertEquals("zz:1", AddressText.canonicalIp("zz:1"));
    assertEquals(".:1", AddressText.canonicalIp(".:1"));
    assertEquals("1::2::3", AddressText.canonicalIp("1::2::3"));
    assertEquals(" 1.2.3.4", AddressText.canonicalIp(" 1.2.3.4"));
    assertEquals("", AddressText.canonicalIp(""));
  }
}
