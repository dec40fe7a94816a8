package org.rendezvous.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;

/**
 * S0 LIST load: registers {@code --users} names {@code list-0 …} with one heartbeat each, waits
 * until a LIST reply holds all of them, then keeps {@code --window} LIST requests in flight on
 * each of {@code --sockets} sockets for a warm-up and a measured window. A reply counts when it
 * has one line per registered user; a socket silent for {@code --timeout-ms} has its window
 * counted lost and re-sent (the node's per-destination reply budget drops replies silently).
 * Expects a node whose registry holds no other names. Prints one JSON line.
 *
 * <pre>--port P --ops-port O [--users 1000] [--sockets 4] [--window 4] [--warmup 3] [--duration 10]
 * [--timeout-ms 500] [--server-pid PID --clk-tck 100]</pre>
 */
public final class ListLoad {

  static final String OVER_BUDGET = "rendezvous_s0_lists_total{result=\"over_budget\"}";
  private static final byte[] LIST = "LIST".getBytes(StandardCharsets.US_ASCII);

  /** One socket: how many of its requests are unanswered, and when it last heard back. */
  private static final class Client {
    final DatagramChannel channel;
    int outstanding;
    long lastHeard;

    Client(DatagramChannel channel) {
      this.channel = channel;
    }
  }

  private final int users;
  private final int window;
  private long replies;
  private long complete;
  private long lost;
  private long replyBytes;

  private ListLoad(int users, int window) {
    this.users = users;
    this.window = window;
  }

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    InetSocketAddress server = new InetSocketAddress(args.text("host", "127.0.0.1"), args.integer("port", 3478));
    NodeMetrics metrics = new NodeMetrics(args.integer("ops-port", 8080));
    ListLoad load = new ListLoad(args.integer("users", 1000), args.integer("window", 4));
    long warmupNs = (long) (args.seconds("warmup", 3) * 1e9);
    long durationNs = (long) (args.seconds("duration", 10) * 1e9);
    long timeoutNs = args.integer("timeout-ms", 500) * 1_000_000L;
    int pid = args.integer("server-pid", 0);
    ProcessCpu cpu = pid > 0 ? new ProcessCpu(pid, args.integer("clk-tck", 100)) : null;

    try (Selector selector = Selector.open()) {
      Client[] clients = new Client[args.integer("sockets", 4)];
      for (int i = 0; i < clients.length; i++) {
        DatagramChannel ch = DatagramChannel.open().setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        ch.bind(new InetSocketAddress("127.0.0.1", 0)).connect(server);
        clients[i] = new Client(ch);
      }
      load.register(clients[0].channel);
      for (Client c : clients) {
        c.channel.configureBlocking(false).register(selector, SelectionKey.OP_READ, c);
      }
      load.run(selector, clients, System.nanoTime() + warmupNs, timeoutNs);
      long overBudgetBefore = metrics.value(OVER_BUDGET);
      long cpuBefore = cpu == null ? 0 : cpu.micros();
      long measureStart = System.nanoTime();
      load.replies = load.complete = load.lost = load.replyBytes = 0;
      load.run(selector, clients, measureStart + durationNs, timeoutNs);
      long cpuAfter = cpu == null ? 0 : cpu.micros();
      double seconds = (System.nanoTime() - measureStart) / 1e9;

      JsonLine out = new JsonLine().put("users", load.users).put("sockets", clients.length).put("window", load.window)
          .put("seconds", seconds).put("replies", load.replies).put("completeReplies", load.complete)
          .put("lost", load.lost).put("overBudget", metrics.value(OVER_BUDGET) - overBudgetBefore)
          .put("replyBytes", load.replies == 0 ? 0 : load.replyBytes / load.replies)
          .put("completeRepliesPerSecond", load.complete / seconds);
      if (cpu != null) {
        long cpuMicros = cpuAfter - cpuBefore;
        out.put("serverCpuMicros", cpuMicros)
            .put("serverCpuMicrosPerReply", load.complete == 0 ? -1 : (double) cpuMicros / load.complete);
      }
      System.out.println(out);
      for (Client c : clients) {
        c.channel.close();
      }
    }
  }

  /** One heartbeat per name, then LIST until every name is in the reply (at most 10 s). */
  private void register(DatagramChannel ch) throws IOException {
    for (int i = 0; i < users; i++) {
      ch.write(ByteBuffer.wrap(("list-" + i).getBytes(StandardCharsets.US_ASCII)));
      if (i % 100 == 99) {
        LockSupport.parkNanos(1_000_000); // keep well under any receive-buffer limit
      }
    }
    ch.configureBlocking(false);
    ByteBuffer in = ByteBuffer.allocate(65_536);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      ch.write(ByteBuffer.wrap(LIST));
      LockSupport.parkNanos(50_000_000);
      in.clear();
      if (ch.read(in) > 0 && lines(in) == users) {
        return;
      }
    }
    throw new IllegalStateException("the node's LIST never held exactly " + users + " names");
  }

  private void run(Selector selector, Client[] clients, long deadline, long timeoutNs) throws IOException {
    ByteBuffer in = ByteBuffer.allocate(65_536);
    for (long now = System.nanoTime(); now < deadline; now = System.nanoTime()) {
      for (Client c : clients) {
        if (c.outstanding > 0 && now - c.lastHeard > timeoutNs) {
          lost += c.outstanding;
          c.outstanding = 0;
        }
        while (c.outstanding < window) {
          c.channel.write(ByteBuffer.wrap(LIST));
          c.outstanding++;
          c.lastHeard = now;
        }
      }
      selector.select(Math.max(1, Math.min(10, (deadline - now) / 1_000_000)));
      for (SelectionKey key : selector.selectedKeys()) {
        Client c = (Client) key.attachment();
        for (int budget = 16; budget > 0; budget--) {
          in.clear();
          int n = c.channel.read(in);
          if (n <= 0) {
            break;
          }
          replies++;
          replyBytes += n;
          if (lines(in) == users) {
            complete++;
          }
          c.outstanding = Math.max(0, c.outstanding - 1);
          c.lastHeard = System.nanoTime();
        }
      }
      selector.selectedKeys().clear();
    }
  }

  /** Lines in a LIST reply: no trailing newline, so newlines + 1 (0 for an empty reply). */
  private static int lines(ByteBuffer reply) {
    int n = reply.position();
    if (n == 0) {
      return 0;
    }
    int lines = 1;
    byte[] a = reply.array();
    for (int i = 0; i < n; i++) {
      if (a[i] == '\n') {
        lines++;
      }
    }
    return lines;
  }
}
