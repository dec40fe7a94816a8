package org.rendezvous.client.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The line chat that follows a punched path: stdin lines go to the peer, the peer's lines are
 * printed; ends when stdin ends (after a linger for late replies) or the peer goes away.
 */
final class LineChat {

  /** One direct path carrying lines. */
  interface Path {
    void sendLine(String line) throws IOException;

    /** The next line, null after {@code timeoutMs} without one; throws when the path is gone. */
    String receiveLine(int timeoutMs) throws IOException;
  }

  private LineChat() {
  }

  static void run(Path path, Duration linger) throws IOException {
    AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
    Thread input = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          path.sendLine(line);
        }
      } catch (IOException e) {
        System.err.println("send failed: " + e.getMessage());
      }
      stopAt.set(System.nanoTime() + linger.toNanos());
    }, "line-chat-input");
    input.setDaemon(true);
    input.start();
    try {
      while (System.nanoTime() < stopAt.get()) {
        String line = path.receiveLine(200);
        if (line != null) {
          System.out.println("peer: " + line);
        }
      }
    } catch (java.io.EOFException e) {
      System.out.println("peer left: " + e.getMessage());
    }
  }
}
