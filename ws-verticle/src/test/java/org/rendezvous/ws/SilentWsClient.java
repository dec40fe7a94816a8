package org.rendezvous.ws;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client on a plain socket that never answers pings: what a dead peer looks like to the
 * server's keepalive. It can send text and pongs and read frames, reporting pings and the close code.
 */
final class SilentWsClient implements AutoCloseable {

  /** Frame opcodes read. */
  private static final int TEXT = 0x1;
  private static final int CLOSE = 0x8;
  private static final int PING = 0x9;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  int pingsSeen;

  SilentWsClient(int port) throws IOException {
    this(port, 0);
  }

  /** {@code receiveBuffer} > 0: the socket's receive buffer, set small to stand for a client that reads slowly or not at all. */
  SilentWsClient(int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    out = socket.getOutputStream();
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      throw new IOException("no upgrade: " + head);
    }
  }

  /** Sends one masked text frame (clients must mask). */
  void sendText(String text) throws IOException {
    sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code payload} as one text frame as it is, UTF-8 or not. */
  void sendTextBytes(byte[] payload) throws IOException {
    sendFrame(0x81, payload);
  }

  /** Sends a pong frame, asked for or not. */
  void sendPong(byte[] payload) throws IOException {
    sendFrame(0x8A, payload);
  }

  /** Reads frames, counting pings and skipping other control frames, until a text frame: its text. */
  String readText() throws IOException {
    Frame f = nextTextOrClose();
    if (f.opcode() == CLOSE) {
      throw new IOException("closed by the server");
    }
    return new String(f.payload(), StandardCharsets.UTF_8);
  }

  private record Frame(int opcode, byte[] payload) {
  }

  /** The next text or close frame; pings on the way are counted, other frames skipped. */
  private Frame nextTextOrClose() throws IOException {
    while (true) {
      int opcode = in.readUnsignedByte() & 0x0f;
      byte[] payload = readPayload();
      if (opcode == PING) {
        pingsSeen++;
      } else if (opcode == TEXT || opcode == CLOSE) {
        return new Frame(opcode, payload);
      }
    }
  }

  private byte[] readPayload() throws IOException {
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] payload = new byte[(int) len];
    in.readFully(payload);
    return payload;
  }

  /** Sends {@code parts} as one text message in several frames. */
  void sendFragmented(String... parts) throws IOException {
    for (int i = 0; i < parts.length; i++) {
      int opcode = i == 0 ? 0x1 : 0x0;
      sendFrame((i == parts.length - 1 ? 0x80 : 0) | opcode, parts[i].getBytes(StandardCharsets.UTF_8));
    }
  }

  private void sendFrame(int firstByte, byte[] payload) throws IOException {
    out.write(frame(firstByte, payload));
    out.flush();
  }

  /** One whole masked text frame of {@code text}, to be sent in pieces with {@link #sendRaw}. */
  static byte[] textFrame(String text) {
    return frame(0x81, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code len} bytes of {@code bytes} from {@code off} as they are. */
  void sendRaw(byte[] bytes, int off, int len) throws IOException {
    out.write(bytes, off, len);
    out.flush();
  }

  private static byte[] frame(int firstByte, byte[] payload) {
    if (payload.length > 65_535) {
      throw new IllegalArgumentException("frames up to 64 KiB only");
    }
    int head = payload.length > 125 ? 4 : 2;
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    byte[] frame = new byte[head + 4 + payload.length];
    frame[0] = (byte) firstByte;
    if (head == 4) {
      frame[1] = (byte) (0x80 | 126);
      frame[2] = (byte) (payload.length >> 8);
      frame[3] = (byte) payload.length;
    } else {
      frame[1] = (byte) (0x80 | payload.length);
    }
    System.arraycopy(mask, 0, frame, head, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[head + 4 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }

  /**
   * Reads frames, counting pings and skipping data, until a close frame: its status code. Fails when none comes
   * within 10 s (a server that keeps pinging but never closes would otherwise keep this reading).
   */
  int awaitCloseCode() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      if (System.nanoTime() > deadline) {
        throw new IOException("no close frame within 10 s (" + pingsSeen + " pings seen)");
      }
      Frame f = nextTextOrClose();
      if (f.opcode() == CLOSE) {
        byte[] payload = f.payload();
        return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
