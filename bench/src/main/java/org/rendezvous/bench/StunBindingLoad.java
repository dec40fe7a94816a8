package org.rendezvous.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Closed-loop STUN Binding load against one server: several UDP sockets, each keeping a fixed
 * window of RFC 5389 Binding requests in flight; a response counts when it is a Binding success
 * for an outstanding transaction id whose XOR-MAPPED-ADDRESS is the socket's own address. A
 * request unanswered after {@code --timeout-ms} is counted lost and replaced, so loss never
 * stalls the window. Runs a warm-up, then the measured window, and prints one JSON line; with
 * {@code --server-pid} it also reads the server's CPU time at the edges of the measured window.
 *
 * <pre>--port P [--host 127.0.0.1] [--sockets 4] [--window 16] [--warmup 5] [--duration 10]
 * [--timeout-ms 200] [--server-pid PID --clk-tck 100] [--label name]</pre>
 */
public final class StunBindingLoad {

  private static final int MAGIC_COOKIE = 0x2112A442;
  private static final int XOR_MAPPED_ADDRESS = 0x0020;

  /** One socket and its window of outstanding transactions. */
  private static final class Client {
    final DatagramChannel channel;
    final int localPort;
    final byte[][] txIds;
    final long[] sentAt;
    final ByteBuffer request = ByteBuffer.allocate(20);

    Client(DatagramChannel channel, int window) throws IOException {
      this.channel = channel;
      this.localPort = ((InetSocketAddress) channel.getLocalAddress()).getPort();
      this.txIds = new byte[window][12];
      this.sentAt = new long[window];
    }

    /** Puts a fresh transaction in {@code slot} and sends it. */
    void send(int slot, long now) throws IOException {
      ThreadLocalRandom.current().nextBytes(txIds[slot]);
      request.clear();
      request.putShort((short) 0x0001).putShort((short) 0).putInt(MAGIC_COOKIE).put(txIds[slot]).flip();
      channel.write(request); // a full send buffer drops it: the slot then times out like a lost packet
      sentAt[slot] = now;
    }

    /** The slot of the outstanding transaction this response answers, or -1. */
    int slotOf(ByteBuffer response) {
      byte[] a = response.array();
      for (int i = 0; i < txIds.length; i++) {
        if (Arrays.equals(a, 8, 20, txIds[i], 0, 12)) {
          return i;
        }
      }
      return -1;
    }
  }

  private long sent;
  private long answered;
  private long lost;
  private long rejected;

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    InetSocketAddress server = new InetSocketAddress(args.text("host", "127.0.0.1"), args.integer("port", 3478));
    int sockets = args.integer("sockets", 4);
    int window = args.integer("window", 16);
    long warmupNs = (long) (args.seconds("warmup", 5) * 1e9);
    long durationNs = (long) (args.seconds("duration", 10) * 1e9);
    long timeoutNs = args.integer("timeout-ms", 200) * 1_000_000L;
    int pid = args.integer("server-pid", 0);
    ProcessCpu cpu = pid > 0 ? new ProcessCpu(pid, args.integer("clk-tck", 100)) : null;

    StunBindingLoad load = new StunBindingLoad();
    try (Selector selector = Selector.open()) {
      Client[] clients = new Client[sockets];
      for (int i = 0; i < sockets; i++) {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress("127.0.0.1", 0)).connect(server).configureBlocking(false);
        clients[i] = new Client(ch, window);
        ch.register(selector, SelectionKey.OP_READ, clients[i]);
      }
      long start = System.nanoTime();
      for (Client c : clients) {
        for (int slot = 0; slot < window; slot++) {
          c.send(slot, start);
        }
      }
      load.run(selector, clients, start + warmupNs, timeoutNs);
      ProcessCpu.Sample cpuBefore = cpu == null ? null : cpu.sample();
      long measureStart = System.nanoTime();
      load.sent = load.answered = load.lost = load.rejected = 0;
      load.run(selector, clients, measureStart + durationNs, timeoutNs);
      ProcessCpu.Sample cpuAfter = cpu == null ? null : cpu.sample();
      double seconds = (System.nanoTime() - measureStart) / 1e9;
      for (Client c : clients) {
        c.channel.close();
      }

      JsonLine out = new JsonLine().put("label", args.text("label", server.toString()))
          .put("sockets", sockets).put("window", window).put("seconds", seconds)
          .put("sent", load.sent).put("answered", load.answered).put("lost", load.lost).put("rejected", load.rejected)
          .put("answeredPerSecond", load.answered / seconds);
      if (cpu != null) {
        ProcessCpu.Sample used = cpuAfter.minus(cpuBefore);
        double perBinding = load.answered == 0 ? Double.NaN : 1.0 / load.answered;
        out.put("serverCpuMicros", used.totalMicros())
            .put("serverCpuPercent", 100.0 * used.totalMicros() / 1e6 / seconds)
            .put("serverCpuMicrosPerBinding", used.totalMicros() * perBinding)
            .put("serverUserMicrosPerBinding", used.userMicros() * perBinding)
            .put("serverKernelMicrosPerBinding", used.kernelMicros() * perBinding);
      }
      System.out.println(out);
    }
  }

  /** Answers, replaces and times out transactions until {@code deadline} (System.nanoTime). */
  private void run(Selector selector, Client[] clients, long deadline, long timeoutNs) throws IOException {
    ByteBuffer in = ByteBuffer.allocate(1500);
    long nextSweep = System.nanoTime() + timeoutNs / 4;
    for (long now = System.nanoTime(); now < deadline; now = System.nanoTime()) {
      selector.select(Math.max(1, Math.min(10, (deadline - now) / 1_000_000)));
      for (SelectionKey key : selector.selectedKeys()) {
        Client c = (Client) key.attachment();
        for (int budget = 64; budget > 0; budget--) { // bounded, so no socket starves the others
          in.clear();
          int n;
          try {
            n = c.channel.read(in);
          } catch (IOException e) { // ICMP port unreachable: the server is not (yet) there
            break;
          }
          if (n <= 0) {
            break;
          }
          int slot = n >= 20 ? c.slotOf(in) : -1;
          if (slot < 0) {
            rejected++; // not ours: a late answer to a transaction already counted lost, or garbage
            continue;
          }
          if (isBindingSuccessFor(in, n, c.localPort)) {
            answered++;
          } else {
            rejected++;
          }
          c.send(slot, System.nanoTime());
          sent++;
        }
      }
      selector.selectedKeys().clear();
      now = System.nanoTime();
      if (now >= nextSweep) {
        nextSweep = now + timeoutNs / 4;
        for (Client c : clients) {
          for (int slot = 0; slot < c.sentAt.length; slot++) {
            if (now - c.sentAt[slot] > timeoutNs) {
              lost++;
              c.send(slot, now);
              sent++;
            }
          }
        }
      }
    }
  }

  /** A Binding success response whose XOR-MAPPED-ADDRESS is 127.0.0.1:{@code localPort}. */
  static boolean isBindingSuccessFor(ByteBuffer b, int n, int localPort) {
    if (b.getShort(0) != 0x0101 || b.getInt(4) != MAGIC_COOKIE || (b.getShort(2) & 0xFFFF) + 20 != n) {
      return false;
    }
    for (int at = 20; at + 4 <= n; ) {
      int type = b.getShort(at) & 0xFFFF;
      int len = b.getShort(at + 2) & 0xFFFF;
      if (type == XOR_MAPPED_ADDRESS && len == 8 && at + 12 <= n) {
        int port = (b.getShort(at + 6) ^ (MAGIC_COOKIE >>> 16)) & 0xFFFF;
        int ip = b.getInt(at + 8) ^ MAGIC_COOKIE;
        return b.get(at + 5) == 0x01 && port == localPort && ip == 0x7F000001;
      }
      at += 4 + ((len + 3) & ~3);
    }
    return false;
  }
}
