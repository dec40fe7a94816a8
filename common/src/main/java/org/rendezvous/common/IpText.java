package org.rendezvous.common;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Renders client addresses the way the original Python servers printed them: IPv4 dotted quad
 * (IPv4-mapped IPv6 unwrapped), IPv6 in RFC 5952 compressed form.
 */
public final class IpText {

  private IpText() {
  }

  public static String of(InetAddress address) {
    if (address instanceof Inet4Address) {
      return address.getHostAddress();
    }
    byte[] b = address.getAddress();
    if (isV4Mapped(b)) {
      return (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
    }
    return compressV6(b);
  }

  /** Canonical text of a literal address as Vert.x or the JDK printed it; non-literals are returned as they are. */
  public static String canonical(String host) {
    if (host == null || host.isEmpty()) {
      return host;
    }
    String h = host;
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    int zone = h.indexOf('%');
    if (zone >= 0) {
      h = h.substring(0, zone);
    }
    if (h.indexOf(':') < 0 || !h.matches("[0-9A-Fa-f:.]+")) {
      return h; // not an IPv6 literal: never hand it to getByName, which would look it up in DNS
    }
    try {
      return of(InetAddress.getByName(h));
    } catch (Exception e) {
      return host;
    }
  }

  /** The address bytes a client should be told, IPv4-mapped IPv6 (dual-stack sockets) unwrapped to IPv4. */
  public static byte[] bytesOf(InetAddress address) {
    byte[] b = address.getAddress();
    return isV4Mapped(b) ? new byte[] {b[12], b[13], b[14], b[15]} : b;
  }

  private static boolean isV4Mapped(byte[] b) {
    if (b.length != 16) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
  }

  private static String compressV6(byte[] b) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    // RFC 5952: the longest run (first on ties) of two or more zero groups becomes "::".
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder s = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        s.append("::");
        i += bestLen - 1;
        continue;
      }
      if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
        s.append(':');
      }
      s.append(Integer.toHexString(groups[i]));
    }
    return s.toString();
  }

}
