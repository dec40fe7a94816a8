package org.rendezvous.pairing;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A blocking S1 TCP client for tests: one hello out, everything the server sends until it closes back. */
final class S1Client implements AutoCloseable {

  private final Socket socket = new Socket();

  S1Client(int port) throws IOException {
    this(InetAddress.getLoopbackAddress(), port);
  }

  S1Client(InetAddress host, int port) throws IOException {
    this(null, host, port);
  }

  /** From the local address {@code local} (any when null). */
  S1Client(InetAddress local, InetAddress host, int port) throws IOException {
    if (local != null) {
      socket.bind(new InetSocketAddress(local, 0));
    }
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), 5_000);
  }

  static String hello(String uuid, String targetIp, String protocol, String address) {
    // Built as the Go client's json.Encoder writes it: all four keys, a trailing newline.
    return new JsonObject().put("uuid", uuid).put("target_ip", targetIp).put("protocol", protocol)
        .put("address", address).encode() + "\n";
  }

  S1Client send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  S1Client send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** Sends FIN: this side has no more to say but still reads (shutdown of the output only). */
  S1Client finishSending() throws IOException {
    socket.shutdownOutput();
    return this;
  }

  int localPort() {
    return socket.getLocalPort();
  }

  /** ip:port of this client as the server prints it. */
  String address() {
    return AddressText.hostPort(AddressText.canonicalIp(socket.getLocalAddress().getHostAddress()), socket.getLocalPort());
  }

  /**
   * Every byte the server sends until it closes the connection; fails when it has not closed within
   * {@code timeoutMs} (a hung connection).
   */
  String readUntilClosed(int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[1024];
    for (int n; (n = in.read(buf)) >= 0; ) {
      all.write(buf, 0, n);
    }
    return all.toString(StandardCharsets.UTF_8);
  }

  String readUntilClosed() throws IOException {
    return readUntilClosed(10_000);
  }

  /** The exact reply telling a client its peer is at {@code address} over tcp. */
  static String tcpPeer(String address) {
    return "{\"protocol\":\"tcp\",\"peer_address\":\"" + address + "\"}\n";
  }

  /** A tcp initiator and its receiver each got the other's TCP address, byte for byte, and were closed. */
  static void assertTcpPaired(S1Client initiator, S1Client receiver) throws IOException {
    assertEquals(tcpPeer(initiator.address()), receiver.readUntilClosed(), "the receiver's reply");
    assertEquals(tcpPeer(receiver.address()), initiator.readUntilClosed(), "the initiator's reply");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
