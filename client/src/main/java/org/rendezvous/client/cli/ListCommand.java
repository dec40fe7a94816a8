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
      if (name != null && !listed(entries, name) && holdsEveryRecentUser(entries)) {
        client.heartbeat(name); // the first may have been lost on the way
        entries = client.list(timeout);
      }
      for (StunLiteClient.Entry e : entries) {
        System.out.println(e.username() + "  " + PairingClient.addressText(InetSocketAddress.createUnresolved(e.ip(), e.port()))
            + "  " + e.secondsAgo() + " s ago");
      }
      System.out.println(entries.size() + (entries.size() == 1 ? " peer" : " peers"));
      if (name != null && !listed(entries, name) && holdsEveryRecentUser(entries)) {
        System.out.println("the server did not register " + name + " after two heartbeats: it drops names longer than its"
            + " udp.maxNameBytes (64 bytes by default; this one has " + name.getBytes(StandardCharsets.UTF_8).length
            + "), new names while its registry is full, and datagrams over its per-source rate limit");
        return RendezvousCli.ERROR;
      }
      return RendezvousCli.OK;
    } catch (java.net.SocketTimeoutException e) {
      System.out.println("no answer: " + e.getMessage());
      return RendezvousCli.ERROR;
    }
  }

  private static boolean listed(List<StunLiteClient.Entry> entries, String name) {
    return entries.stream().anyMatch(e -> e.username().equals(name));
  }

  /**
   * Whether a LIST answer would hold a user heard a moment ago: the answer is newest first and cut where the
   * datagram is full, so it does when it is empty or reaches a user silent for 2 s or more.
   */
  private static boolean holdsEveryRecentUser(List<StunLiteClient.Entry> entries) {
    return entries.isEmpty() || entries.get(entries.size() - 1).secondsAgo() >= 2;
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
