package org.rendezvous.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One side of the x20chat peer-to-peer chat over UDP, wire-compatible with the original Python
 * client: {@code PUNCH} / {@code PUNCH_ACK} to open the path, JSON messages
 * {@code {"type","from","timestamp","body"}} (hello, message, ping, pong, disconnect) and raw
 * {@code HEARTBEAT} keepalives. Not thread-safe except {@link #send} against {@link #receive}.
 */
public final class ChatPeer {

  public static final String PUNCH = "PUNCH";
  public static final String PUNCH_ACK = "PUNCH_ACK";
  public static final String HEARTBEAT = "HEARTBEAT";
  /** Keepalive period of the original client: NAT mappings outlive it. */
  public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(15);

  /** A chat message from the peer. */
  public record Message(String type, String from, String body) {
  }

  private final DatagramSocket socket;
  private final String peerId;
  private volatile InetSocketAddress partner;

  public ChatPeer(DatagramSocket socket, String peerId) {
    this.socket = socket;
    this.peerId = peerId;
  }

  public Optional<InetSocketAddress> partner() {
    return Optional.ofNullable(partner);
  }

  /**
   * Punches towards the addresses {@code targets} gives (asked again every second, so a waiting
   * side can follow new peers) until one answers, then says hello. Returns the peer's address.
   */
  public Optional<InetSocketAddress> connect(Supplier<List<InetSocketAddress>> targets, String helloBody, Duration timeout)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<InetSocketAddress> current = targets.get();
    long refreshAt = System.nanoTime() + 1_000_000_000L;
    byte[] buf = new byte[65_536];
    int saved = socket.getSoTimeout();
    try {
      while (System.nanoTime() < deadline && partner == null) {
        if (System.nanoTime() >= refreshAt) {
          current = targets.get();
          refreshAt = System.nanoTime() + 1_000_000_000L;
        }
        for (InetSocketAddress t : current) {
          raw(PUNCH, t);
        }
        long next = Math.min(deadline, System.nanoTime() + 100_000_000L);
        while (partner == null && System.nanoTime() < next) {
          socket.setSoTimeout((int) Math.max(1, (next - System.nanoTime()) / 1_000_000L));
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          try {
            socket.receive(p);
          } catch (SocketTimeoutException e) {
            break;
          }
          InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
          String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          if (text.equals(PUNCH)) {
            raw(PUNCH_ACK, from);
            partner = from;
          } else if (text.equals(PUNCH_ACK) || "hello".equals(typeOf(text))) {
            partner = from;
          }
        }
      }
    } finally {
      socket.setSoTimeout(saved);
    }
    if (partner != null) {
      send("hello", helloBody);
    }
    return Optional.ofNullable(partner);
  }

  /** Sends a JSON chat message to the partner. */
  public void send(String type, String body) throws IOException {
    JsonObject m = new JsonObject().put("type", type).put("from", peerId)
        .put("timestamp", BigDecimal.valueOf(System.currentTimeMillis(), 3)).put("body", body);
    byte[] b = m.encode().getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(b, b.length, partner));
  }

  public void heartbeat() throws IOException {
    raw(HEARTBEAT, partner);
  }

  /**
   * The next chat message from the partner, answering PUNCH and ping on the way and skipping
   * keepalives and strangers; empty when nothing arrives within {@code timeout}.
   */
  public Optional<Message> receive(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] buf = new byte[65_536];
    while (true) {
      Optional<DatagramPacket> next = DatagramsFrom.next(socket, partner, buf, deadline);
      if (next.isEmpty()) {
        return Optional.empty();
      }
      DatagramPacket p = next.get();
      String text = new String(Arrays.copyOf(p.getData(), p.getLength()), StandardCharsets.UTF_8);
      if (text.equals(PUNCH)) {
        raw(PUNCH_ACK, partner);
        continue;
      }
      if (text.equals(PUNCH_ACK) || text.equals(HEARTBEAT)) {
        continue;
      }
      JsonObject m = json(text);
      if (m == null) {
        continue;
      }
      if ("ping".equals(m.getValue("type"))) {
        send("pong", "");
        continue;
      }
      return Optional.of(new Message(String.valueOf(m.getValue("type")), String.valueOf(m.getValue("from")),
          String.valueOf(m.getValue("body", ""))));
    }
  }

  private void raw(String text, InetSocketAddress to) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    socket.send(new DatagramPacket(b, b.length, to));
  }

  private static String typeOf(String text) {
    JsonObject m = json(text);
    return m == null ? null : String.valueOf(m.getValue("type"));
  }

  private static JsonObject json(String text) {
    if (!text.startsWith("{")) {
      return null;
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }
}
