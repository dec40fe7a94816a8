package org.rendezvous.client;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * S4 lobby (rabid-hole-punch-compatible) from one UDP socket: host or join a session, ping, start,
 * and read the start message that lists every other player's public address.
 */
public final class LobbyClient {

  /** Another player in a start message. */
  public record Player(String name, InetSocketAddress address) {
  }

  /** What a start message says: our own public port and the other players. */
  public record Start(int ownPort, List<Player> others) {
  }

  private final DatagramSocket socket;
  private final InetSocketAddress server;

  public LobbyClient(DatagramSocket socket, InetSocketAddress server) {
    this.socket = socket;
    this.server = server;
  }

  public void send(String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(b, b.length, server));
  }

  /** The next datagram from the server, or empty after {@code timeout}. */
  public Optional<String> receive(Duration timeout) throws IOException {
    return DatagramsFrom.next(socket, server, new byte[2048], System.nanoTime() + timeout.toNanos())
        .map(p -> new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
  }

  /** Players of an {@code i:} message, host first; empty for anything else. */
  public static List<String> players(String message) {
    if (!message.startsWith("i:")) {
      return List.of();
    }
    return List.of(message.substring(2).split(":"));
  }

  /** Parses {@code s:<own port>:<name>:<ip>:<port>;<name>:<ip>:<port>…}; empty for anything else. */
  public static Optional<Start> start(String message) {
    if (!message.startsWith("s:")) {
      return Optional.empty();
    }
    String rest = message.substring(2);
    int colon = rest.indexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(parseStart(rest, colon));
    } catch (IllegalArgumentException malformed) { // NumberFormatException included
      return Optional.empty();
    }
  }

  private static Start parseStart(String rest, int colon) {
    int own = Integer.parseInt(rest.substring(0, colon));
    List<Player> others = new ArrayList<>();
    for (String entry : rest.substring(colon + 1).split(";")) {
      if (entry.isEmpty()) {
        continue;
      }
      // name:ip:port, where an IPv6 ip has colons of its own (names have none)
      int nameEnd = entry.indexOf(':');
      if (nameEnd < 0 || entry.lastIndexOf(':') <= nameEnd) {
        throw new IllegalArgumentException("not name:ip:port: " + entry);
      }
      others.add(new Player(entry.substring(0, nameEnd), PairingClient.parseAddress(entry.substring(nameEnd + 1))));
    }
    return new Start(own, others);
  }
}
