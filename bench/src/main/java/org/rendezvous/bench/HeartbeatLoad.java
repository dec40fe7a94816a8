package org.rendezvous.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * S0 heartbeat load: {@code --users} distinct names {@code RUN-0 … RUN-(N-1)}, name i always sent
 * from socket i mod {@code --sockets}, round-robin, at {@code --rate} datagrams/s (0: as fast as
 * one thread can send) for {@code --duration} seconds. Then polls the node's SQLite file until
 * every name has a row whose last_seen is at least the second in which its last heartbeat was
 * sent, and reports how long after the load stopped that was; also when the node's last group
 * commit landed, from its counter. Heartbeats the node accepted come from its counters, datagrams
 * the kernel dropped from /proc/net/snmp. Prints one JSON line.
 *
 * <pre>--port P --ops-port O --db FILE [--users 50000] [--sockets 8] [--rate 0] [--duration 10]
 * [--run hb] [--persist-timeout 10] [--server-pid PID --clk-tck 100]</pre>
 */
public final class HeartbeatLoad {

  static final String HEARTBEATS = "rendezvous_s0_heartbeats_total";
  static final String REGISTRY_WRITES = "rendezvous_registry_writes_total{kind=\"s0_heartbeat\"}";
  static final String COMMITTED_ROWS = "rendezvous_registry_committed_rows_total";

  private final String run;
  private final ByteBuffer[] names;
  /** Per name, the epoch second its last heartbeat was sent in: the least last_seen its row may show. */
  private final long[] lastSentSecond;

  private HeartbeatLoad(String run, int users) {
    this.run = run;
    this.names = new ByteBuffer[users];
    this.lastSentSecond = new long[users];
    for (int i = 0; i < users; i++) {
      names[i] = ByteBuffer.wrap((run + "-" + i).getBytes(StandardCharsets.US_ASCII));
    }
  }

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    InetSocketAddress server = new InetSocketAddress(args.text("host", "127.0.0.1"), args.integer("port", 3478));
    NodeMetrics metrics = new NodeMetrics(args.integer("ops-port", 8080));
    HeartbeatLoad load = new HeartbeatLoad(args.text("run", "hb"), args.integer("users", 50_000));
    int users = load.names.length;
    int rate = args.integer("rate", 0);
    long durationNs = (long) (args.seconds("duration", 10) * 1e9);
    long persistTimeoutNs = (long) (args.seconds("persist-timeout", 10) * 1e9);
    int pid = args.integer("server-pid", 0);
    ProcessCpu cpu = pid > 0 ? new ProcessCpu(pid, args.integer("clk-tck", 100)) : null;
    String db = args.text("db", null);
    if (db == null) {
      throw new IllegalArgumentException("--db FILE (the node's SQLite file) is required");
    }

    try (UsersTable table = new UsersTable(db)) {
      table.count(load.run, load.lastSentSecond); // loads the driver now, not while the clock runs
      DatagramChannel[] sockets = new DatagramChannel[args.integer("sockets", 8)];
      for (int i = 0; i < sockets.length; i++) {
        sockets[i] = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)).connect(server);
      }
      long heartbeatsBefore = metrics.value(HEARTBEATS);
      long writesBefore = metrics.value(REGISTRY_WRITES);
      long rowsBefore = metrics.value(COMMITTED_ROWS);
      long droppedBefore = udpReceiveBufferErrors();
      long cpuBefore = cpu == null ? 0 : cpu.micros();

      long start = System.nanoTime();
      long sent = load.send(sockets, rate, start + durationNs);
      long stop = System.nanoTime();
      double seconds = (stop - start) / 1e9;
      for (DatagramChannel s : sockets) {
        s.close();
      }

      AfterLoad after = load.awaitPersisted(table, metrics, heartbeatsBefore + sent, stop, persistTimeoutNs);
      long cpuMicros = cpu == null ? 0 : cpu.micros() - cpuBefore;
      long accepted = after.heartbeats - heartbeatsBefore;
      long dropped = udpReceiveBufferErrors() - droppedBefore;

      JsonLine out = new JsonLine().put("run", load.run).put("users", users).put("sockets", sockets.length)
          .put("targetRate", rate).put("seconds", seconds)
          .put("sent", sent).put("sentPerSecond", sent / seconds)
          .put("accepted", accepted).put("acceptedPerSecond", accepted / seconds)
          .put("kernelDropped", dropped)
          .put("registryWrites", metrics.value(REGISTRY_WRITES) - writesBefore)
          .put("committedRows", after.committedRows - rowsBefore).put("lastCommitAfterMs", after.lastCommitAfterMs)
          .put("rowsPresent", after.rows.present()).put("rowsFresh", after.rows.fresh())
          .put("persistedAfterMs", after.persistedAfterMs);
      if (cpu != null) {
        // From load start until the node's commits settled: persistence after the stop included.
        out.put("serverCpuMicros", cpuMicros)
            .put("serverCpuMicrosPerHeartbeat", accepted == 0 ? -1 : (double) cpuMicros / accepted);
      }
      System.out.println(out);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the users table of " + db, e);
    }
  }

  /** What followed the load: the node's final counters, and when the rows reached the file. */
  private record AfterLoad(long heartbeats, long committedRows, long lastCommitAfterMs,
                           UsersTable.Count rows, long persistedAfterMs) {
  }

  /**
   * Polls the file and the node's counters until no commit has landed for a second and every
   * name's row is fresh, or, if by then the node's heartbeat count is short of
   * {@code expectedHeartbeats}, until it is clear that some never will be (a name whose last
   * heartbeat was lost keeps an older row); at most {@code timeoutNs} after the load stopped.
   */
  private AfterLoad awaitPersisted(UsersTable table, NodeMetrics metrics, long expectedHeartbeats, long stop,
                                   long timeoutNs)
      throws IOException, InterruptedException, SQLException {
    UsersTable.Count rows = new UsersTable.Count(0, 0);
    long persistedAfterMs = -1;
    long committed = -1;
    long heartbeats = 0;
    long lastChange = stop;
    long lastCommitAfterMs = 0;
    for (long now = System.nanoTime(); now - stop < timeoutNs; now = System.nanoTime()) {
      Map<String, Long> m = metrics.scrape();
      heartbeats = m.getOrDefault(HEARTBEATS, 0L);
      long c = m.getOrDefault(COMMITTED_ROWS, 0L);
      if (c != committed) {
        if (committed >= 0) {
          lastCommitAfterMs = (now - stop) / 1_000_000;
        }
        committed = c;
        lastChange = now;
      }
      if (persistedAfterMs < 0) {
        rows = table.count(run, lastSentSecond);
        if (rows.fresh() == names.length) {
          persistedAfterMs = (System.nanoTime() - stop) / 1_000_000;
        }
      }
      boolean settled = now - lastChange > 1_000_000_000L;
      if (settled && (persistedAfterMs >= 0 || heartbeats < expectedHeartbeats)) {
        break;
      }
      LockSupport.parkNanos(5_000_000);
    }
    return new AfterLoad(heartbeats, committed, lastCommitAfterMs, rows, persistedAfterMs);
  }

  /** Datagrams the kernel dropped, machine-wide, because a UDP socket's receive buffer was full. */
  private static long udpReceiveBufferErrors() throws IOException {
    List<String> udp = Files.readAllLines(Path.of("/proc/net/snmp")).stream().filter(l -> l.startsWith("Udp: ")).toList();
    List<String> names = List.of(udp.get(0).split(" "));
    return Long.parseLong(udp.get(1).split(" ")[names.indexOf("RcvbufErrors")]);
  }

  /** Sends heartbeats round-robin until {@code deadline}; returns how many were sent. */
  private long send(DatagramChannel[] sockets, int rate, long deadline) throws IOException {
    long start = System.nanoTime();
    long sent = 0;
    for (long now = start; now < deadline; now = System.nanoTime()) {
      if (rate > 0 && sent >= (now - start) * rate / 1_000_000_000L) {
        LockSupport.parkNanos(20_000); // ahead of the target rate
        continue;
      }
      for (int burst = 0; burst < 16; burst++, sent++) {
        int user = (int) (sent % names.length);
        names[user].rewind();
        sockets[user % sockets.length].write(names[user]);
        lastSentSecond[user] = System.currentTimeMillis() / 1000;
      }
    }
    return sent;
  }
}
