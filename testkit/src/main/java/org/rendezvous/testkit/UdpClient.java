package org.rendezvous.testkit;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A blocking loopback UDP client for tests. */
public final class UdpClient implements AutoCloseable {

  private final DatagramSocket socket;
  private final InetSocketAddress server;

  public UdpClient(int serverPort) throws IOException {
    socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    server = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
  }

  public int localPort() {
    return socket.getLocalPort();
  }

  public void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  public void send(byte[] data) throws IOException {
    socket.send(new DatagramPacket(data, data.length, server));
  }

  /** The next datagram, or null when none arrives within {@code timeoutMs}. */
  public byte[] receive(int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
    byte[] buf = new byte[65_536];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    try {
      socket.receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return Arrays.copyOf(buf, p.getLength());
  }

  /** Sends a request and returns the reply, failing when there is none within 5 s. */
  public byte[] request(byte[] data) throws IOException {
    send(data);
    byte[] reply = receive(5_000);
    if (reply == null) {
      throw new AssertionError("no reply within 5 s");
    }
    return reply;
  }

  public String requestText(String text) throws IOException {
    return new String(request(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    socket.close();
  }
}
