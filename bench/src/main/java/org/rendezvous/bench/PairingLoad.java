package org.rendezvous.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * S1 pairing bursts: N pairs arriving at once. Per round, N initiators each probe their UDP address
 * on the pairing port (the address echo), connect over TCP and send a udp-protocol hello; once every
 * node reports all of them waiting ({@code rendezvous_pairing_waiting_initiators} on /metrics), N
 * receivers probe and connect, and then all N receiver hellos are written back to back by one
 * thread while another reads every reply. A pair's latency runs from the write of its receiver's
 * hello to the later of its two replies (each checked byte for byte against the other side's probed
 * address). With several nodes, initiator i goes to node i mod n and its receiver to the next node,
 * so every pair crosses nodes. Prints one JSON line per round to stderr and a summary line.
 *
 * With {@code --server-pids} it also reports the CPU time the nodes and the generator itself used
 * over the measured rounds, per pair: everything a pair costs (two connects, two UDP probes, two
 * hellos, two replies, two closes), all threads, user and kernel time.
 *
 * <pre>--ports 25700[,25701,…] --ops-ports 25080[,…] [--pairs 1000] [--rounds 3] [--warmup-rounds 1]
 * [--timeout 60] [--server-pids PID[,PID…] --clk-tck 100] [--label name]</pre>
 */
public final class PairingLoad {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

  /** One simulated client: its UDP probe socket and its signalling connection. */
  private static final class Peer {
    final int port;
    final DatagramChannel udp;
    final SocketChannel tcp;
    String probed;
    long probeSentAt;
    long probeRttNanos = -1;
    int probesSent;
    boolean connected;
    byte[] hello;
    long helloAt;
    final ByteBuffer in = ByteBuffer.allocate(512);
    long replyAt = -1;
    String reply;

    Peer(int port) throws IOException {
      this.port = port;
      udp = DatagramChannel.open();
      udp.bind(new InetSocketAddress(LOOPBACK, 0));
      udp.configureBlocking(false);
      tcp = SocketChannel.open();
      tcp.configureBlocking(false);
      tcp.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    void probe(long now) throws IOException {
      probeSentAt = now;
      probesSent++;
      udp.send(ByteBuffer.wrap(PING), new InetSocketAddress(LOOPBACK, port));
    }

    void close() {
      try {
        udp.close();
        tcp.close();
      } catch (IOException ignored) {
        // closing a loopback socket in the benchmark: nothing to recover
      }
    }
  }

  private final int[] ports;
  private final NodeMetrics[] ops;
  private final int pairs;
  private final long timeoutNanos;

  private PairingLoad(int[] ports, int[] opsPorts, int pairs, double timeoutSeconds) {
    this.ports = ports;
    this.ops = Arrays.stream(opsPorts).mapToObj(NodeMetrics::new).toArray(NodeMetrics[]::new);
    this.pairs = pairs;
    this.timeoutNanos = (long) (timeoutSeconds * 1e9);
  }

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    int[] ports = Arrays.stream(args.text("ports", "25700").split(",")).mapToInt(Integer::parseInt).toArray();
    int[] opsPorts = Arrays.stream(args.text("ops-ports", "25080").split(",")).mapToInt(Integer::parseInt).toArray();
    if (ports.length != opsPorts.length) {
      throw new IllegalArgumentException("--ports and --ops-ports need one entry per node");
    }
    int pairs = args.integer("pairs", 1000);
    int rounds = args.integer("rounds", 3);
    int warmups = args.integer("warmup-rounds", 1);
    if (pairs < 1 || pairs > 5000 || rounds < 1 || rounds > 20 || warmups < 0 || warmups > 500) {
      throw new IllegalArgumentException("--pairs 1..5000, --rounds 1..20, --warmup-rounds 0..500");
    }
    PairingLoad load = new PairingLoad(ports, opsPorts, pairs, args.seconds("timeout", 60));
    String runId = UUID.randomUUID().toString().substring(0, 8);
    for (int w = 0; w < warmups; w++) {
      System.err.println("warm-up " + load.round(runId + "-w" + w).json("warm-up " + (w + 1)));
    }
    int clkTck = args.integer("clk-tck", 100);
    List<ProcessCpu> servers = new ArrayList<>();
    for (String pid : args.text("server-pids", "").split(",")) {
      if (!pid.isBlank()) {
        servers.add(new ProcessCpu(Long.parseLong(pid.trim()), clkTck));
      }
    }
    ProcessCpu self = new ProcessCpu(ProcessHandle.current().pid(), clkTck);
    long serverCpuBefore = servers.stream().mapToLong(ProcessCpu::micros).sum();
    long selfCpuBefore = self.micros();
    List<Map<Long, ProcessCpu.ThreadCpu>> threadsBefore = servers.stream().map(ProcessCpu::threads).toList();
    MachineCpu.Sample machineBefore = MachineCpu.sample();
    List<Round> measured = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      Round round = load.round(runId + "-" + r);
      measured.add(round);
      System.err.println(round.json("round " + (r + 1)));
    }
    MachineCpu.Sample machine = MachineCpu.sample().minus(machineBefore);
    Map<String, Long> groups = new HashMap<>();
    for (int i = 0; i < servers.size(); i++) {
      ProcessCpu.byGroup(threadsBefore.get(i), servers.get(i).threads()).forEach((g, micros) -> groups.merge(g, micros, Long::sum));
    }
    long groupsTotal = groups.values().stream().mapToLong(Long::longValue).sum();
    double measuredPairs = (double) pairs * rounds;
    double serverCpuPerPair = servers.isEmpty() ? Double.NaN
        : (servers.stream().mapToLong(ProcessCpu::micros).sum() - serverCpuBefore) / measuredPairs;
    double selfCpuPerPair = (self.micros() - selfCpuBefore) / measuredPairs;
    long[] all = measured.stream().flatMapToLong(m -> Arrays.stream(m.latencies)).sorted().toArray();
    double[] rates = measured.stream().mapToDouble(m -> m.pairsPerSecond).sorted().toArray();
    System.out.println(new JsonLine()
        .put("label", args.text("label", ports.length + " node(s)"))
        .put("nodes", ports.length)
        .put("pairs", pairs)
        .put("rounds", rounds)
        .put("completed", measured.stream().mapToLong(m -> m.completed).sum())
        .put("wrong", measured.stream().mapToLong(m -> m.wrong).sum())
        .put("missing", measured.stream().mapToLong(m -> m.missing).sum())
        .put("p50Ms", percentileMs(all, 50))
        .put("p90Ms", percentileMs(all, 90))
        .put("p99Ms", percentileMs(all, 99))
        .put("maxMs", percentileMs(all, 100))
        .put("worstRoundP99Ms", measured.stream().mapToDouble(m -> percentileMs(m.latencies, 99)).max().orElse(Double.NaN))
        .put("pairsPerSecondMin", rates[0])
        .put("pairsPerSecondMedian", rates[rates.length / 2])
        .put("pairsPerSecondMax", rates[rates.length - 1])
        .put("initiatorsWaitingAfterMsMedian", median(measured.stream().mapToDouble(m -> m.initiatorsWaitingMs).toArray()))
        .put("probeP50Ms", percentileMs(measured.stream().flatMapToLong(m -> Arrays.stream(m.probeRtts)).sorted().toArray(), 50))
        .put("probeP99Ms", percentileMs(measured.stream().flatMapToLong(m -> Arrays.stream(m.probeRtts)).sorted().toArray(), 99))
        .put("serverCpuMicrosPerPair", serverCpuPerPair)
        .put("generatorCpuMicrosPerPair", selfCpuPerPair)
        .put("machineUserPercent", machine.percent(machine.user()))
        .put("machineSystemPercent", machine.percent(machine.system()))
        .put("machineIdlePercent", machine.percent(machine.idle()))
        .putAll("nodeCpuPercent_", ProcessCpu.THREAD_GROUPS,
            group -> groupsTotal == 0 ? Double.NaN : 100.0 * groups.getOrDefault(group, 0L) / groupsTotal));
  }

  /** The figures of one burst. */
  private record Round(long[] latencies, long completed, long wrong, long missing, double pairsPerSecond,
                       double initiatorsWaitingMs, long[] probeRtts) {
    String json(String name) {
      return new JsonLine().put("round", name).put("completed", completed).put("wrong", wrong).put("missing", missing)
          .put("p50Ms", percentileMs(latencies, 50)).put("p99Ms", percentileMs(latencies, 99))
          .put("maxMs", percentileMs(latencies, 100)).put("pairsPerSecond", pairsPerSecond)
          .put("initiatorsWaitingAfterMs", initiatorsWaitingMs).toString();
    }
  }

  private Round round(String id) throws Exception {
    Peer[] initiators = new Peer[pairs];
    Peer[] receivers = new Peer[pairs];
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < pairs; i++) {
        initiators[i] = new Peer(ports[i % ports.length]);
        receivers[i] = new Peer(ports[(i + 1) % ports.length]);
      }
      // Initiators: probe, connect, hello; then wait until every node counts them all as waiting.
      prepare(selector, initiators);
      long helloStart = System.nanoTime();
      for (int i = 0; i < pairs; i++) {
        initiators[i].hello = hello(id + "-" + i, "127.0.0.1", initiators[i].probed);
        write(initiators[i]);
      }
      awaitWaiting(pairs);
      double initiatorsWaitingMs = (System.nanoTime() - helloStart) / 1e6;

      // Receivers: probe and connect first (a real receiver probes before its hello), then the burst.
      prepare(selector, receivers);
      for (int i = 0; i < pairs; i++) {
        receivers[i].hello = hello(id + "-" + i, "", receivers[i].probed);
      }
      for (Peer p : initiators) {
        p.tcp.keyFor(selector).interestOps(SelectionKey.OP_READ);
      }
      for (Peer p : receivers) {
        p.tcp.keyFor(selector).interestOps(SelectionKey.OP_READ);
      }
      Thread writer = new Thread(() -> {
        try {
          for (Peer r : receivers) {
            r.helloAt = System.nanoTime();
            write(r);
          }
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }, "receiver-hellos");
      writer.start();
      readReplies(selector, 2 * pairs);
      writer.join();

      long[] latencies = new long[pairs];
      long completed = 0;
      long wrong = 0;
      long missing = 0;
      long firstHello = Long.MAX_VALUE;
      long lastDone = Long.MIN_VALUE;
      for (int i = 0; i < pairs; i++) {
        Peer in = initiators[i];
        Peer rc = receivers[i];
        if (in.reply == null || rc.reply == null) {
          missing++;
          latencies[i] = Long.MAX_VALUE;
          continue;
        }
        boolean right = in.reply.equals("{\"protocol\":\"udp\",\"peer_address\":\"" + rc.probed + "\"}\n")
            && rc.reply.equals("{\"protocol\":\"udp\",\"peer_address\":\"" + in.probed + "\"}\n");
        if (right) {
          completed++;
        } else {
          wrong++;
          if (wrong == 1) {
            System.err.println("unexpected replies: initiator " + in.reply.strip() + ", receiver " + rc.reply.strip());
          }
        }
        long done = Math.max(in.replyAt, rc.replyAt);
        latencies[i] = done - rc.helloAt;
        firstHello = Math.min(firstHello, rc.helloAt);
        lastDone = Math.max(lastDone, done);
      }
      Arrays.sort(latencies);
      long[] probes = new long[2 * pairs];
      for (int i = 0; i < pairs; i++) {
        probes[2 * i] = initiators[i].probeRttNanos;
        probes[2 * i + 1] = receivers[i].probeRttNanos;
      }
      Arrays.sort(probes);
      double rate = lastDone > firstHello ? (completed + wrong) / ((lastDone - firstHello) / 1e9) : Double.NaN;
      return new Round(latencies, completed, wrong, missing, rate, initiatorsWaitingMs, probes);
    } finally {
      for (Peer[] side : new Peer[][] {initiators, receivers}) {
        for (Peer p : side) {
          if (p != null) {
            p.close();
          }
        }
      }
      awaitWaiting(0); // nothing of this round may be left for the next
    }
  }

  /** UDP probe (re-sent after 1 s, at most 5 times) and TCP connect of every peer, all at once. */
  private void prepare(Selector selector, Peer[] peers) throws IOException {
    long now = System.nanoTime();
    for (Peer p : peers) {
      p.udp.register(selector, SelectionKey.OP_READ, p);
      p.probe(now);
      p.tcp.register(selector, p.tcp.connect(new InetSocketAddress(LOOPBACK, p.port)) ? 0 : SelectionKey.OP_CONNECT, p);
      p.connected = p.tcp.isConnected();
    }
    int pending = 2 * peers.length - (int) Arrays.stream(peers).filter(p -> p.connected).count();
    long deadline = now + timeoutNanos;
    ByteBuffer echo = ByteBuffer.allocate(128);
    while (pending > 0) {
      if (System.nanoTime() > deadline) {
        throw new IOException(pending + " probes/connects unfinished after the timeout");
      }
      selector.select(100);
      for (SelectionKey k : selector.selectedKeys()) {
        Peer p = (Peer) k.attachment();
        if (k.channel() == p.udp && k.isReadable()) {
          echo.clear();
          if (p.udp.receive(echo) != null && p.probed == null) {
            p.probeRttNanos = System.nanoTime() - p.probeSentAt;
            p.probed = new String(echo.array(), 0, echo.position(), StandardCharsets.US_ASCII);
            pending--;
          }
        } else if (k.channel() == p.tcp && k.isValid() && k.isConnectable() && p.tcp.finishConnect()) {
          k.interestOps(0);
          p.connected = true;
          pending--;
        }
      }
      selector.selectedKeys().clear();
      long t = System.nanoTime();
      for (Peer p : peers) {
        if (p.probed == null && t - p.probeSentAt > 1_000_000_000L) {
          if (p.probesSent >= 5) {
            throw new IOException("no address echo after 5 probes from UDP port " + p.udp.socket().getLocalPort());
          }
          p.probe(t);
        }
      }
    }
  }

  /** Reads until {@code expected} connections have delivered a whole reply line, or the timeout. */
  private void readReplies(Selector selector, int expected) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    int done = 0;
    while (done < expected && System.nanoTime() < deadline) {
      selector.select(100);
      long now = System.nanoTime();
      for (SelectionKey k : selector.selectedKeys()) {
        Peer p = (Peer) k.attachment();
        if (k.channel() != p.tcp || !k.isValid() || !k.isReadable()) {
          continue;
        }
        int n;
        try {
          n = p.tcp.read(p.in);
        } catch (IOException reset) {
          n = -1;
        }
        if (p.reply == null && p.in.position() > 0 && p.in.get(p.in.position() - 1) == '\n') {
          p.replyAt = now;
          p.reply = new String(p.in.array(), 0, p.in.position(), StandardCharsets.UTF_8);
          done++;
        }
        if (n < 0 || !p.in.hasRemaining()) {
          k.cancel();
        }
      }
      selector.selectedKeys().clear();
    }
  }

  private static void write(Peer p) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(p.hello);
    while (b.hasRemaining()) {
      p.tcp.write(b); // a fresh connection's send buffer takes a 150-byte hello at once
    }
  }

  private static byte[] hello(String uuid, String targetIp, String address) {
    return ("{\"uuid\":\"" + uuid + "\",\"target_ip\":\"" + targetIp + "\",\"protocol\":\"udp\",\"address\":\"" + address + "\"}\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Polls every node's waiting-initiator gauge until their sum is {@code n}. */
  private void awaitWaiting(long n) throws Exception {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      long sum = 0;
      for (NodeMetrics m : ops) {
        sum += m.value("rendezvous_pairing_waiting_initiators");
      }
      if (sum == n) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("nodes report " + sum + " initiators waiting, expected " + n);
      }
      Thread.sleep(10); // the polling interval of a metrics scrape
    }
  }

  /** Nearest-rank percentile in milliseconds of sorted nanosecond samples; missing samples sort last as MAX_VALUE. */
  static double percentileMs(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    long v = sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    return v == Long.MAX_VALUE || v < 0 ? Double.NaN : v / 1e6;
  }

  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s.length == 0 ? Double.NaN : s[s.length / 2];
  }
}
