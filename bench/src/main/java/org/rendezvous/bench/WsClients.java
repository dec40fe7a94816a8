package org.rendezvous.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Many WebSocket clients on one thread (plain JDK NIO, one selector): handshake, masked text frames
 * out, server frames in. Frames up to {@link #SMALL_FRAME} bytes are handed over whole; larger ones
 * (online_users lists) are reported by length only and skipped as they stream in, so tens of
 * thousands of clients can read megabyte lists without buffering them. Pings are answered.
 */
final class WsClients {

  /** Frames up to this size are delivered with their payload. */
  static final int SMALL_FRAME = 16 * 1024;

  /** What the load generator does with what arrives. */
  interface Handler {
    /** The upgrade succeeded. */
    void opened(Client c) throws IOException;

    /** A whole text frame; {@code payload} is positioned on it and valid only during the call. */
    void text(Client c, ByteBuffer payload) throws IOException;

    /** A frame longer than {@link #SMALL_FRAME}: its length only. */
    default void bigFrame(Client c, long length) {
    }

    default void closed(Client c) {
    }
  }

  /** One connection. */
  final class Client {
    final int index;
    final String path;
    final InetSocketAddress server;
    SocketChannel channel;
    SelectionKey key;
    boolean open;
    boolean closed;
    private final StringBuilder handshake = new StringBuilder();
    private ByteBuffer pending;
    private long skip;
    private final ArrayDeque<ByteBuffer> outbox = new ArrayDeque<>();
    /** For the generator's own bookkeeping. */
    long mark;
    int count;

    Client(int index, InetSocketAddress server, String path) {
      this.index = index;
      this.server = server;
      this.path = path;
    }

    /** Sends one masked text frame. */
    void send(String text) throws IOException {
      send(text.getBytes(StandardCharsets.UTF_8), 0x1);
    }

    private void send(byte[] payload, int opcode) throws IOException {
      int len = payload.length;
      int head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
      ByteBuffer f = ByteBuffer.allocate(head + 4 + len);
      f.put((byte) (0x80 | opcode));
      if (head == 2) {
        f.put((byte) (0x80 | len));
      } else if (head == 4) {
        f.put((byte) (0x80 | 126)).putShort((short) len);
      } else {
        f.put((byte) (0x80 | 127)).putLong(len);
      }
      int mask = ThreadLocalRandom.current().nextInt();
      f.putInt(mask);
      for (int i = 0; i < len; i++) {
        f.put((byte) (payload[i] ^ (mask >>> (24 - 8 * (i & 3)))));
      }
      f.flip();
      write(f);
    }

    private void write(ByteBuffer f) throws IOException {
      if (closed) {
        return;
      }
      if (outbox.isEmpty()) {
        channel.write(f);
        if (!f.hasRemaining()) {
          return;
        }
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      }
      outbox.add(f);
    }

    void flushOutbox() throws IOException {
      while (!outbox.isEmpty()) {
        ByteBuffer f = outbox.peek();
        channel.write(f);
        if (f.hasRemaining()) {
          return;
        }
        outbox.poll();
      }
      key.interestOps(SelectionKey.OP_READ);
    }
  }

  private final Selector selector;
  private final Handler handler;
  private final ByteBuffer shared = ByteBuffer.allocateDirect(256 * 1024);
  private final List<Client> clients = new ArrayList<>();
  private final ArrayDeque<Client> toConnect = new ArrayDeque<>();
  private int connecting;
  private final int maxConnecting;
  long bytesIn;

  WsClients(Handler handler, int maxConnecting) throws IOException {
    this.selector = Selector.open();
    this.handler = handler;
    this.maxConnecting = maxConnecting;
  }

  /** Adds a client; connections are opened {@code maxConnecting} at a time as handshakes finish. */
  Client add(InetSocketAddress server, String path) {
    Client c = new Client(clients.size(), server, path);
    clients.add(c);
    toConnect.add(c);
    return c;
  }

  List<Client> clients() {
    return clients;
  }

  private void startConnects() throws IOException {
    while (connecting < maxConnecting && !toConnect.isEmpty()) {
      Client c = toConnect.poll();
      c.channel = SocketChannel.open();
      c.channel.configureBlocking(false);
      c.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.channel.connect(c.server);
      c.key = c.channel.register(selector, SelectionKey.OP_CONNECT, c);
      connecting++;
    }
  }

  /** Runs the selector for up to {@code millis} (at least one select). */
  void poll(long millis) throws IOException {
    startConnects();
    selector.select(Math.max(1, millis));
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey k = it.next();
      it.remove();
      Client c = (Client) k.attachment();
      try {
        if (!k.isValid()) {
          continue;
        }
        if (k.isConnectable()) {
          c.channel.finishConnect();
          String key = java.util.Base64.getEncoder().encodeToString(String.format("bench-key-%06d", c.index % 1_000_000)
              .getBytes(StandardCharsets.US_ASCII));
          c.channel.write(ByteBuffer.wrap(("GET " + c.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + c.server.getPort()
              + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
              + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
          k.interestOps(SelectionKey.OP_READ);
          continue;
        }
        if (k.isWritable()) {
          c.flushOutbox();
        }
        if (k.isReadable()) {
          read(c);
        }
      } catch (IOException e) {
        close(c);
      }
    }
  }

  private void close(Client c) {
    if (c.closed) {
      return;
    }
    if (!c.open) {
      connecting--;
    }
    c.closed = true;
    try {
      c.channel.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    handler.closed(c);
  }

  void closeAll() {
    for (Client c : clients) {
      if (c.channel != null) {
        close(c);
      }
    }
  }

  private void read(Client c) throws IOException {
    shared.clear();
    if (c.pending != null) {
      shared.put(c.pending);
      c.pending = null;
    }
    int n = c.channel.read(shared);
    if (n < 0) {
      close(c);
      return;
    }
    bytesIn += n;
    shared.flip();
    if (!c.open) {
      while (shared.hasRemaining() && !c.handshake.toString().endsWith("\r\n\r\n")) {
        c.handshake.append((char) shared.get());
      }
      if (!c.handshake.toString().endsWith("\r\n\r\n")) {
        return;
      }
      if (!c.handshake.toString().startsWith("HTTP/1.1 101")) {
        throw new IOException("upgrade refused: " + c.handshake.toString().lines().findFirst().orElse(""));
      }
      c.open = true;
      connecting--;
      handler.opened(c);
    }
    frames(c);
  }

  private void frames(Client c) throws IOException {
    while (shared.hasRemaining()) {
      if (c.skip > 0) {
        int step = (int) Math.min(c.skip, shared.remaining());
        shared.position(shared.position() + step);
        c.skip -= step;
        continue;
      }
      int start = shared.position();
      if (shared.remaining() < 2) {
        break;
      }
      int b0 = shared.get(start) & 0xff;
      int b1 = shared.get(start + 1) & 0x7f;
      int head = b1 < 126 ? 2 : b1 == 126 ? 4 : 10;
      if (shared.remaining() < head) {
        break;
      }
      long len = b1 < 126 ? b1 : b1 == 126 ? shared.getShort(start + 2) & 0xffff : shared.getLong(start + 2);
      int opcode = b0 & 0x0f;
      if (len > SMALL_FRAME) {
        shared.position(start + head);
        c.skip = len;
        handler.bigFrame(c, len);
        continue;
      }
      if (shared.remaining() < head + len) {
        break;
      }
      ByteBuffer payload = shared.duplicate();
      payload.position(start + head).limit(start + head + (int) len);
      shared.position(start + head + (int) len);
      if (opcode == 0x1) {
        handler.text(c, payload);
      } else if (opcode == 0x9) {
        byte[] p = new byte[(int) len];
        payload.get(p);
        c.send(p, 0xA);
      } else if (opcode == 0x8) {
        close(c);
        return;
      }
    }
    if (shared.hasRemaining()) {
      c.pending = ByteBuffer.allocate(shared.remaining()).put(shared);
      c.pending.flip();
    }
  }

  /** The payload as text (small frames only). */
  static String text(ByteBuffer payload) {
    byte[] b = new byte[payload.remaining()];
    payload.duplicate().get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** True when the payload starts with {@code prefix} (ASCII). */
  static boolean startsWith(ByteBuffer payload, String prefix) {
    if (payload.remaining() < prefix.length()) {
      return false;
    }
    int p = payload.position();
    for (int i = 0; i < prefix.length(); i++) {
      if (payload.get(p + i) != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
