package org.rendezvous.pairing;

import org.rendezvous.common.IpText;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Addresses as S1 clients see them: {@code ip:port} like Go's net.Addr.String() ({@code [v6]:port}),
 * and IP text in one canonical form so an initiator's {@code target_ip} and a receiver's
 * address as seen by the server compare equal.
 */
public final class AddressText {

  private AddressText() {
  }

  /** {@code 1.2.3.4:5678} or {@code [2001:db8::1]:5678}; IPv4-mapped IPv6 shown as IPv4. */
  public static String of(InetSocketAddress address) {
    return hostPort(IpText.of(address.getAddress()), address.getPort());
  }

  /** {@code ip:port} of an IP already in canonical text. */
  public static String hostPort(String ip, int port) {
    return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
  }

  /**
   * The canonical text of an IP literal ({@code ::FFFF:1.2.3.4} → {@code 1.2.3.4},
   * {@code 2001:DB8:0::1} → {@code 2001:db8::1}, a zone such as {@code %eth0} dropped); anything
   * that is not an IPv6 literal is returned as given. Never resolves a name: only strings that the JDK parses as numeric
   * are handed to it (a string like {@code "x:y"} would otherwise become a DNS lookup).
   */
  public static String canonicalIp(String text) {
    String s = text.length() > 2 && text.charAt(0) == '[' && text.charAt(text.length() - 1) == ']'
        ? text.substring(1, text.length() - 1) : text;
    int zone = s.indexOf('%');
    if (zone >= 0) {
      s = s.substring(0, zone);
    }
    if (s.isEmpty() || s.length() > 45 || s.indexOf(':') < 0 || !isHexDigit(s.charAt(0)) && s.charAt(0) != ':') {
      return text;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isHexDigit(c) && c != ':' && c != '.') {
        return text;
      }
    }
    try {
      return IpText.of(InetAddress.getByName(s));
    } catch (UnknownHostException e) {
      return text;
    }
  }

  private static boolean isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
