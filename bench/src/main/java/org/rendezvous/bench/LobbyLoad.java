package org.rendezvous.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * S4 lobby load: {@code --sessions} sessions of {@code --players} players, each player its own UDP
 * socket, behaving like the Godot client: the host resends {@code h} and the others {@code c} every
 * {@code --interval-ms} until they are in, then every player pings at that interval. The players'
 * turns are spread evenly over the interval (player k at k × interval / all players); session s
 * arrives at s × {@code --ramp} / sessions seconds, so the sessions open over the ramp. Player j of
 * session s talks to node (s + j) mod the number of {@code --ports}, so on a cluster most players
 * of a session talk to a node other than the session's owner.
 *
 * <p>Once everyone is in, a warm-up, then the measured window: pings sent, replies (an {@code i:}
 * from the node the player talks to, while its ping is outstanding), reply latency percentiles,
 * pings still unanswered when the player's next turn comes (lost), replies from another port,
 * errors by text, and the players told {@code error:player_timeout} at any time (spurious: every
 * player pings on time). With {@code --server-pids}, the servers' CPU over the measured window,
 * per reply; with {@code --ops-ports}, the player timeouts the nodes counted from the start until the
 * end of the measured window (the players then go quiet and do time out). Prints one JSON line.
 *
 * <pre>--ports P[,P…] [--sessions 2000] [--players 4] [--interval-ms 500] [--warmup 5] [--duration 30]
 * [--ramp 20] [--join-timeout 60] [--server-pids PID[,PID…] --clk-tck 100] [--ops-ports P[,P…]] [--prefix L] [--label name]</pre>
 */
public final class LobbyLoad {

  private static final class Player {
    final int session;
    final int seat;
    final DatagramChannel channel;
    final InetSocketAddress node;
    final ByteBuffer join;
    final ByteBuffer ping;
    final String name;
    boolean in;
    boolean toldTimeout;
    long pingSentAt = -1;

    Player(int session, int seat, DatagramChannel channel, InetSocketAddress node, String prefix, int players) {
      this.session = session;
      this.seat = seat;
      this.channel = channel;
      this.node = node;
      this.name = "P" + seat;
      String s = prefix + session;
      this.join = ascii(seat == 0 ? "h:" + s + ":" + name + ":" + players : "c:" + s + ":" + name);
      this.ping = ascii("p:" + s + ":" + name);
    }
  }

  private final Player[] players;
  private final boolean[] hostIn;
  private final long start;
  private final long rampNs;
  private int playersIn;
  private boolean measuring;
  private long pingsSent;
  private long replies;
  private long lost;
  private long wrongPort;
  private int[] latencyMicros = new int[1 << 20];
  private int latencies;
  private final Map<String, Long> errors = new TreeMap<>();

  private LobbyLoad(Player[] players, int sessions, long start, long rampNs) {
    this.players = players;
    this.hostIn = new boolean[sessions];
    this.start = start;
    this.rampNs = rampNs;
  }

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    int[] ports = ints(args.text("ports", "57775"));
    int sessions = args.integer("sessions", 2000);
    int perSession = args.integer("players", 4);
    long intervalNs = args.integer("interval-ms", 500) * 1_000_000L;
    long warmupNs = (long) (args.seconds("warmup", 5) * 1e9);
    long durationNs = (long) (args.seconds("duration", 30) * 1e9);
    long rampNs = (long) (args.seconds("ramp", 20) * 1e9);
    long joinTimeoutNs = rampNs + (long) (args.seconds("join-timeout", 60) * 1e9);
    String prefix = args.text("prefix", "L");
    int[] pids = ints(args.text("server-pids", ""));
    int clkTck = args.integer("clk-tck", 100);
    if (String.valueOf(prefix + (sessions - 1)).length() > 10) {
      throw new IllegalArgumentException("session names are at most 10 characters: shorten --prefix");
    }

    int[] opsPorts = ints(args.text("ops-ports", ""));
    long serverTimeoutsBefore = serverPlayerTimeouts(opsPorts);
    Selector selector = Selector.open();
    Player[] all = new Player[sessions * perSession];
    for (int s = 0; s < sessions; s++) {
      for (int j = 0; j < perSession; j++) {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress("127.0.0.1", 0)).configureBlocking(false);
        Player p = new Player(s, j, ch, new InetSocketAddress("127.0.0.1", ports[(s + j) % ports.length]), prefix, perSession);
        all[s * perSession + j] = p;
        ch.register(selector, SelectionKey.OP_READ, p);
      }
    }
    long start = System.nanoTime();
    LobbyLoad load = new LobbyLoad(all, sessions, start, rampNs);
    long slotNs = intervalNs / all.length;
    long[] turn = {0};
    boolean allIn = load.run(selector, slotNs, turn, start + joinTimeoutNs, true);
    long joinedAfterMs = (System.nanoTime() - start) / 1_000_000;
    if (allIn) {
      load.run(selector, slotNs, turn, System.nanoTime() + warmupNs, false);
    }
    long[] cpuBefore = cpu(pids, clkTck);
    long measureStart = System.nanoTime();
    load.measuring = allIn;
    if (allIn) {
      load.run(selector, slotNs, turn, measureStart + durationNs, false);
    }
    long[] cpuAfter = cpu(pids, clkTck);
    double seconds = (System.nanoTime() - measureStart) / 1e9;
    // Read before the players go quiet: from then on every one of them times out, as it should.
    long serverTimeouts = serverPlayerTimeouts(opsPorts) - serverTimeoutsBefore;
    long toldTimeout = Arrays.stream(all).filter(p -> p.toldTimeout).count();
    for (Player p : all) {
      p.channel.close();
    }
    selector.close();

    JsonLine out = new JsonLine().put("label", args.text("label", "lobby"))
        .put("nodes", ports.length).put("sessions", sessions).put("playersPerSession", perSession)
        .put("players", all.length).put("playersIn", load.playersIn).put("rampSeconds", rampNs / 1e9)
        .put("joinedAfterMs", joinedAfterMs)
        .put("seconds", seconds).put("pingsSent", load.pingsSent).put("replies", load.replies)
        .put("repliesPerSecond", load.replies / seconds).put("lost", load.lost).put("wrongPort", load.wrongPort)
        .put("playersToldTimeout", toldTimeout).put("errors", load.errorsText());
    int[] sorted = Arrays.copyOf(load.latencyMicros, load.latencies);
    Arrays.sort(sorted);
    out.put("latencyP50Ms", percentile(sorted, 0.50)).put("latencyP99Ms", percentile(sorted, 0.99))
        .put("latencyP999Ms", percentile(sorted, 0.999))
        .put("latencyMaxMs", sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1000.0);
    if (pids.length > 0) {
      long user = cpuAfter[0] - cpuBefore[0];
      long kernel = cpuAfter[1] - cpuBefore[1];
      double perReply = load.replies == 0 ? Double.NaN : 1.0 / load.replies;
      out.put("serverCpuMicros", user + kernel).put("serverCpuPercent", 100.0 * (user + kernel) / 1e6 / seconds)
          .put("serverCpuMicrosPerPing", (user + kernel) * perReply)
          .put("serverUserMicrosPerPing", user * perReply).put("serverKernelMicrosPerPing", kernel * perReply);
    }
    if (opsPorts.length > 0) {
      out.put("serverPlayerTimeouts", serverTimeouts);
    }
    System.out.println(out);
  }

  /**
   * Gives each player its turns and reads replies until {@code deadline}, or, when {@code untilAllIn},
   * until every player is in; returns whether every player is in.
   */
  private boolean run(Selector selector, long slotNs, long[] turn, long deadline, boolean untilAllIn)
      throws IOException {
    ByteBuffer in = ByteBuffer.allocate(2048);
    for (long now = System.nanoTime(); now < deadline; now = System.nanoTime()) {
      while (start + turn[0] * slotNs <= now) {
        takeTurn(players[(int) (turn[0] % players.length)], now);
        turn[0]++;
      }
      if (untilAllIn && playersIn == players.length) {
        return true;
      }
      long waitNs = Math.min(deadline, start + turn[0] * slotNs) - System.nanoTime();
      if (waitNs > 1_000_000) {
        selector.select(waitNs / 1_000_000);
      } else {
        selector.selectNow();
      }
      long received = System.nanoTime();
      for (SelectionKey key : selector.selectedKeys()) {
        Player p = (Player) key.attachment();
        for (int budget = 16; budget > 0; budget--) {
          in.clear();
          InetSocketAddress from;
          try {
            from = (InetSocketAddress) p.channel.receive(in);
          } catch (IOException e) { // ICMP port unreachable: a node is not there
            break;
          }
          if (from == null) {
            break;
          }
          in.flip();
          onDatagram(p, from, StandardCharsets.US_ASCII.decode(in).toString(), received);
        }
      }
      selector.selectedKeys().clear();
    }
    return playersIn == players.length;
  }

  /** The Godot client's turn: once its session arrived, resend h or c until in (c once the host is in), else ping. */
  private void takeTurn(Player p, long now) throws IOException {
    if (!p.in) {
      boolean arrived = now - start >= rampNs / hostIn.length * p.session;
      if (arrived && (p.seat == 0 || hostIn[p.session])) {
        p.channel.send(p.join.duplicate(), p.node);
      }
      return;
    }
    if (p.pingSentAt >= 0 && measuring) {
      lost++;
    }
    p.channel.send(p.ping.duplicate(), p.node);
    p.pingSentAt = now;
    if (measuring) {
      pingsSent++;
    }
  }

  private void onDatagram(Player p, InetSocketAddress from, String text, long now) {
    if (from.getPort() != p.node.getPort()) {
      wrongPort++;
      return;
    }
    if (text.startsWith("i:")) {
      if (!p.in && (":" + text.substring(2) + ":").contains(":" + p.name + ":")) {
        p.in = true;
        playersIn++;
        if (p.seat == 0) {
          hostIn[p.session] = true;
        }
      }
      if (p.pingSentAt >= 0) {
        if (measuring) {
          replies++;
          record((now - p.pingSentAt) / 1_000);
        }
        p.pingSentAt = -1;
      }
      return;
    }
    if (text.equals("error:player_timeout")) {
      p.toldTimeout = true;
    }
    errors.merge(text, 1L, Long::sum);
  }

  /** "text=count" pairs separated by spaces (no commas or braces: the scripts read this JSON with sed), or "none". */
  private String errorsText() {
    StringBuilder b = new StringBuilder();
    errors.forEach((text, n) -> b.append(b.length() > 0 ? " " : "").append(text).append('=').append(n));
    return b.length() == 0 ? "none" : b.toString();
  }

  private void record(long micros) {
    if (latencies == latencyMicros.length) {
      latencyMicros = Arrays.copyOf(latencyMicros, latencies * 2);
    }
    latencyMicros[latencies++] = (int) Math.min(Integer.MAX_VALUE, micros);
  }

  private static double percentile(int[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1000.0;
  }

  /** The nodes' player timeouts so far, all nodes together. */
  private static long serverPlayerTimeouts(int[] opsPorts) throws IOException, InterruptedException {
    long sum = 0;
    for (int ops : opsPorts) {
      sum += new NodeMetrics(ops).value("rendezvous_lobby_timeouts_total{kind=\"player\"}");
    }
    return sum;
  }

  /** {user, kernel} CPU microseconds of all the given processes together. */
  private static long[] cpu(int[] pids, int clkTck) {
    long[] sum = new long[2];
    for (int pid : pids) {
      ProcessCpu.Sample s = new ProcessCpu(pid, clkTck).sample();
      sum[0] += s.userMicros();
      sum[1] += s.kernelMicros();
    }
    return sum;
  }

  private static int[] ints(String csv) {
    return csv.isBlank() ? new int[0] : Arrays.stream(csv.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
  }
}
