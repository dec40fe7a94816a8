package org.rendezvous.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Offer → answer round trips through a WebRTC signaling server, the same load for Rendezvous S3
 * and for the PeerJS server: {@code --clients} WebSockets in pairs; each caller sends an offer to
 * its callee, the callee answers at once, the caller sends its next offer when the answer arrives
 * (one exchange in flight per pair, closed loop). Every relayed message carries its send time, so
 * the receiver measures relay latency (client send → client receive, through the server); the
 * caller also measures the round trip. With {@code --exchanges-per-second R} the load is paced instead:
 * each caller starts an exchange on its own fixed schedule (R exchanges/s over all pairs, spread
 * evenly), which shows latency at a given load rather than at saturation; an exchange still open at
 * its caller's next turn makes the caller skip that turn (counted). An exchange unanswered for 2 s is
 * counted lost and restarted. Callers connect to {@code --port}, callees to
 * {@code --port2} (another node of the same cluster for the cross-node run). Warm-up, then the
 * measured window; server CPU (user and kernel) from /proc of {@code --server-pids} over that window.
 * One JSON line.
 *
 * <pre>--protocol rendezvous|peerjs --port P [--port2 P] [--clients 1000] [--sdp-bytes 1000]
 * [--exchanges-per-second 0 (closed loop)] [--warmup 5] [--duration 10] [--server-pids PID[,PID]]
 * [--clk-tck 100] [--label name]</pre>
 */
public final class WsRelayLoad implements WsClients.Handler {

  private final boolean peerjs;
  private final int pairs;
  private final String sdp;
  private WsClients net;
  private int ready;
  private long lastFrameAt;
  private boolean running;
  private boolean measuring;
  private long relayed;
  private long[] oneWay = new long[1 << 20];
  private int oneWayCount;
  private long[] roundTrip = new long[1 << 19];
  private int roundTripCount;
  private long errors;
  private long lost;
  private long skipped;
  /** Nanoseconds between two exchanges of one caller when paced, 0 for the closed loop. */
  private long period;
  private long[] nextTurn;
  private boolean[] open;

  private WsRelayLoad(boolean peerjs, int pairs, int sdpBytes) {
    this.peerjs = peerjs;
    this.pairs = pairs;
    this.sdp = "v=0 " + "a".repeat(Math.max(0, sdpBytes - 4));
  }

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    boolean peerjs = args.text("protocol", "rendezvous").equals("peerjs");
    int port = args.integer("port", 0);
    int port2 = args.integer("port2", port);
    int clients = args.integer("clients", 1000);
    if (port == 0 || clients < 2 || clients % 2 != 0) {
      throw new IllegalArgumentException("--port and an even --clients >= 2 are required");
    }
    WsRelayLoad load = new WsRelayLoad(peerjs, clients / 2, args.integer("sdp-bytes", 1000));
    load.run(args, port, port2, clients);
  }

  private String name(int i) {
    return "c" + i;
  }

  private int partner(int i) {
    return i ^ 1;
  }

  private void run(Args args, int port, int port2, int clients) throws Exception {
    net = new WsClients(this, 200);
    for (int i = 0; i < clients; i++) {
      InetSocketAddress server = new InetSocketAddress("127.0.0.1", i % 2 == 0 ? port : port2);
      net.add(server, peerjs ? "/peerjs?key=peerjs&id=" + name(i) + "&token=t" + i : "/");
    }
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (ready < clients) {
      net.poll(100);
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + ready + " of " + clients + " clients ready after 120 s");
      }
    }
    // Registration pushed online_users lists to everyone (Rendezvous): let them drain first.
    lastFrameAt = System.nanoTime();
    while (System.nanoTime() - lastFrameAt < 1_000_000_000L && System.nanoTime() < deadline) {
      net.poll(100);
    }
    running = true;
    double rate = Double.parseDouble(args.text("exchanges-per-second", "0"));
    nextTurn = new long[clients];
    open = new boolean[clients];
    long now = System.nanoTime();
    if (rate > 0) {
      period = (long) (pairs / rate * 1e9);
      for (int i = 0; i < clients; i += 2) {
        nextTurn[i] = now + period * (i / 2) / pairs; // spread the pairs evenly over one period
      }
    } else {
      for (WsClients.Client c : net.clients()) {
        if (c.index % 2 == 0) {
          sendOffer(c);
        }
      }
    }
    runFor(args.seconds("warmup", 5));
    String[] pids = args.text("server-pids", "").isEmpty() ? new String[0] : args.text("server-pids", "").split(",");
    int clk = args.integer("clk-tck", 100);
    ProcessCpu.Sample cpuBefore = cpu(pids, clk);
    relayed = 0;
    lost = 0;
    skipped = 0;
    oneWayCount = 0;
    roundTripCount = 0;
    measuring = true;
    long t0 = System.nanoTime();
    double seconds = args.seconds("duration", 10);
    runFor(seconds);
    long elapsed = System.nanoTime() - t0;
    measuring = false;
    ProcessCpu.Sample cpuUsed = cpu(pids, clk).minus(cpuBefore);
    long cpuMicros = cpuUsed.totalMicros();
    long closed = net.clients().stream().filter(c -> c.closed).count();
    net.closeAll();
    double secs = elapsed / 1e9;
    System.out.println(new JsonLine()
        .put("label", args.text("label", peerjs ? "peerjs" : "rendezvous"))
        .put("clients", clients)
        .put("seconds", secs)
        .put("relayed", relayed)
        .put("relayedPerSecond", relayed / secs)
        .put("serverCpuMicros", cpuMicros)
        .put("serverCpuMicrosPerMessage", pids.length == 0 ? Double.NaN : cpuMicros / (double) relayed)
        .put("serverKernelMicrosPerMessage", pids.length == 0 ? Double.NaN : cpuUsed.kernelMicros() / (double) relayed)
        .put("p50Micros", percentile(oneWay, oneWayCount, 0.50))
        .put("p99Micros", percentile(oneWay, oneWayCount, 0.99))
        .put("p999Micros", percentile(oneWay, oneWayCount, 0.999))
        .put("maxMicros", percentile(oneWay, oneWayCount, 1.0))
        .put("roundTripP50Micros", percentile(roundTrip, roundTripCount, 0.50))
        .put("roundTripP99Micros", percentile(roundTrip, roundTripCount, 0.99))
        .put("errors", errors)
        .put("lostExchanges", lost)
        .put("exchangesPerSecondTarget", period == 0 ? 0 : pairs * 1e9 / period)
        .put("skippedTurns", skipped)
        .put("closedDuringRun", closed));
  }

  private void runFor(double seconds) throws IOException {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long nextCheck = System.nanoTime() + 100_000_000L;
    while (System.nanoTime() < end) {
      net.poll(period == 0 ? 10 : 1);
      long now = System.nanoTime();
      if (period > 0) {
        for (WsClients.Client c : net.clients()) {
          int i = c.index;
          if (i % 2 == 0 && now >= nextTurn[i]) {
            nextTurn[i] += period;
            if (open[i]) {
              skipped++;
            } else if (!c.closed) {
              sendOffer(c);
            }
          }
        }
      }
      if (now > nextCheck) {
        nextCheck = now + 100_000_000L;
        // An exchange unanswered for 2 s is counted lost and restarted, so a drop never stalls its pair.
        for (WsClients.Client c : net.clients()) {
          if (c.index % 2 == 0 && !c.closed && open[c.index] && now - c.mark > 2_000_000_000L) {
            lost++;
            sendOffer(c);
          }
        }
      }
    }
  }

  /** The servers' CPU so far, user and kernel, all processes together. */
  private static ProcessCpu.Sample cpu(String[] pids, int clk) {
    ProcessCpu.Sample total = new ProcessCpu.Sample(0, 0);
    for (String p : pids) {
      ProcessCpu.Sample s = new ProcessCpu(Long.parseLong(p.trim()), clk).sample();
      total = new ProcessCpu.Sample(total.userMicros() + s.userMicros(), total.kernelMicros() + s.kernelMicros());
    }
    return total;
  }

  private static double percentile(long[] samples, int n, double q) {
    if (n == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(samples, n);
    Arrays.sort(sorted);
    return sorted[Math.min(n - 1, (int) Math.ceil(q * n) - 1 < 0 ? 0 : (int) Math.ceil(q * n) - 1)] / 1000.0;
  }

  private void sendOffer(WsClients.Client c) throws IOException {
    c.mark = System.nanoTime();
    open[c.index] = true;
    c.send(message(true, partner(c.index), c.mark));
  }

  private String message(boolean offer, int to, long sentAt) {
    String data = "{\"sdp\":\"" + sdp + "\",\"t\":" + sentAt + "}";
    if (peerjs) {
      return "{\"type\":\"" + (offer ? "OFFER" : "ANSWER") + "\",\"dst\":\"" + name(to) + "\",\"payload\":" + data + "}";
    }
    return "{\"type\":\"" + (offer ? "offer" : "answer") + "\",\"target_username\":\"" + name(to) + "\",\"data\":" + data + "}";
  }

  @Override
  public void opened(WsClients.Client c) throws IOException {
    if (!peerjs) {
      c.send("{\"type\":\"register\",\"username\":\"" + name(c.index) + "\",\"user_id\":\"u" + c.index + "\"}");
    }
  }

  @Override
  public void bigFrame(WsClients.Client c, long length) {
    lastFrameAt = System.nanoTime();
  }

  @Override
  public void text(WsClients.Client c, ByteBuffer p) throws IOException {
    long now = System.nanoTime();
    lastFrameAt = now;
    if (!running) {
      if (WsClients.startsWith(p, peerjs ? "{\"type\":\"OPEN\"" : "{\"type\": \"registered\"")) {
        ready++;
      } else if (WsClients.startsWith(p, "{\"type\": \"error\"") || WsClients.startsWith(p, "{\"type\":\"ERROR\"")) {
        throw new IllegalStateException("client " + c.index + ": " + WsClients.text(p));
      }
      return;
    }
    int kind = kind(p);
    if (kind == 0) {
      if (WsClients.startsWith(p, "{\"type\": \"error\"") || WsClients.startsWith(p, "{\"type\":\"ERROR\"")) {
        errors++;
      }
      return;
    }
    long sentAt = lastNumber(p);
    if (measuring) {
      relayed++;
      record(now - sentAt, false);
    }
    if (kind == 'o') {
      c.send(message(false, partner(c.index), now));
    } else {
      if (measuring) {
        record(now - c.mark, true);
      }
      open[c.index] = false;
      if (period == 0) {
        sendOffer(c);
      }
    }
  }

  private void record(long nanos, boolean rtt) {
    if (rtt) {
      if (roundTripCount == roundTrip.length) {
        roundTrip = Arrays.copyOf(roundTrip, roundTrip.length * 2);
      }
      roundTrip[roundTripCount++] = nanos;
    } else {
      if (oneWayCount == oneWay.length) {
        oneWay = Arrays.copyOf(oneWay, oneWay.length * 2);
      }
      oneWay[oneWayCount++] = nanos;
    }
  }

  /** 'o' for an offer, 'a' for an answer, 0 for anything else (online_users, errors). */
  private static int kind(ByteBuffer p) {
    int i = p.position();
    int end = Math.min(p.limit(), i + 16);
    // {"type":"OFFER" (PeerJS) or {"type": "offer" (Rendezvous): the first letter after the second quote pair
    int quotes = 0;
    for (; i < end; i++) {
      if (p.get(i) == '"' && ++quotes == 3) {
        int ch = p.get(i + 1) | 0x20;
        return ch == 'o' && (p.get(i + 2) | 0x20) == 'f' ? 'o' : ch == 'a' && (p.get(i + 2) | 0x20) == 'n' ? 'a' : 0;
      }
    }
    return 0;
  }

  /** The send time: the last number in the message ({@code "t":N}}). */
  private static long lastNumber(ByteBuffer p) {
    int i = p.limit() - 1;
    while (i > p.position() && (p.get(i) < '0' || p.get(i) > '9')) {
      i--;
    }
    long v = 0;
    long scale = 1;
    while (i > p.position() && p.get(i) >= '0' && p.get(i) <= '9') {
      v += (p.get(i) - '0') * scale;
      scale *= 10;
      i--;
    }
    return v;
  }
}
