package org.rendezvous.udp.lobby;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A game client's UDP socket on 127.0.0.1 (or another loopback address) for lobby tests: sends to any
 * node's lobby port on 127.0.0.1 and tells which port each received datagram came from (a reply must
 * leave from the socket it was sent to).
 */
final class LobbyTestClient implements AutoCloseable {

  /** One datagram received: its text and the port of the socket that sent it. */
  record Received(String text, int fromPort) {
  }

  private final DatagramSocket socket;
  private final InetAddress loopback = InetAddress.getLoopbackAddress();

  LobbyTestClient() throws IOException {
    this(InetAddress.getLoopbackAddress());
  }

  /** A client bound to {@code local}, e.g. 127.0.0.2: another source address on the same machine. */
  LobbyTestClient(InetAddress local) throws IOException {
    socket = new DatagramSocket(new InetSocketAddress(local, 0));
  }

  int port() {
    return socket.getLocalPort();
  }

  /** How other players see this client in a start message. */
  String address() {
    return socket.getLocalAddress().getHostAddress() + ":" + port();
  }

  void send(int toPort, String text) throws IOException {
    send(toPort, text.getBytes(StandardCharsets.UTF_8));
  }

  void send(int toPort, byte[] data) throws IOException {
    socket.send(new DatagramPacket(data, data.length, loopback, toPort));
  }

  /** The next datagram, or null when none arrives within {@code timeoutMs}. */
  Received receive(int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
    byte[] buf = new byte[2048];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    try {
      socket.receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return new Received(new String(buf, 0, p.getLength(), StandardCharsets.UTF_8), p.getPort());
  }

  /** The next datagram's text, which must come from {@code fromPort} within 5 s. */
  String next(int fromPort) throws IOException {
    Received r = receive(5_000);
    if (r == null) {
      throw new AssertionError("client " + port() + ": nothing received within 5 s");
    }
    assertEquals(fromPort, r.fromPort(), () -> "client " + port() + " got \"" + r.text() + "\" from the wrong socket");
    return r.text();
  }

  /** Sends {@code text} to {@code toPort} and returns the reply, which must come from that same port. */
  String request(int toPort, String text) throws IOException {
    send(toPort, text);
    return next(toPort);
  }

  @Override
  public void close() {
    socket.close();
  }
}
