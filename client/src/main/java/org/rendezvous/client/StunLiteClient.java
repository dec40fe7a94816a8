package org.rendezvous.client;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The S0 STUN-lite peer list: heartbeats (a username datagram) and LIST. */
public final class StunLiteClient {

  /** One line of the LIST reply. */
  public record Entry(String username, String ip, int port, long secondsAgo) {
  }

  private final DatagramSocket socket;
  private final InetSocketAddress server;

  public StunLiteClient(DatagramSocket socket, InetSocketAddress server) {
    this.socket = socket;
    this.server = server;
  }

  public void heartbeat(String username) throws IOException {
    byte[] b = username.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(b, b.length, server));
  }

  /** Sends LIST and parses the reply (an empty datagram is an empty list). */
  public List<Entry> list(Duration timeout) throws IOException {
    byte[] req = "LIST".getBytes(StandardCharsets.US_ASCII);
    socket.send(new DatagramPacket(req, req.length, server));
    int saved = socket.getSoTimeout();
    try {
      DatagramPacket p = DatagramsFrom.next(socket, server, new byte[65_536], System.nanoTime() + timeout.toNanos())
          .orElseThrow(() -> new SocketTimeoutException("no LIST reply from " + server + " within " + timeout.toMillis() + " ms"));
      return parse(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
    } finally {
      socket.setSoTimeout(saved);
    }
  }

  static List<Entry> parse(String reply) {
    List<Entry> out = new ArrayList<>();
    if (reply.isEmpty()) {
      return out;
    }
    for (String line : reply.split("\n")) {
      // username may not contain ',', so the last three fields are unambiguous
      String[] f = line.split(",");
      if (f.length == 4) {
        out.add(new Entry(f[0], f[1], Integer.parseInt(f[2]), Long.parseLong(f[3])));
      }
    }
    return out;
  }
}
