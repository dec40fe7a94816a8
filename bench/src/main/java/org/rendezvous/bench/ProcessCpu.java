package org.rendezvous.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

  private final Path stat;
  private final long microsPerTick;

  ProcessCpu(long pid, int clockTicksPerSecond) {
    this.stat = Path.of("/proc", Long.toString(pid), "stat");
    this.microsPerTick = 1_000_000L / clockTicksPerSecond;
  }

  Sample sample() {
    String line;
    try {
      line = Files.readString(stat);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + stat + " (has the server exited?)", e);
    }
    // The command name in field 2 may hold spaces; fields are counted after its closing parenthesis.
    String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
    return new Sample(Long.parseLong(f[11]) * microsPerTick, Long.parseLong(f[12]) * microsPerTick); // fields 14, 15 of proc(5)
  }

  long micros() {
    return sample().totalMicros();
  }
}
