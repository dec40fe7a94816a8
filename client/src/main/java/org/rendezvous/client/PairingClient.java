package org.rendezvous.client;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * S1 pairing (stunturn-compatible): learn the UDP address with a probe to the server's UDP port,
 * then one JSON hello over TCP; the reply names the peer's public address. The initiator names
 * the receiver's public IP; the receiver is found by the uuid and its own public IP.
 */
public final class PairingClient {

  /** The server's reply; {@code error} is empty on success. */
  public record Reply(String protocol, String peerAddress, String error) {
    public boolean ok() {
      return error.isEmpty() && !peerAddress.isEmpty();
    }
  }

  private PairingClient() {
  }

  /** Sends a probe datagram from {@code socket}; the server answers with our public {@code ip:port} as text. */
  public static String udpAddress(DatagramSocket socket, InetSocketAddress server, Duration timeout) throws IOException {
    byte[] probe = "probe".getBytes(StandardCharsets.US_ASCII);
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] buf = new byte[512];
    int saved = socket.getSoTimeout();
    try {
      while (System.nanoTime() < deadline) {
        socket.send(new DatagramPacket(probe, probe.length, server));
        socket.setSoTimeout((int) Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000L)));
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        }
        if (p.getSocketAddress().equals(server)) {
          return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
        }
      }
      throw new SocketTimeoutException("no address echo from " + server + " within " + timeout.toMillis() + " ms");
    } finally {
      socket.setSoTimeout(saved);
    }
  }

  /**
   * Opens the signaling connection from {@code localPort} (0 = any; TCP punching needs it known and
   * reusable), sends the hello and waits for the one-line reply. The socket is closed on return.
   */
  public static Reply hello(InetSocketAddress server, int localPort, String uuid, String targetIp, String protocol,
                            String address, Duration timeout) throws IOException {
    try (Socket s = new Socket()) {
      TcpPuncher.reusable(s);
      s.bind(new InetSocketAddress(localPort));
      s.connect(server, 5_000);
      s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()))); // 0 would wait for ever
      JsonObject hello = new JsonObject().put("uuid", uuid).put("target_ip", targetIp)
          .put("protocol", protocol).put("address", address);
      s.getOutputStream().write((hello.encode() + "\n").getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      String line = readLine(s.getInputStream());
      if (line.isBlank()) {
        throw new IOException("the pairing server closed the connection without a reply");
      }
      JsonObject reply;
      try {
        reply = new JsonObject(line);
      } catch (io.vertx.core.json.DecodeException e) {
        throw new IOException("the pairing server's reply is not JSON: " + line);
      }
      return new Reply(reply.getString("protocol", ""), reply.getString("peer_address", ""), reply.getString("error", ""));
    }
  }

  /** The local port a fresh signaling connection would use, reserved by binding and releasing it. */
  public static int pickLocalPort() throws IOException {
    try (Socket s = new Socket()) {
      s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      s.bind(new InetSocketAddress(0));
      return s.getLocalPort();
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != -1 && b != '\n'; ) {
      line.write(b);
      if (line.size() > 4096) {
        throw new IOException("reply longer than 4 KiB");
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  /** An address as {@link #parseAddress} reads it: {@code ip:port}, an IPv6 one {@code [ip]:port}. */
  public static String addressText(InetSocketAddress a) {
    String ip = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + a.getPort();
  }

  /** Parses "ip:port" or "[v6]:port". */
  public static InetSocketAddress parseAddress(String text) {
    int colon = text.lastIndexOf(':');
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, Integer.parseInt(text.substring(colon + 1)));
  }
}
