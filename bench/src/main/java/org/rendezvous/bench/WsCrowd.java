package org.rendezvous.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many registered WebSocket clients on one Rendezvous node, and what online_users costs at that
 * size: opens {@code --clients} connections, registers each under a fixed-width name (so a list's
 * length tells how many users it holds), waits until every client holds the full list, reads the
 * server's RSS and heap (jcmd), then times one more client joining and leaving: from its register
 * (or close) until every client holds the new list, with the server's CPU and the bytes received.
 * One JSON line.
 *
 * <pre>--port P --server-pid PID [--clients 20000] [--clk-tck 100] [--timeout 600]</pre>
 */
public final class WsCrowd implements WsClients.Handler {

  private static final String TIMESTAMP = "2026-11-21T20:14:26.467257";

  private final int clients;
  private WsClients net;
  private int registered;

  private WsCrowd(int clients) {
    this.clients = clients;
  }

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    int port = args.integer("port", 0);
    long pid = Long.parseLong(args.text("server-pid", "0"));
    if (port == 0 || pid == 0) {
      throw new IllegalArgumentException("--port and --server-pid are required");
    }
    new WsCrowd(args.integer("clients", 20_000)).run(port, pid, args.integer("clk-tck", 100), args.seconds("timeout", 600));
  }

  private static String name(int i) {
    return String.format("u%06d", i);
  }

  /** Payload length of an online_users list of {@code n} users with fixed-width names and ids. */
  static long listLength(int n) {
    String empty = "{\"type\": \"online_users\", \"users\": [], \"timestamp\": \"" + TIMESTAMP + "\"}";
    String entry = "{\"username\": \"" + name(0) + "\", \"user_id\": \"i" + name(0).substring(1) + "\"}";
    return empty.length() + (long) n * entry.length() + Math.max(0, n - 1) * 2L;
  }

  private void run(int port, long pid, int clkTck, double timeoutSeconds) throws Exception {
    long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
    net = new WsClients(this, 500);
    InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
    for (int i = 0; i < clients; i++) {
      net.add(server, "/");
    }
    ProcessCpu cpu = new ProcessCpu(pid, clkTck);
    long start = System.nanoTime();
    long cpuStart = cpu.micros();
    while (registered < clients) {
      step(deadline, "registrations (" + registered + " of " + clients + ")");
    }
    long allRegistered = System.nanoTime();
    waitForLists(clients, clients, deadline);
    long allListsFull = System.nanoTime();
    long rampCpu = cpu.micros() - cpuStart;
    long closed = net.clients().stream().filter(c -> c.closed).count();

    long rssKb = rssKb(pid);
    long heapUsedKb = heapUsedKb(pid);
    jcmd(pid, "GC.run");
    long liveHeapKb = heapUsedKb(pid);

    // One more user joins: every client gets the list of clients + 1.
    long cpu0 = cpu.micros();
    long bytes0 = net.bytesIn;
    long t0 = System.nanoTime();
    WsClients.Client extra = net.add(server, "/");
    waitForLists(clients + 1, clients + 1, deadline);
    long joinNanos = System.nanoTime() - t0;
    long joinCpu = cpu.micros() - cpu0;
    long joinBytes = net.bytesIn - bytes0;

    // It leaves: every remaining client gets the list of clients.
    cpu0 = cpu.micros();
    bytes0 = net.bytesIn;
    t0 = System.nanoTime();
    extra.channel.close();
    extra.closed = true;
    waitForLists(clients, clients, deadline);
    long leaveNanos = System.nanoTime() - t0;
    long leaveCpu = cpu.micros() - cpu0;
    long leaveBytes = net.bytesIn - bytes0;
    net.closeAll();

    System.out.println(new JsonLine()
        .put("clients", clients)
        .put("registerSeconds", (allRegistered - start) / 1e9)
        .put("fullListEverywhereSeconds", (allListsFull - start) / 1e9)
        .put("rampServerCpuSeconds", rampCpu / 1e6)
        .put("closedDuringRamp", closed)
        .put("serverRssMiB", rssKb / 1024.0)
        .put("serverHeapUsedMiB", heapUsedKb / 1024.0)
        .put("serverLiveHeapMiB", liveHeapKb / 1024.0)
        .put("listBytes", listLength(clients + 1))
        .put("joinBroadcastMillis", joinNanos / 1e6)
        .put("joinBroadcastServerCpuMillis", joinCpu / 1e3)
        .put("joinBroadcastBytes", joinBytes)
        .put("leaveBroadcastMillis", leaveNanos / 1e6)
        .put("leaveBroadcastServerCpuMillis", leaveCpu / 1e3)
        .put("leaveBroadcastBytes", leaveBytes));
  }

  /** Until every open client among the first {@code among} holds a list of {@code users}. */
  private void waitForLists(int users, int among, long deadline) throws IOException {
    while (true) {
      int behind = 0;
      for (int i = 0; i < among; i++) {
        WsClients.Client c = net.clients().get(i);
        if (!c.closed && c.count != users) {
          behind++;
        }
      }
      if (behind == 0) {
        return;
      }
      step(deadline, behind + " clients without the list of " + users);
    }
  }

  private void step(long deadline, String what) throws IOException {
    net.poll(50);
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("timed out waiting for " + what);
    }
  }

  @Override
  public void opened(WsClients.Client c) throws IOException {
    c.send("{\"type\":\"register\",\"username\":\"" + name(c.index) + "\",\"user_id\":\"i" + name(c.index).substring(1) + "\"}");
  }

  @Override
  public void text(WsClients.Client c, ByteBuffer p) {
    if (WsClients.startsWith(p, "{\"type\": \"registered\"")) {
      registered++;
    } else if (WsClients.startsWith(p, "{\"type\": \"online_users\"")) {
      list(c, p.remaining());
    } else if (WsClients.startsWith(p, "{\"type\": \"error\"")) {
      throw new IllegalStateException("client " + c.index + ": " + WsClients.text(p));
    }
  }

  @Override
  public void bigFrame(WsClients.Client c, long length) {
    list(c, length);
  }

  private void list(WsClients.Client c, long length) {
    // n from the length: the inverse of listLength
    long perUser = listLength(2) - listLength(1);
    long n = length == listLength(0) ? 0 : (length - listLength(1)) / perUser + 1;
    c.count = listLength((int) n) == length ? (int) n : -1;
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** A generation's line of GC.heap_info: G1 has one for the whole heap, the parallel and serial collectors two. */
  private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

  /** Heap in use: the sum over the collector's generations, or -1 when jcmd printed none. */
  private static long heapUsedKb(long pid) throws Exception {
    Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    long usedKb = -1;
    while (m.find()) {
      usedKb = Math.max(usedKb, 0) + Long.parseLong(m.group(1));
    }
    return usedKb;
  }

  private static String jcmd(long pid, String command) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    Process p = new ProcessBuilder(jcmd, Long.toString(pid), command).redirectErrorStream(true).start();
    try (InputStream in = p.getInputStream()) {
      String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(60, TimeUnit.SECONDS);
      return out;
    }
  }
}
