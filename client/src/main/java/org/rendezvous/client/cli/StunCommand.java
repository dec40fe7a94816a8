package org.rendezvous.client.cli;

import org.rendezvous.client.PairingClient;
import org.rendezvous.client.StunClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code rendezvous stun SERVER}: this host's public address as a STUN server sees it. */
@Command(name = "stun", description = "Print this host's public address as a STUN server sees it.")
final class StunCommand implements Callable<Integer> {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Parameters(paramLabel = "SERVER", description = "STUN server: host or host:port (default port 3478)")
  String server;

  @Option(names = "--timeout", description = "give up after this long (default: ${DEFAULT-VALUE})", defaultValue = "5s")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    InetSocketAddress target = Endpoints.udp(server, 3478);
    try (DatagramSocket socket = new DatagramSocket()) {
      System.err.println("asking " + target + " ...");
      InetSocketAddress mapped = StunClient.mappedAddress(socket, target, timeout);
      System.out.println("public address: " + PairingClient.addressText(mapped)
          + " (local port " + socket.getLocalPort() + ")");
      return RendezvousCli.OK;
    } catch (java.net.SocketTimeoutException e) {
      System.out.println("no answer: " + e.getMessage());
      return RendezvousCli.ERROR;
    }
  }
}
