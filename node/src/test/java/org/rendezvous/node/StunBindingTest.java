package org.rendezvous.node;

import org.rendezvous.testkit.Poll;
import org.rendezvous.testkit.UdpClient;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;
import org.rendezvous.udp.stun.Fingerprint;
import org.rendezvous.udp.stun.MappedAddress;
import org.rendezvous.udp.stun.StunMessage;
import org.rendezvous.udp.stun.XorMappedAddress;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** S5 STUN Binding on the node's UDP 3478 socket, and that socket's behaviour under bad input. */
class StunBindingTest {

  @TempDir
  Path dir;

  private RendezvousNode node;
  private int port;

  @BeforeEach
  void start() throws Exception {
    JsonObject cfg = NodeFixture.singleNode(dir);
    // The junk test sends 3,000 datagrams from one address in a blink: the per-source rate limit is lifted.
    cfg.getJsonObject("udp").put("rateLimitPerSecond", 1_000_000).put("rateLimitBurst", 1_000_000);
    node = NodeFixture.start(cfg);
    port = node.port("udp");
  }

  @AfterEach
  void stop() throws Exception {
    NodeFixture.stop(node);
  }

  private static byte[] bindingRequest(Random rnd, boolean cookie) {
    byte[] id = new byte[cookie ? 12 : 16];
    rnd.nextBytes(id);
    if (!cookie) {
      id[0] = 0; // keep bytes 4-7 from matching the magic cookie by chance
      id[1] = 0;
    }
    StunMessage m = new StunMessage(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), id);
    return m.encode();
  }

  @Test
  void bindingRequestGetsTheSendersAddressFromTheSameSocket() throws Exception {
    try (UdpClient c = new UdpClient(port)) {
      byte[] req = bindingRequest(new Random(1), true);
      byte[] reply = c.request(req);
      StunMessage m = StunMessage.decode(reply, 0, reply.length);
      assertNotNull(m);
      assertEquals(StunMessage.CLASS_SUCCESS, m.messageClass());
      assertArrayEquals(Arrays.copyOfRange(req, 8, 20), m.transactionId());
      XorMappedAddress xor = XorMappedAddress.readFrom(m);
      assertEquals(InetAddress.getLoopbackAddress(), xor.address());
      assertEquals(c.localPort(), xor.port());
      assertEquals(c.localPort(), MappedAddress.readFrom(m).port());
      assertNull(m.get(StunMessage.ATTR_FINGERPRINT), "no FINGERPRINT asked for");
    }
  }

  @Test
  void fingerprintedRequestGetsAFingerprintedResponse() throws Exception {
    try (UdpClient c = new UdpClient(port)) {
      StunMessage req = new StunMessage(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), new byte[12]);
      Fingerprint.addTo(req);
      byte[] reply = c.request(req.encode());
      StunMessage m = StunMessage.decode(reply, 0, reply.length);
      assertNotNull(m.get(StunMessage.ATTR_FINGERPRINT));
      assertTrue(Fingerprint.verify(m), "response FINGERPRINT verifies");
      assertEquals(c.localPort(), XorMappedAddress.readFrom(m).port());
    }
  }

  @Test
  void rfc3489RequestGetsMappedAddressOnly() throws Exception {
    try (UdpClient c = new UdpClient(port)) {
      byte[] req = bindingRequest(new Random(2), false);
      byte[] reply = c.request(req);
      StunMessage m = StunMessage.decode(reply, 0, reply.length);
      assertArrayEquals(Arrays.copyOfRange(req, 4, 20), m.transactionId());
      assertEquals(c.localPort(), MappedAddress.readFrom(m).port());
      assertNull(m.get(StunMessage.ATTR_XOR_MAPPED_ADDRESS));
    }
  }

  @Test
  void randomBytesAndBrokenStunNeverStopTheSocket() throws Exception {
    Random rnd = new Random(3);
    try (UdpClient c = new UdpClient(port)) {
      int sent = 0;
      for (int i = 0; i < 3_000; i++) {
        byte[] junk = new byte[rnd.nextInt(1_500)];
        rnd.nextBytes(junk);
        if (i % 3 == 0 && junk.length >= 20) {
          // Valid-looking header with a lying length field and a corrupted body
          byte[] good = bindingRequest(rnd, true);
          System.arraycopy(good, 0, junk, 0, 20);
        }
        c.send(junk);
        sent++;
      }
      int total = sent;
      // Drain whatever was answered (junk that parses as names is stored, never answered).
      Poll.until(20_000, "all junk datagrams handled", () -> handled() >= total ? true : null);
      byte[] reply = c.request(bindingRequest(rnd, true));
      assertEquals(StunMessage.CLASS_SUCCESS, StunMessage.decode(reply, 0, reply.length).messageClass());
    }
    // Junk that was stored as names did not corrupt the list: every line is still name,ip,port,seconds_ago.
    // Asked from a new socket: replies to the junk may still be on their way to the old one.
    try (UdpClient lister = new UdpClient(port)) {
      String list = lister.requestText("LIST");
      for (String line : list.isEmpty() ? new String[0] : list.split("\n", -1)) {
        assertTrue(line.matches("[^,]+,127\\.0\\.0\\.1,[0-9]+,[0-9]+"), line);
      }
    }
  }

  /** Every datagram the 3478 socket has dealt with, by any outcome. */
  private long handled() {
    Metrics m = Metrics.of(node.vertx());
    long n = 0;
    for (String kind : new String[] {"success", "error"}) {
      n += m.value("rendezvous_stun_responses_total", "port", "3478", "kind", kind);
    }
    for (String reason : new String[] {"malformed", "not_request"}) {
      n += m.value("rendezvous_stun_dropped_total", "port", "3478", "reason", reason);
    }
    n += m.value("rendezvous_s0_heartbeats_total");
    n += m.value("rendezvous_s0_dropped_total", "reason", "invalid_name");
    n += m.value("rendezvous_s0_lists_total", "result", "sent") + m.value("rendezvous_s0_lists_total", "result", "over_budget");
    return n;
  }

  @Test
  void aStunRequestLongerThanTheReadIsDroppedAndCountedNotTakenForText() throws Exception {
    Metrics m = Metrics.of(node.vertx());
    long s0Oversize = m.value("rendezvous_s0_oversize_total");
    StunMessage big = new StunMessage(StunMessage.type(StunMessage.METHOD_BINDING, StunMessage.CLASS_REQUEST), new byte[12]);
    big.add(0x0026, new byte[3_000]); // PADDING: a 3,024-byte request, cut by the node's 2,048-byte read
    byte[] small = bindingRequest(new Random(5), true);
    try (UdpClient c = new UdpClient(port)) {
      c.send(big.encode());
      byte[] reply = c.request(small); // in order on loopback: the long one was dealt with first
      assertArrayEquals(StunMessage.decode(small, 0, small.length).transactionId(),
          StunMessage.decode(reply, 0, reply.length).transactionId(), "no reply to the long request");
    }
    assertEquals(1, m.value("rendezvous_stun_dropped_total", "port", "3478", "reason", "oversize"));
    assertEquals(s0Oversize, m.value("rendezvous_s0_oversize_total"), "not S0 text");
  }

  @Test
  void textThatIsNotStunIsStunLite() throws Exception {
    try (UdpClient c = new UdpClient(port)) {
      c.send("plain-name".getBytes(StandardCharsets.US_ASCII));
      Poll.until(5_000, "stored as a name", () -> c.requestText("LIST").startsWith("plain-name,") ? true : null);
    }
  }
}
