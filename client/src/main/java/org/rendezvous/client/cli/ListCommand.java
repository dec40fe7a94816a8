package org.rendezvous.client.cli;

import org.rendezvous.client.PairingClient;
import org.rendezvous.client.StunLiteClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
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

  @Override
  public Integer call() throws Exception {
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
      return RendezvousCli.OK;
    } catch (java.net.SocketTimeoutException e) {
      System.out.println("no answer: " + e.getMessage());
      return RendezvousCli.ERROR;
    }
  }
}
