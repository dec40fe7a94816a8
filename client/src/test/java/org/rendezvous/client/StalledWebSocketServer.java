package org.rendezvous.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A WebSocket peer that completes the handshake and then never reads: what a server that stopped
 * reading looks like to a client, which a healthy node cannot be made to do on demand.
 */
final class StalledWebSocketServer implements AutoCloseable {

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final Pattern KEY = Pattern.compile("(?im)^sec-websocket-key:\\s*(\\S+)\\s*$");

  private final ServerSocket server;
  private final Thread acceptor;
  private volatile Socket accepted;

  StalledWebSocketServer() throws IOException {
    server = new ServerSocket();
    server.setReceiveBufferSize(4096); // inherited by the accepted socket: the stall shows sooner
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    acceptor = new Thread(this::acceptOne, "stalled-ws");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI uri() {
    return URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/");
  }

  private void acceptOne() {
    try {
      Socket s = server.accept();
      accepted = s;
      Matcher key = KEY.matcher(readHead(s.getInputStream()));
      if (!key.find()) {
        s.close();
        return;
      }
      byte[] digest = MessageDigest.getInstance("SHA-1").digest((key.group(1) + GUID).getBytes(StandardCharsets.US_ASCII));
      String reply = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(digest) + "\r\n\r\n";
      s.getOutputStream().write(reply.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
    } catch (Exception e) {
      // closed by close() before a client came: nothing to serve
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    for (int b; matched < 4 && (b = in.read()) != -1 && head.size() < 16_384; ) {
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    server.close();
    Socket s = accepted;
    if (s != null) {
      s.close();
    }
  }
}
