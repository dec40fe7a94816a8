package org.rendezvous.pairing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TicketTest {

  @Test
  void aTicketSurvivesItsTextForm() {
    PairingDirectory.Ticket t = new PairingDirectory.Ticket("9f1c-node@odd", 42);
    assertEquals("42@9f1c-node@odd", t.text());
    assertEquals(t, PairingDirectory.Ticket.parse(t.text()));
  }

  @Test
  void aValueOfAnotherShapeIsReadAsANodeIdWithSerialZero() {
    assertEquals(new PairingDirectory.Ticket("node-a", 0), PairingDirectory.Ticket.parse("node-a"));
    assertEquals(new PairingDirectory.Ticket("x@node-a", 0), PairingDirectory.Ticket.parse("x@node-a"));
    assertEquals(new PairingDirectory.Ticket("@node-a", 0), PairingDirectory.Ticket.parse("@node-a"));
  }
}
