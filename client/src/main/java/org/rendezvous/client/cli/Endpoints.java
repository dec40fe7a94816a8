package org.rendezvous.client.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;

/** Parses the server arguments of the CLI: {@code host}, {@code host:port} or a URL. */
final class Endpoints {

  private Endpoints() {
  }

  static InetSocketAddress udp(String server, int defaultPort) throws UnknownHostException {
    HostPort hp = hostPort(server, defaultPort);
    return new InetSocketAddress(InetAddress.getByName(hp.host()), hp.port());
  }

  /** A server's host (without brackets) and port, checked but not resolved. */
  private record HostPort(String host, int port) {
  }

  private static HostPort hostPort(String server, int defaultPort) {
    String host = server;
    String port = null;
    if (server.startsWith("[")) {
      int end = server.indexOf(']');
      if (end < 0 || end + 1 < server.length() && server.charAt(end + 1) != ':') {
        throw notAnEndpoint(server);
      }
      host = server.substring(1, end);
      port = end + 2 <= server.length() && end + 1 < server.length() ? server.substring(end + 2) : null;
    } else if (server.indexOf(':') >= 0 && server.indexOf(':') == server.lastIndexOf(':')) {
      host = server.substring(0, server.indexOf(':'));
      port = server.substring(server.indexOf(':') + 1);
    } else if (server.indexOf(':') >= 0 && !isIpv6Literal(server)) {
      throw notAnEndpoint(server); // two colons or more, and not an IPv6 address
    } // else a host name, an IPv4 address or a bare IPv6 address
    if (host.isEmpty()) {
      throw notAnEndpoint(server);
    }
    int p = defaultPort;
    if (port != null) {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw notAnEndpoint(server);
      }
      if (p < 1 || p > 65_535) {
        throw notAnEndpoint(server);
      }
    }
    return new HostPort(host, p);
  }

  /**
   * Whether {@code text} is an IPv6 address (hex digits, colons, dots, a zone after %). Only a text of that shape is
   * handed to InetAddress, which parses it as a literal; one starting with another letter would be looked up.
   */
  static boolean isIpv6Literal(String text) {
    try {
      return text.matches("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?") && InetAddress.getByName(text) instanceof java.net.Inet6Address;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Whether {@code text} is an IPv4 address in dotted-decimal form, without leading zeros (as servers print one). */
  static boolean isIpv4Literal(String text) {
    return text.matches("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  }

  private static NotAServer notAnEndpoint(String server) {
    return new NotAServer("'" + server + "' is not a server like host, host:port or [IPv6]:port");
  }

  /** A SERVER argument that is not one: a bad argument (exit 2, with the usage), not a failure to reach a server. */
  static final class NotAServer extends IllegalArgumentException {
    NotAServer(String message) {
      super(message);
    }
  }

  /** The S2 registry's base URL: {@code http(s)://…} as given, {@code host} or {@code host:port} over http. */
  static String http(String server, int defaultPort) {
    if (server.contains("://")) {
      return checkedUrl(server, "http", "https").toString();
    }
    return "http://" + authority(server, defaultPort);
  }

  /** {@code server} as a URL with one of {@code schemes}, a host and, if any, a port 1..65535; else not a server. */
  private static URI checkedUrl(String server, String... schemes) {
    URI uri;
    try {
      uri = new URI(server);
    } catch (URISyntaxException e) {
      throw notAnEndpoint(server);
    }
    if (!java.util.List.of(schemes).contains(String.valueOf(uri.getScheme()).toLowerCase(java.util.Locale.ROOT))
        || uri.getHost() == null || uri.getPort() == 0 || uri.getPort() > 65_535) {
      throw notAnEndpoint(server);
    }
    return uri;
  }

  /** {@code host:port} from {@code host}, {@code host:port}, {@code [IPv6]}, {@code [IPv6]:port} or a bare IPv6 address. */
  private static String authority(String server, int defaultPort) {
    HostPort hp = hostPort(server, defaultPort);
    return (hp.host().indexOf(':') >= 0 ? "[" + hp.host() + "]" : hp.host()) + ":" + hp.port();
  }

  /** What went wrong, for the CLI's last line: the exception's message, or what its kind means when it has none. */
  static String describe(Throwable e) {
    String m = e.getMessage();
    if (e instanceof java.net.ConnectException) {
      return "cannot connect to the server" + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }
    if (e instanceof java.net.http.HttpTimeoutException || e instanceof java.net.SocketTimeoutException) {
      return "no answer from the server in time" + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }
    if (e instanceof UnknownHostException) {
      return "unknown host " + m;
    }
    if (m == null || m.isBlank()) {
      return e.getCause() != null && e.getCause() != e ? describe(e.getCause()) : e.getClass().getSimpleName();
    }
    return m;
  }

  /** A WebSocket URI from {@code ws://…}, {@code wss://…}, {@code http(s)://…} (same host and path), {@code host} or {@code host:port}. */
  static URI webSocket(String server, int defaultPort) {
    int scheme = server.indexOf("://");
    if (scheme < 0) {
      return URI.create("ws://" + authority(server, defaultPort) + "/");
    }
    URI uri = checkedUrl(server, "ws", "wss", "http", "https");
    String rest = server.substring(scheme);
    return switch (uri.getScheme().toLowerCase(java.util.Locale.ROOT)) {
      case "http" -> URI.create("ws" + rest);
      case "https" -> URI.create("wss" + rest);
      default -> uri;
    };
  }

  /** The host of a URL like http://host:8000. */
  static String hostOf(String url) {
    return URI.create(url).getHost();
  }
}
