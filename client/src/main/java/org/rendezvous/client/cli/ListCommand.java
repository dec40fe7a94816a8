package org.rendezvous.client.cli;

import org.rendezvous.client.PairingClient;
import org.rendezvous.client.StunLiteClient;
import org.rendezvous.udp.lite.LiteRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rendezvous list SERVER}: the STUN-lite (S0) peer list, optionally after a heartbeat. */
@Command(name = "list", description = "Print the STUN-lite peer list (username, address, seconds since last heartbeat).")
final class ListCommand implements Callable<Integer> {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Parameters(paramLabel = "SERVER", description = "host or host:port (default port 3478)")
  String server;

  @Option(names = "--heartbeat", paramLabel = "NAME", description = "register NAME (one heartbeat) before listing")
  String name;

  @Option(names = "--timeout", defaultValue = "5s", description = "give up after this long (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (name != null) {
      checkName(name);
    }
    try (DatagramSocket socket = new DatagramSocket()) {
      StunLiteClient client = new StunLiteClient(socket, Endpoints.udp(server, 3478));
      if (name != null) {
        client.heartbeat(name);
      }
      List<StunLiteClient.Entry> entries = client.list(timeout);
      for (StunLiteClient.Entry e : entries) {
        System.out.println(e.username() + "  " + PairingClient.addressText(InetSocketAddress.createUnresolved(e.ip(), e.port()))
            + "  " + e.secondsAgo() + " s ago");
      }
      System.out.println(entries.size() + (entries.size() == 1 ? " peer" : " peers"));
      if (name != null && entries.stream().noneMatch(e -> e.username().equals(name)) && listBytes(entries) < ALMOST_FULL) {
        // A list this short holds every user; one the server took would be in it, seen 0 s ago.
        System.out.println("the server did not register " + name + ": it drops names longer than its udp.maxNameBytes"
            + " (64 bytes by default; this one has " + name.getBytes(StandardCharsets.UTF_8).length + ")");
        return RendezvousCli.ERROR;
      }
      return RendezvousCli.OK;
    } catch (java.net.SocketTimeoutException e) {
      System.out.println("no answer: " + e.getMessage());
      return RendezvousCli.ERROR;
    }
  }

  /** A LIST answer at least this long may have left users out (the server sends what fits in one datagram). */
  private static final int ALMOST_FULL = 60_000;

  /** The size of the LIST answer that held {@code entries}. */
  private static int listBytes(List<StunLiteClient.Entry> entries) {
    int bytes = 0;
    for (StunLiteClient.Entry e : entries) {
      bytes += (e.username() + ',' + e.ip() + ',' + e.port() + ',' + e.secondsAgo()).getBytes(StandardCharsets.UTF_8).length + 1;
    }
    return bytes;
  }

  /** A name the server would not store as given is a bad argument: it drops it silently, or reads it as another request. */
  private void checkName(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    LiteRequest asRead = LiteRequest.parse(bytes, 0, bytes.length, Integer.MAX_VALUE);
    String problem = bytes.length > LiteRequest.MAX_READ ? "is longer than the " + LiteRequest.MAX_READ + " bytes the server reads"
        : asRead.kind() == LiteRequest.Kind.LIST ? "is the LIST request"
        : asRead.kind() == LiteRequest.Kind.INVALID_NAME ? "is empty or holds a comma or a control character, which the server drops"
        : !asRead.name().equals(name) ? "begins or ends with white space, which the server strips"
        : null;
    if (problem != null) {
      throw new ParameterException(spec.commandLine(), "--heartbeat NAME " + problem + ": '" + name + "'");
    }
  }
}
