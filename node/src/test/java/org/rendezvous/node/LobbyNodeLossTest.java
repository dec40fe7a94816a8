package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.Poll;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * S4 across node processes: the node owning a lobby session is killed with SIGKILL (nothing
 * released by it); the survivor frees the name, the session's players are told it is gone, and a
 * player whose home was the dead node carries on through the survivor (SPEC §2 rules 1–4).
 */
class LobbyNodeLossTest {

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  /** A game client's socket: one local port, talking to whichever node it chooses. */
  private static final class Player implements AutoCloseable {
    final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

    Player() throws IOException {
    }

    void send(int port, String text) throws IOException {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      socket.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), port));
    }

    /** The next datagram's text, or null after {@code timeoutMs}; it must come from {@code fromPort}. */
    String receive(int fromPort, int timeoutMs) throws IOException {
      socket.setSoTimeout(timeoutMs);
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      try {
        socket.receive(p);
      } catch (SocketTimeoutException e) {
        return null;
      }
      assertEquals(fromPort, p.getPort(), "a reply leaves from the socket the player talks to");
      return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    String request(int port, String text) throws IOException {
      send(port, text);
      String reply = receive(port, 5_000);
      if (reply == null) {
        throw new AssertionError("no reply to " + text + " within 5 s");
      }
      return reply;
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  @Test
  void killingTheOwnerFreesTheNameTellsItsPlayersAndLetsPlayersHomedThereMoveOn() throws Exception {
    List<NodeProcess> nodes = NodeProcess.twoMembers(dir, new JsonObject());
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1);
         Player host = new Player(); Player bob = new Player(); Player host2 = new Player(); Player eve = new Player();
         Player again = new Player(); Player fay = new Player()) {
      NodeProcess.startCluster(a, b);
      Poll.until(30_000, "lobby ready", () -> b.metric("rendezvous_lobby_sessions") == 0 ? true : null);
      int portA = a.lobbyPort;
      int portB = b.lobbyPort;

      // "Doomed" is owned by A, Bob plays through B; "Safe" is owned by B, Eve plays through A.
      assertEquals("i:Host", host.request(portA, "h:Doomed:Host:4"));
      assertEquals("i:Host:Bob", bob.request(portB, "c:Doomed:Bob"));
      assertEquals("i:Host:Bob", host.receive(portA, 5_000));
      assertEquals("i:Host2", host2.request(portB, "h:Safe:Host2:4"));
      assertEquals("i:Host2:Eve", eve.request(portA, "c:Safe:Eve"));
      assertEquals("i:Host2:Eve", host2.receive(portB, 5_000));
      assertEquals("error:session_exists", again.request(portB, "h:Doomed:Again:2"));

      a.kill();

      assertEquals("error:session_non_existent", Poll.until(30_000, "Bob told Doomed is gone", () -> {
        bob.send(portB, "p:Doomed:Bob");
        String r = bob.receive(portB, 1_000);
        return r != null && r.startsWith("error:") ? r : null;
      }));
      Poll.until(30_000, "the survivor freed the dead node's name",
          () -> b.metric("rendezvous_lobby_names_freed_total") == 1 ? true : null);
      assertEquals("i:Again", again.request(portB, "h:Doomed:Again:2"), "the name is free again");

      // Eve's home died; her next datagram goes to B, which becomes her home.
      assertEquals("i:Host2:Eve", eve.request(portB, "p:Safe:Eve"));
      assertEquals("i:Host2:Eve:Fay", fay.request(portB, "c:Safe:Fay"));
      assertEquals("i:Host2:Eve:Fay", host2.receive(portB, 5_000));
      assertEquals("i:Host2:Eve:Fay", eve.receive(portB, 5_000));
      assertEquals(2, b.metric("rendezvous_lobby_sessions"), "Safe and the new Doomed; nothing of A's");
    }
  }

  /**
   * A session name hosted on each side of a split (each side had freed the other's): once it heals, one session
   * keeps the name (also after the later check against the merged map), the other's players hear
   * error:session_timeout, and a player joining through the node whose session ended reaches the one left.
   */
  @Test
  void aSessionNameHostedOnBothSidesOfASplitEndsWithOneSession() throws Exception {
    // Players are not timed out while their node is stopped and catching up: only the split decides here.
    JsonObject patientPlayers = new JsonObject().put("lobby", new JsonObject().put("playerTimeoutMs", 300_000));
    List<NodeProcess> nodes = NodeProcess.twoMembersQuickToMerge(dir, patientPlayers);
    try (NodeProcess a = nodes.get(0); NodeProcess b = nodes.get(1);
         Player hostOnA = new Player(); Player hostOnB = new Player(); Player joiner = new Player()) {
      NodeProcess.startCluster(a, b);
      Poll.until(30_000, "lobby ready", () -> b.metric("rendezvous_lobby_sessions") == 0 ? true : null);
      assertEquals("i:OnB", hostOnB.request(b.lobbyPort, "h:Twin:OnB:4"));

      b.pause();
      Poll.until(30_000, "a to free b's session name", () -> a.metric("rendezvous_lobby_names_freed_total") == 1 ? true : null);
      assertEquals("i:OnA", hostOnA.request(a.lobbyPort, "h:Twin:OnA:4"));
      b.resume();

      NodeProcess loser = NodeProcess.theOneCounting("rendezvous_lobby_names_lost_in_split_total", a, b, 60_000);
      NodeProcess winner = loser == a ? b : a;
      Player loserHost = loser == a ? hostOnA : hostOnB;
      Player winnerHost = loser == a ? hostOnB : hostOnA;
      String winnerName = loser == a ? "OnB" : "OnA";
      assertEquals("error:session_timeout", loserHost.receive(loser.lobbyPort, 5_000), "the ended session's host is told");
      Poll.until(30_000, "the kept session's name checked again against the merged map",
          () -> winner.metric("rendezvous_lobby_split_name_checks_total") >= 2 ? true : null);
      assertEquals(1, winner.metric("rendezvous_lobby_sessions") + loser.metric("rendezvous_lobby_sessions"));
      assertEquals(1, a.metric("rendezvous_lobby_names_lost_in_split_total") + b.metric("rendezvous_lobby_names_lost_in_split_total"));

      assertEquals("i:" + winnerName + ":Joiner", joiner.request(loser.lobbyPort, "c:Twin:Joiner"),
          "through the node whose session ended, a join reaches the one left");
      assertEquals("i:" + winnerName + ":Joiner", winnerHost.receive(winner.lobbyPort, 5_000));
    }
  }
}
