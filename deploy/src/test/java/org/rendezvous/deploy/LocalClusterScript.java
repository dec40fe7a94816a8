package org.rendezvous.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs deploy/local/cluster.sh to its end, bounded in time: its output goes to a file rather than a pipe, so a
 * script that hangs fails the test after the limit instead of blocking it on a read.
 */
final class LocalClusterScript {

  static final Path SCRIPT = DeployTree.DEPLOY.resolve("local/cluster.sh");
  private static final long LIMIT_SECONDS = 180;

  record Run(int exitCode, String output) {
  }

  private LocalClusterScript() {
  }

  /** {@code cluster.sh args...} with {@code env} added to this process's environment; stdout and stderr together. */
  static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("cluster-sh-", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      p.getOutputStream().close();
      if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError("cluster.sh " + String.join(" ", args) + " did not finish in " + LIMIT_SECONDS + " s:\n"
            + Files.readString(out));
      }
      return new Run(p.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** {@code cluster.sh ports NODE}: each port of that node by name. */
  static Map<String, Integer> ports(Map<String, String> env, int node) throws Exception {
    Run r = run(env, "ports", Integer.toString(node));
    assertEquals(0, r.exitCode(), r.output());
    Map<String, Integer> ports = new HashMap<>();
    r.output().lines().forEach(l -> ports.put(l.substring(0, l.indexOf('=')), Integer.parseInt(l.substring(l.indexOf('=') + 1))));
    return ports;
  }
}
