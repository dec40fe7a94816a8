package org.rendezvous.client.cli;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.client.LoopbackNode;
import org.rendezvous.client.PairingClient;
import org.rendezvous.client.PeerRegistryClient;
import org.rendezvous.client.StunLiteClient;
import org.rendezvous.common.Metrics;
import org.rendezvous.node.RendezvousNode;
import org.rendezvous.testkit.Poll;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLI edge cases against a real loopback node: what is left behind, how long a wait of 0 is, what an error says. */
class CliEdgesTest {

  @TempDir
  static Path dir;
  private static RendezvousNode node;

  @BeforeAll
  static void start() throws Exception {
    node = LoopbackNode.start(dir, new JsonObject());
  }

  @AfterAll
  static void stop() throws Exception {
    LoopbackNode.stop(node);
  }

  private record Run(int exit, String err) {
  }

  private static Run cli(String... args) {
    CommandLine cli = RendezvousCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    return new Run(cli.execute(args), err.toString());
  }

  @Test
  void aChatThatFindsNoSuchPeerDoesNotStayRegistered() throws Exception {
    String s2 = "127.0.0.1:" + node.port("s2-http");
    Run r = cli("chat", "--server", s2, "--username", "leaky", "--peer-id", "leak-1", "--connect", "nobody",
        "--stun-port", Integer.toString(node.port("udp")), "--second-stun-port", "0", "--timeout", "1s");
    assertEquals(RendezvousCli.ERROR, r.exit(), r.err());
    assertEquals(Optional.empty(), new PeerRegistryClient("http://" + s2).peer("leak-1"), "unregistered on the way out");
  }

  @Test
  void badArgumentsExitTwoWithTheUsage() {
    for (String[] args : List.of(new String[] {"stun", "host:abc"}, new String[] {"list", "[::1]x"},
        new String[] {"pair", "127.0.0.1:70000", "k"}, new String[] {"pair", "127.0.0.1", ""},
        new String[] {"lobby", "127.0.0.1", "visit", "S", "N"}, new String[] {"lobby", "127.0.0.1", "host", "S", "N", "--max", "99"},
        new String[] {"lobby", "127.0.0.1", "host", "S", "N", "--players", "1"},
        new String[] {"lobby", "127.0.0.1", "host", "S", "N", "--max", "3", "--players", "4"}, new String[] {"chat", "--server", "h:x", "--username", "u",
            "--peer-id", "p"}, new String[] {"chat", "--server", "http://h:x", "--username", "u", "--peer-id", "p"},
        new String[] {"chat", "--server", "ftp://h", "--username", "u", "--peer-id", "p"}, new String[] {"stun", "a:b:c"},
        new String[] {"call", "ws://:8765", "--username", "u"}, new String[] {"pair", "127.0.0.1", "k", "--initiator", "peer-host"},
        new String[] {"pair", "127.0.0.1", "k", "--initiator", "203.0.113.07"}, new String[] {"pair", "127.0.0.1", "k", "--initiator", "1.2.3"},
        new String[] {"list", "127.0.0.1", "--heartbeat", "a,b"}, new String[] {"list", "127.0.0.1", "--heartbeat", "List"},
        new String[] {"list", "127.0.0.1", "--heartbeat", " padded"}, new String[] {"list", "127.0.0.1", "--heartbeat", ""},
        new String[] {"list", "127.0.0.1", "--heartbeat", "tab\there"}, new String[] {"list", "127.0.0.1", "--heartbeat", "n".repeat(1_025)})) {
      Run r = cli(args);
      assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().contains("Usage: rendezvous " + args[0]), String.join(" ", args) + ": " + r.err());
    }
  }

  @Test
  void aHeartbeatNameTheServerKeepsIsStored() throws Exception {
    String udp = "127.0.0.1:" + node.port("udp");
    Run r = cli("list", udp, "--heartbeat", "cli-lister");
    assertEquals(RendezvousCli.OK, r.exit(), r.err());
    try (DatagramSocket socket = new DatagramSocket()) {
      StunLiteClient other = new StunLiteClient(socket, new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port("udp")));
      Poll.until(5_000, "cli-lister in the list", () ->
          other.list(Duration.ofSeconds(2)).stream().anyMatch(e -> e.username().equals("cli-lister")) ? true : null);
      // A list that reaches a user silent for 2 s holds every newer one: the command can tell a dropped name then.
      Poll.until(10_000, "cli-lister silent for 2 s", () -> other.list(Duration.ofSeconds(2)).stream()
          .anyMatch(e -> e.username().equals("cli-lister") && e.secondsAgo() >= 2) ? true : null);
    }
    String tooLong = "x".repeat(65); // over the server's udp.maxNameBytes, 64 by default: dropped there
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      exit = cli("list", udp, "--heartbeat", tooLong).exit();
    } finally {
      System.setOut(stdout);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    assertEquals(RendezvousCli.ERROR, exit, out);
    assertTrue(out.contains("the server did not register " + tooLong + " after two heartbeats"), out);
  }

  @Test
  void aPairingWaitOfZeroGivesUpAtOnce() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      long t0 = System.nanoTime();
      // On another thread, so that a wait of 0 read as "no timeout" fails here instead of hanging the suite.
      Run r = CompletableFuture.supplyAsync(() -> cli("pair", "127.0.0.1:" + silent.getLocalPort(), "k", "--tcp",
          "--stun-port", "0", "--wait", "0s")).get(20, TimeUnit.SECONDS);
      assertEquals(RendezvousCli.ERROR, r.exit(), r.err());
      assertTrue(r.err().contains("no answer from the server in time"), r.err());
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 5_000, "gave up after " + ms + " ms, not the 35 s default");
    }
  }

  @Test
  void overUdpAPeerThatLeavesIsNoticed() throws Exception {
    String server = "127.0.0.1:" + node.port("pairing-tcp");
    String key = UUID.randomUUID().toString();
    CommandLine a = RendezvousCli.commandLine();
    PipedOutputStream neverEnds = new PipedOutputStream();
    ((PairCommand) a.getSubcommands().get("pair").getCommand()).input = new PipedInputStream(neverEnds);
    CompletableFuture<Integer> initiator = CompletableFuture.supplyAsync(() -> a.execute("pair", server, key,
        "--initiator", "127.0.0.1", "--stun-port", "0", "--peer-silence", "2s", "--linger", "0s", "--timeout", "10s"));
    Poll.until(10_000, "the initiator waiting", () ->
        Metrics.of(node.vertx()).value("rendezvous_pairing_waiting_initiators") == 1 ? true : null);
    CommandLine b = RendezvousCli.commandLine();
    ((PairCommand) b.getSubcommands().get("pair").getCommand()).input = new ByteArrayInputStream(new byte[0]);
    assertEquals(RendezvousCli.OK, b.execute("pair", server, key, "--stun-port", "0", "--linger", "0s", "--timeout", "10s"),
        "the receiver connects, has nothing to say and leaves");
    // the initiator's input never ends: only noticing the silence ends it
    assertEquals(RendezvousCli.OK, initiator.get(20, TimeUnit.SECONDS));
    neverEnds.close();
  }

  @Test
  void errorsSayWhatWentWrong() {
    assertEquals("cannot connect to the server", Endpoints.describe(new ConnectException()));
    assertEquals("cannot connect to the server (Connection refused)", Endpoints.describe(new ConnectException("Connection refused")));
    assertEquals("IllegalStateException", Endpoints.describe(new IllegalStateException()));
    for (String bad : new String[] {"[::1", "127.0.0.1:abc", "127.0.0.1:", "[::1]x", ":7700", "h:0"}) {
      String m = assertThrows(IllegalArgumentException.class, () -> Endpoints.udp(bad, 7700), bad).getMessage();
      assertEquals("'" + bad + "' is not a server like host, host:port or [IPv6]:port", m);
    }
    Run r = cli("stun", "[::1");
    assertEquals(2, r.exit(), "a bad argument");
    assertTrue(r.err().startsWith("error: '[::1' is not a server like host, host:port or [IPv6]:port\nUsage: rendezvous stun"),
        r.err());
  }

  @Test
  void addressesAndServersInEveryForm() throws Exception {
    assertEquals(new InetSocketAddress("::1", 7700), Endpoints.udp("[::1]", 7700));
    assertEquals(new InetSocketAddress("::1", 9), Endpoints.udp("[::1]:9", 7700));
    assertEquals(new InetSocketAddress("::1", 7700), Endpoints.udp("::1", 7700));
    assertEquals(new InetSocketAddress("127.0.0.1", 9), Endpoints.udp("127.0.0.1:9", 7700));
    assertEquals("127.0.0.1:9", PairingClient.addressText(new InetSocketAddress("127.0.0.1", 9)));
    assertEquals("[0:0:0:0:0:0:0:1]:9", PairingClient.addressText(new InetSocketAddress("::1", 9)));
    assertEquals("http://h:8000", Endpoints.http("h", 8000));
    assertEquals("http://h:9", Endpoints.http("h:9", 8000));
    assertEquals("http://[::1]:8000", Endpoints.http("::1", 8000));
    assertEquals("http://[::1]:9", Endpoints.http("[::1]:9", 8000));
    assertEquals("https://h/x", Endpoints.http("https://h/x", 8000));
    assertEquals(java.net.URI.create("ws://[::1]:8765/"), Endpoints.webSocket("::1", 8765));
  }

  @Test
  void everyCommandShowsItsHelpAndExitsZero() {
    for (String command : List.of("stun", "list", "chat", "pair", "lobby", "call")) {
      CommandLine cli = RendezvousCli.commandLine();
      StringWriter out = new StringWriter();
      cli.setOut(new PrintWriter(out, true));
      assertEquals(0, cli.execute(command, "--help"), command);
      assertTrue(out.toString().startsWith("Usage: rendezvous " + command), out.toString());
    }
  }
}
