package org.rendezvous.client.cli;

import org.rendezvous.client.LobbyClient;
import org.rendezvous.client.PairingClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code rendezvous lobby SERVER host|join SESSION NAME}: S4 host or join, ping until the host starts
 * (the host starts once {@code --players} have joined), then greet every other player directly.
 */
@Command(name = "lobby", description = "Host or join an S4 lobby session, start it, then greet every other player directly.")
final class LobbyCommand implements Callable<Integer> {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SERVER", description = "host or host:port (default port 57775)")
  String server;

  @Parameters(index = "1", paramLabel = "ROLE", description = "host or join")
  String role;

  @Parameters(index = "2", paramLabel = "SESSION")
  String session;

  @Parameters(index = "3", paramLabel = "NAME")
  String name;

  @Option(names = "--max", defaultValue = "4", description = "host: most players (2-12, default: ${DEFAULT-VALUE})")
  int max;

  @Option(names = "--players", defaultValue = "2", description = "host: start once this many have joined (2..--max, default: ${DEFAULT-VALUE})")
  int players;

  @Option(names = "--password", description = "session password")
  String password;

  @Option(names = "--timeout", defaultValue = "60s", description = "give up after this long (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    if (!role.equals("host") && !role.equals("join")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "ROLE must be host or join, not " + role);
    }
    if (role.equals("host") && (max < 2 || max > 12)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max must be 2..12 (the lobby's limits), not " + max);
    }
    if (role.equals("host") && (players < 2 || players > max)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--players must be 2.." + max + " (--max), not " + players);
    }
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    String suffix = password == null ? "" : ":" + password;
    String enter = role.equals("host") ? "h:" + session + ":" + name + ":" + max + suffix : "c:" + session + ":" + name + suffix;
    String ping = "p:" + session + ":" + name;
    try (DatagramSocket socket = new DatagramSocket()) {
      LobbyClient lobby = new LobbyClient(socket, Endpoints.udp(server, 57775));
      List<String> seen = List.of();
      boolean joined = false;
      boolean startSent = false;
      LobbyClient.Start start = null;
      // Like the Godot plugin: resend the entry until i:, then ping every 0.5 s.
      while (start == null && System.nanoTime() < deadline) {
        lobby.send(joined ? ping : enter);
        if (role.equals("host") && seen.size() >= players) {
          lobby.send("s:" + session + ":" + name);
          startSent = true;
        }
        long next = System.nanoTime() + 500_000_000L;
        while (System.nanoTime() < next) {
          Optional<String> m = lobby.receive(Duration.ofNanos(Math.max(1_000_000L, next - System.nanoTime())));
          if (m.isEmpty()) {
            break;
          }
          String msg = m.get();
          if (msg.startsWith("error:")) {
            System.out.println("lobby refused: " + msg);
            return RendezvousCli.ERROR;
          }
          List<String> list = LobbyClient.players(msg);
          if (!list.isEmpty()) {
            joined = true;
            if (!list.equals(seen)) {
              System.err.println("players: " + String.join(", ", list));
              seen = list;
            }
          }
          Optional<LobbyClient.Start> s = LobbyClient.start(msg);
          if (s.isPresent()) {
            start = s.get();
            break;
          }
        }
      }
      if (start == null) {
        System.out.println(!joined ? "no answer from the lobby server within " + timeout.toSeconds() + " s"
            : "the session did not start within " + timeout.toSeconds() + " s"
            + (role.equals("host") && !startSent ? " (fewer than " + players + " players joined)" : ""));
        return RendezvousCli.ERROR;
      }
      lobby.send("y:" + session + ":" + name);
      System.err.println("started; our public port " + start.ownPort() + "; greeting " + start.others().size() + " players ...");
      return greet(socket, start, started, deadline);
    }
  }

  /** Sends "hello from NAME" to every other player every 100 ms until each one's greeting arrived. */
  private int greet(DatagramSocket socket, LobbyClient.Start start, long started, long deadline) throws Exception {
    byte[] hello = ("hello from " + name).getBytes(StandardCharsets.UTF_8);
    Map<InetSocketAddress, String> heard = new HashMap<>();
    byte[] buf = new byte[2048];
    int lingerRounds = 5; // keep greeting a little after the last one arrived, for players still punching
    while (System.nanoTime() < deadline && (heard.size() < start.others().size() || lingerRounds-- > 0)) {
      for (LobbyClient.Player p : start.others()) {
        socket.send(new DatagramPacket(hello, hello.length, p.address()));
      }
      long next = System.nanoTime() + 100_000_000L;
      while (System.nanoTime() < next) {
        socket.setSoTimeout((int) Math.max(1, (next - System.nanoTime()) / 1_000_000L));
        DatagramPacket d = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(d);
        } catch (SocketTimeoutException e) {
          break;
        }
        String text = new String(d.getData(), 0, d.getLength(), StandardCharsets.UTF_8);
        InetSocketAddress from = (InetSocketAddress) d.getSocketAddress();
        if (text.startsWith("hello from ") && heard.putIfAbsent(from, text) == null) {
          System.out.println("connected directly to " + text.substring("hello from ".length()) + " at "
              + PairingClient.addressText(from) + " after "
              + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
      }
    }
    if (heard.size() < start.others().size()) {
      System.out.println("no direct path to " + (start.others().size() - heard.size()) + " of " + start.others().size()
          + " players: their greetings never arrived (a symmetric NAT on either side prevents hole punching)");
      return RendezvousCli.NO_DIRECT_PATH;
    }
    System.out.println("all " + heard.size() + " players reached directly");
    return RendezvousCli.OK;
  }
}
