package org.rendezvous.client.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;

/** Parses the server arguments of the CLI: {@code host}, {@code host:port} or a URL. */
final class Endpoints {

  private Endpoints() {
  }

  static InetSocketAddress udp(String server, int defaultPort) throws UnknownHostException {
    String host = server;
    int port = defaultPort;
    if (server.startsWith("[")) {
      int end = server.indexOf(']');
      host = server.substring(1, end);
      if (server.length() > end + 2 && server.charAt(end + 1) == ':') {
        port = Integer.parseInt(server.substring(end + 2));
      }
    } else if (server.indexOf(':') >= 0 && server.indexOf(':') == server.lastIndexOf(':')) {
      host = server.substring(0, server.indexOf(':'));
      port = Integer.parseInt(server.substring(server.indexOf(':') + 1));
    }
    return new InetSocketAddress(InetAddress.getByName(host), port);
  }

  /** A WebSocket URI from {@code ws://…}, {@code wss://…}, {@code http(s)://…} (same host and path), {@code host} or {@code host:port}. */
  static URI webSocket(String server, int defaultPort) {
    int scheme = server.indexOf("://");
    if (scheme < 0) {
      boolean hasPort = server.startsWith("[") ? server.lastIndexOf(':') > server.indexOf(']')
          : server.indexOf(':') >= 0 && server.indexOf(':') == server.lastIndexOf(':');
      return URI.create("ws://" + server + (hasPort ? "" : ":" + defaultPort) + "/");
    }
    String name = server.substring(0, scheme);
    String rest = server.substring(scheme);
    return switch (name) {
      case "http" -> URI.create("ws" + rest);
      case "https" -> URI.create("wss" + rest);
      default -> URI.create(server);
    };
  }

  /** The host of a URL like http://host:8000. */
  static String hostOf(String url) {
    return URI.create(url).getHost();
  }
}
