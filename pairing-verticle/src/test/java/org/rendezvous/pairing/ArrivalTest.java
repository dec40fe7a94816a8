package org.rendezvous.pairing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Roles, keys and what each side is told (SPEC S1), decided without sockets. */
class ArrivalTest {

  private static Arrival arrive(String uuid, String targetIp, String protocol, String address) {
    return Arrival.of(new Hello(uuid, targetIp, protocol, address), "10.0.0.7", 4321);
  }

  @Test
  void anEmptyUuidIsIgnoredWhateverElseIsSet() {
    assertInstanceOf(Arrival.Ignored.class, arrive("", "1.2.3.4", "udp", "5.6.7.8:9"));
  }

  @Test
  void targetIpAloneDecidesTheRole() {
    assertInstanceOf(Arrival.Initiator.class, arrive("k", "1.2.3.4", "", ""));
    assertInstanceOf(Arrival.Receiver.class, arrive("k", "", "udp", "5.6.7.8:9"));
    assertInstanceOf(Arrival.Receiver.class, arrive("k", "", "tcp", ""));
  }

  @Test
  void anInitiatorIsKeyedByItsTargetIpAReceiverByItsOwnIp() {
    Arrival.Initiator i = assertInstanceOf(Arrival.Initiator.class, arrive("k", "10.0.0.7", "tcp", ""));
    Arrival.Receiver r = assertInstanceOf(Arrival.Receiver.class, arrive("k", "", "", ""));
    assertEquals(i.key(), r.key());
    Arrival.Initiator other = assertInstanceOf(Arrival.Initiator.class, arrive("k", "10.0.0.8", "tcp", ""));
    assertNotEquals(other.key(), r.key());
  }

  @Test
  void targetIpIsComparedInCanonicalForm() {
    Arrival.Initiator i = assertInstanceOf(Arrival.Initiator.class,
        Arrival.of(new Hello("k", "2001:DB8:0:0::1", "tcp", ""), "9.9.9.9", 1));
    Arrival.Receiver r = assertInstanceOf(Arrival.Receiver.class, Arrival.of(new Hello("k", "", "", ""), "2001:db8::1", 2));
    assertEquals(i.key(), r.key());
  }

  @Test
  void uuidAndIpCannotRunIntoEachOther() {
    assertNotEquals(Arrival.key("ab", "1.2.3.4"), Arrival.key("a", "b1.2.3.4"));
  }

  @Test
  void aUdpInitiatorPublishesItsProbedAddressAnyOtherItsTcpAddress() {
    assertEquals("5.6.7.8:9", ((Arrival.Initiator) arrive("k", "1.2.3.4", "udp", "5.6.7.8:9")).publicAddress());
    assertEquals("10.0.0.7:4321", ((Arrival.Initiator) arrive("k", "1.2.3.4", "tcp", "5.6.7.8:9")).publicAddress());
    assertEquals("10.0.0.7:4321", ((Arrival.Initiator) arrive("k", "1.2.3.4", "UDP", "5.6.7.8:9")).publicAddress());
  }

  @Test
  void udpPairingExchangesTheProbedAddresses() {
    Arrival.Initiator i = new Arrival.Initiator("key", "udp", "1.1.1.1:100");
    Arrival.Receiver r = new Arrival.Receiver("key", "2.2.2.2:200", "2.2.2.2:5555");
    Arrival.Pair p = Arrival.pair(i, r);
    assertEquals(Reply.peer("udp", "2.2.2.2:200"), p.toInitiator());
    assertEquals(Reply.peer("udp", "1.1.1.1:100"), p.toReceiver());
  }

  @Test
  void otherProtocolsExchangeTcpAddressesAndKeepTheInitiatorsProtocol() {
    Arrival.Initiator i = new Arrival.Initiator("key", "tcp", "1.1.1.1:7000");
    Arrival.Receiver r = new Arrival.Receiver("key", "2.2.2.2:200", "2.2.2.2:5555");
    Arrival.Pair p = Arrival.pair(i, r);
    assertEquals(Reply.peer("tcp", "2.2.2.2:5555"), p.toInitiator());
    assertEquals(Reply.peer("tcp", "1.1.1.1:7000"), p.toReceiver());
    Arrival.Pair odd = Arrival.pair(new Arrival.Initiator("key", "", "1.1.1.1:7000"), r);
    assertEquals(Reply.peer("", "2.2.2.2:5555"), odd.toInitiator());
    assertEquals(Reply.peer("", "1.1.1.1:7000"), odd.toReceiver());
  }
}
