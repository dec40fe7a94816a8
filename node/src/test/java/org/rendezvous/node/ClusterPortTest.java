package org.rendezvous.node;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.FreePorts;
import org.rendezvous.testkit.Poll;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * README: {@code cluster.port} is where Hazelcast listens, the next free one when it is taken. A node
 * that moved up must announce the port it took, or it joins no one and runs as a cluster of its own.
 */
class ClusterPortTest {

  @TempDir
  Path dir;

  private RendezvousNode a;
  private RendezvousNode b;

  @AfterEach
  void stopNodes() throws Exception {
    NodeFixture.stop(b);
    NodeFixture.stop(a);
  }

  @Test
  void twoNodesGivenTheSamePortFormOneCluster() throws Exception {
    String cluster = NodeFixture.uniqueClusterName();
    int port = firstOfTwoFreePorts();
    List<Integer> members = List.of(port, port + 1);
    a = NodeFixture.start(NodeFixture.clustered(Files.createDirectories(dir.resolve("a")), cluster, port, members));
    b = NodeFixture.start(NodeFixture.clustered(Files.createDirectories(dir.resolve("b")), cluster, port, members));

    Poll.until(30_000, "both nodes to see two members", () ->
        a.clusterManager().getNodes().size() == 2 && b.clusterManager().getNodes().size() == 2 ? true : null);
  }

  /** A port p such that p and p + 1 are both free on 127.0.0.1 now. */
  private static int firstOfTwoFreePorts() throws IOException {
    for (int i = 0; i < 50; i++) {
      int p = FreePorts.tcp();
      if (p < 65535) {
        try (ServerSocket next = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
          return p;
        } catch (IOException taken) {
          // try another
        }
      }
    }
    throw new IOException("no two adjacent free ports");
  }
}
