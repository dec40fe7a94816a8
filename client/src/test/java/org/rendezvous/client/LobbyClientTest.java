package org.rendezvous.client;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LobbyClientTest {

  @Test
  void startMessagesWithIpv4AndIpv6PeersAreRead() {
    LobbyClient.Start s = LobbyClient.start("s:4000:Bob:192.0.2.7:5000;Cat:0:0:0:0:0:0:0:1:6000;Dan:2001:db8::5:7000").orElseThrow();
    assertEquals(4000, s.ownPort());
    assertEquals(List.of(
        new LobbyClient.Player("Bob", new InetSocketAddress("192.0.2.7", 5000)),
        new LobbyClient.Player("Cat", new InetSocketAddress("::1", 6000)),
        new LobbyClient.Player("Dan", new InetSocketAddress("2001:db8::5", 7000))), s.others());
    assertEquals(new InetSocketAddress("::1", 9), LobbyClient.start("s:1:Eve:[::1]:9").orElseThrow().others().get(0).address());
  }

  @Test
  void anythingElseIsNoStart() {
    for (String m : List.of("i:Host:Bob", "s:", "s:x:Bob:1.2.3.4:5", "s:1:Bob", "s:1:Bob:1.2.3.4:port", "s:1:Bob:1.2.3.4")) {
      assertEquals(Optional.empty(), LobbyClient.start(m), m);
    }
  }
}
