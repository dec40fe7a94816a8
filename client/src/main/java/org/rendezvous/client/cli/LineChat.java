package org.rendezvous.client.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The line chat that follows a punched path (or a call): stdin lines go to the peer, the peer's
 * lines are printed; ends when stdin ends (after a linger for late replies) or the peer goes away.
 */
final class LineChat {

  /** One path carrying lines. */
  interface Path {
    void sendLine(String line) throws IOException;

    /** The next line, null after {@code timeoutMs} without one; throws when the path is gone. */
    String receiveLine(int timeoutMs) throws IOException;

    /** How a received line is printed. */
    default String show(String line) {
      return "peer: " + line;
    }
  }

  private LineChat() {
  }

  /** {@link #run(Path, Duration, InputStream, PrintWriter, PrintWriter)} printing to this process's stdout and stderr. */
  static void run(Path path, Duration linger, InputStream stdin) throws IOException {
    run(path, linger, stdin, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
  }

  static void run(Path path, Duration linger, InputStream stdin, PrintWriter out, PrintWriter err) throws IOException {
    AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
    Thread input = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          path.sendLine(line);
        }
      } catch (IOException e) {
        err.println("send failed: " + e.getMessage());
      }
      stopAt.set(System.nanoTime() + linger.toNanos());
    }, "line-chat-input");
    input.setDaemon(true);
    input.start();
    try {
      while (System.nanoTime() < stopAt.get()) {
        String line = path.receiveLine(200);
        if (line != null) {
          out.println(path.show(line));
        }
      }
    } catch (java.io.EOFException e) {
      out.println("peer left: " + e.getMessage());
    }
  }
}
