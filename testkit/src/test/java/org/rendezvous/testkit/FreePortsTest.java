package org.rendezvous.testkit;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Free ports are drawn from below the kernel's ephemeral range, where no outgoing connection takes them. */
class FreePortsTest {

  @Test
  void theEphemeralRangeIsReadAsTheKernelShowsIt() throws Exception {
    // The range as another program reads it, not through this class's own code.
    Process cat = new ProcessBuilder("cat", "/proc/sys/net/ipv4/ip_local_port_range").start();
    String range;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(cat.getInputStream(), StandardCharsets.US_ASCII))) {
      range = r.readLine();
    }
    assertTrue(cat.waitFor(10, TimeUnit.SECONDS));
    assumeTrue(range != null, "a Linux kernel's ephemeral port range"); // elsewhere Linux's default is assumed
    int low = Integer.parseInt(range.trim().split("\\s+")[0]);
    assertEquals(low, FreePorts.ephemeralLow());
    // With a range starting below 11,000 there is no room under it, and ports come from the kernel instead.
    assumeTrue(low >= 11_000, "room below the ephemeral range");
    for (int i = 0; i < 200; i++) {
      for (int p : new int[] {FreePorts.tcp(), FreePorts.udp(), FreePorts.tcpAndUdp()}) {
        assertTrue(p >= 10_000 && p < low, p + " is below the ephemeral range starting at " + low);
      }
    }
  }

  @Test
  void noPortIsHandedOutTwice() throws Exception {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      for (int p : new int[] {FreePorts.tcp(), FreePorts.udp(), FreePorts.tcpAndUdp()}) {
        assertTrue(seen.add(p), "port " + p + " given twice");
      }
    }
  }
}
