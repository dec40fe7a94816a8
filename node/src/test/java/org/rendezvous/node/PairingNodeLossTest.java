package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.Poll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * S1 across node processes: when the node holding a waiting initiator is killed with SIGKILL (no
 * shutdown hook, nothing released), the survivor frees the initiator's key (SPEC §2 rule 4).
 */
class PairingNodeLossTest {

  private static final String IN_USE = "{\"protocol\":\"\",\"error\":\"UUID already in use\"}\n";

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void killingTheNodeOfAWaitingInitiatorFreesItsKeyOnTheSurvivor() throws Exception {
    // A wait far longer than the test, so only the survivor's clean-up can free the key, not the TTL.
    JsonObject longWait = new JsonObject().put("pairing", new JsonObject().put("waitTimeoutMs", 300_000));
    List<NodeProcess> nodes = NodeProcess.twoMembers(dir, longWait);
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1)) {
      NodeProcess.startCluster(a, b);

      String uuid = UUID.randomUUID().toString();
      String initiatorHello = hello(uuid, "127.0.0.1");
      Socket waiting = waitingInitiator(a, initiatorHello);
      try (Socket probe = connect(b.pairingPort)) {
        probe.getOutputStream().write(initiatorHello.getBytes(StandardCharsets.UTF_8));
        assertEquals(IN_USE, readUntilClosed(probe), "the key is reserved cluster-wide");
      }

      a.kill();
      long killedAt = System.nanoTime();
      Poll.until(20_000, "B released the dead node's key", () ->
          b.metric("rendezvous_pairing_reclaimed_keys_total") >= 1 ? true : null);
      long freedAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
      System.out.println("key freed on the survivor " + freedAfterMs + " ms after kill -9");
      waiting.close();

      // Free on B: a new initiator waits there (no "in use") and a receiver pairs with it.
      try (Socket again = waitingInitiator(b, initiatorHello); Socket receiver = connect(b.pairingPort)) {
        receiver.getOutputStream().write(hello(uuid, "").getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"127.0.0.1:" + again.getLocalPort() + "\"}\n", readUntilClosed(receiver));
        assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"127.0.0.1:" + receiver.getLocalPort() + "\"}\n", readUntilClosed(again));
      }
    }
  }

  /**
   * An initiator waiting under one key on each side of a split (each side had freed the other's keys): once it
   * heals, the keys map holds one reservation, the other initiator hears "UUID already in use" without waiting
   * out its time, and a receiver arriving through either node pairs with the one left.
   */
  @Test
  void aKeyWaitedOnOnBothSidesOfASplitEndsWithOneInitiator() throws Exception {
    JsonObject longWait = new JsonObject().put("pairing", new JsonObject().put("waitTimeoutMs", 300_000));
    List<NodeProcess> nodes = NodeProcess.twoMembersQuickToMerge(dir, longWait);
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1)) {
      NodeProcess.startCluster(a, b);
      String uuid = UUID.randomUUID().toString();
      String initiatorHello = hello(uuid, "127.0.0.1");
      Socket onB = waitingInitiator(b, initiatorHello);

      b.pause();
      Poll.until(30_000, "A to free B's key", () -> a.metric("rendezvous_pairing_reclaimed_keys_total") >= 1 ? true : null);
      Socket onA = waitingInitiator(a, initiatorHello);
      b.resume();

      NodeProcess loser = NodeProcess.theOneCounting("rendezvous_pairing_keys_lost_in_split_total", a, b, 60_000);
      NodeProcess winner = loser == a ? b : a;
      Socket lost = loser == a ? onA : onB;
      Socket kept = loser == a ? onB : onA;
      assertEquals(IN_USE, readUntilClosed(lost));
      Poll.until(30_000, "the kept wait's key checked again against the merged map",
          () -> winner.metric("rendezvous_pairing_split_key_checks_total") >= 2 ? true : null);
      assertEquals(1, winner.metric("rendezvous_pairing_waiting_initiators") + loser.metric("rendezvous_pairing_waiting_initiators"));

      try (Socket receiver = connect(loser.pairingPort)) {
        receiver.getOutputStream().write(hello(uuid, "").getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"127.0.0.1:" + kept.getLocalPort() + "\"}\n", readUntilClosed(receiver),
            "through the node whose initiator gave up, the receiver finds the one left");
        assertEquals("{\"protocol\":\"tcp\",\"peer_address\":\"127.0.0.1:" + receiver.getLocalPort() + "\"}\n", readUntilClosed(kept));
      }
      // Nothing of either wait is left reserved: a new initiator under the key waits, wherever it arrives.
      waitingInitiator(loser, initiatorHello).close();
    }
  }

  /** A connection to {@code node}'s pairing port that sent {@code hello} and now waits there, its key reserved. */
  private static Socket waitingInitiator(NodeProcess node, String hello) throws Exception {
    Socket s = connect(node.pairingPort);
    s.getOutputStream().write(hello.getBytes(StandardCharsets.UTF_8));
    Poll.until(10_000, "initiator waiting on " + node.pairingPort, () -> node.metric("rendezvous_pairing_waiting_initiators") == 1 ? true : null);
    return s;
  }

  private static String hello(String uuid, String targetIp) {
    return new JsonObject().put("uuid", uuid).put("target_ip", targetIp).put("protocol", "tcp").put("address", "").encode() + "\n";
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    s.setSoTimeout(10_000);
    return s;
  }

  private static String readUntilClosed(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[512];
    for (int n; (n = in.read(buf)) >= 0; ) {
      all.write(buf, 0, n);
    }
    return all.toString(StandardCharsets.UTF_8);
  }
}
