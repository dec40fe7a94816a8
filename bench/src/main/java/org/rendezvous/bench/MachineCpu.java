package org.rendezvous.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole machine's CPU time by kind, every core and process together, from the first line of /proc/stat
 * (clock ticks): whether a run had the cores to itself or used them all.
 */
final class MachineCpu {

  /** Ticks so far: user (with nice), system (with hard and soft interrupts), idle (with I/O wait), and all of them. */
  record Sample(long user, long system, long idle, long total) {

    Sample minus(Sample earlier) {
      return new Sample(user - earlier.user, system - earlier.system, idle - earlier.idle, total - earlier.total);
    }

    /** Part of {@code ticks} in the total, in percent. */
    double percent(long ticks) {
      return total == 0 ? Double.NaN : 100.0 * ticks / total;
    }
  }

  private MachineCpu() {
  }

  static Sample sample() {
    String line;
    try {
      line = Files.readAllLines(Path.of("/proc/stat")).get(0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/stat", e);
    }
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (proc(5)); guest time is in user already
    String[] f = line.trim().split("\\s+");
    long[] v = new long[8];
    for (int i = 0; i < v.length && i + 1 < f.length; i++) {
      v[i] = Long.parseLong(f[i + 1]);
    }
    long user = v[0] + v[1];
    long system = v[2] + v[5] + v[6];
    long idle = v[3] + v[4];
    return new Sample(user, system, idle, user + system + idle + v[7]);
  }
}
