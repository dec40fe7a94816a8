package org.rendezvous.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time a process has used so far, all its threads together: utime (user) and stime (kernel)
 * from /proc/PID/stat, which the kernel counts in clock ticks ({@code getconf CLK_TCK}, 100 on Linux).
 */
final class ProcessCpu {

  /** CPU time in microseconds, in user space and in the kernel. */
  record Sample(long userMicros, long kernelMicros) {
    long totalMicros() {
      return userMicros + kernelMicros;
    }

    Sample minus(Sample earlier) {
      return new Sample(userMicros - earlier.userMicros, kernelMicros - earlier.kernelMicros);
    }
  }

  /** The thread groups {@link #byGroup} counts, in the order a results table lists them. */
  static final String[] THREAD_GROUPS = {"event loops", "acceptor", "workers", "Hazelcast", "JIT", "GC", "other"};

  private final Path stat;
  private final Path tasks;
  private final long microsPerTick;

  ProcessCpu(long pid, int clockTicksPerSecond) {
    this.stat = Path.of("/proc", Long.toString(pid), "stat");
    this.tasks = Path.of("/proc", Long.toString(pid), "task");
    this.microsPerTick = 1_000_000L / clockTicksPerSecond;
  }

  Sample sample() {
    return parse(read(stat));
  }

  /** One thread's CPU time so far and the {@link #group} of its name. */
  record ThreadCpu(String group, long micros) {
  }

  /** The threads alive now by thread id (unique within the process while they live). */
  Map<Long, ThreadCpu> threads() {
    Map<Long, ThreadCpu> now = new HashMap<>();
    try (Stream<Path> threads = Files.list(tasks)) {
      threads.forEach(t -> {
        String line;
        try {
          line = read(t.resolve("stat"));
        } catch (IllegalStateException ended) {
          return; // the thread ended while the list was read
        }
        String name = line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
        now.put(Long.parseLong(t.getFileName().toString()), new ThreadCpu(group(name), parse(line).totalMicros()));
      });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + tasks + " (has the server exited?)", e);
    }
    return now;
  }

  /**
   * CPU time per thread group between two {@link #threads} readings, counted for the threads alive at the second:
   * the kernel counts each thread's time on its own, so these add up to about, not exactly, the process's, and a
   * thread that ended in between is left out.
   */
  static Map<String, Long> byGroup(Map<Long, ThreadCpu> before, Map<Long, ThreadCpu> after) {
    Map<String, Long> micros = new TreeMap<>();
    after.forEach((tid, t) -> {
      ThreadCpu earlier = before.get(tid);
      micros.merge(t.group(), t.micros() - (earlier == null ? 0 : earlier.micros()), Long::sum);
    });
    return micros;
  }

  /** The group of a thread by its name as the kernel keeps it (the first 15 bytes of the JVM's name). */
  static String group(String threadName) {
    if (threadName.startsWith("vert.x-eventloo")) {
      return "event loops";
    } else if (threadName.startsWith("vert.x-acceptor")) {
      return "acceptor";
    } else if (threadName.startsWith("vert.x-worker") || threadName.startsWith("vert.x-internal")) {
      return "workers";
    } else if (threadName.startsWith("hz.") || threadName.startsWith("vertx-hazelcast")) {
      return "Hazelcast";
    } else if (threadName.contains("CompilerThre")) {
      return "JIT";
    } else if (threadName.startsWith("GC Thread") || threadName.startsWith("VM Thread")) {
      return "GC";
    }
    return "other";
  }

  private Sample parse(String line) {
    // The command name in field 2 may hold spaces; fields are counted after its closing parenthesis.
    String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
    return new Sample(Long.parseLong(f[11]) * microsPerTick, Long.parseLong(f[12]) * microsPerTick); // fields 14, 15 of proc(5)
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file + " (has the server exited?)", e);
    }
  }

  long micros() {
    return sample().totalMicros();
  }
}
