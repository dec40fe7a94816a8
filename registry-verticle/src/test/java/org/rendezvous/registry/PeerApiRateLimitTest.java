package org.rendezvous.registry;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.common.Metrics;
import org.rendezvous.common.SourceRateLimiter;
import org.rendezvous.testkit.RawHttp;
import org.rendezvous.testkit.RawHttp.Response;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The S2 API's per-client rate limit over real HTTP/1.1 connections: 127.0.0.x are distinct clients
 * on one machine, and 127.0.0.1 is a trusted proxy (the default) whose X-Forwarded-For names the client.
 */
class PeerApiRateLimitTest {

  private static final int PER_SECOND = 1;
  private static final int BURST = 5;

  @TempDir
  static Path dir;
  private static SoloRegistry solo;

  @BeforeAll
  static void deploy() throws Exception {
    solo = SoloRegistry.deploy(dir, new JsonObject()
        .put("httpRateLimitPerSecond", PER_SECOND).put("httpRateLimitBurst", BURST));
  }

  @AfterAll
  static void close() throws Exception {
    solo.close();
  }

  /** One keep-alive HTTP/1.1 connection from a given local address. */
  private static final class Client implements AutoCloseable {
    private final Socket socket = new Socket();

    Client(String localAddress) throws IOException {
      socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), solo.port()), 5_000);
      socket.setSoTimeout(10_000);
    }

    Response get(String path, String... headers) throws IOException {
      return exchange("GET", path, "", headers);
    }

    Response exchange(String method, String path, String body, String... headers) throws IOException {
      StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: test\r\n");
      for (int i = 0; i < headers.length; i += 2) {
        req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      if (bytes.length > 0) {
        req.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
      }
      req.append("\r\n");
      socket.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      return RawHttp.read(socket.getInputStream());
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** The count of S2 responses with that route and status; a series appears with its first response. */
  private static long responses(String route, int status) {
    return Math.max(0, Metrics.of(solo.vertx())
        .value("rendezvous_s2_responses_total", "route", route, "status", Integer.toString(status)));
  }

  /** Sends {@code n} requests as fast as they are answered; returns how many got 200, checking every other one is a proper 429. */
  private static int floodPeers(Client c, int n, String... headers) throws IOException {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      Response r = c.get("/peers", headers);
      if (r.status() == 200) {
        ok++;
        continue;
      }
      assertEquals(429, r.status(), r.text());
      assertEquals("{\"detail\":\"Too Many Requests\"}", r.text());
      assertEquals("application/json", r.header("content-type"));
      assertEquals("1", r.header("retry-after"));
    }
    return ok;
  }

  private static void assertWithinBudget(int ok, long startNanos) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    assertTrue(ok >= BURST && ok <= BURST + PER_SECOND * seconds + 1,
        ok + " answered in " + seconds + " s with a burst of " + BURST + " and " + PER_SECOND + "/s");
  }

  @Test
  void aFloodFromOneClientGets429WhileAnotherClientIsServed() throws Exception {
    long limitedBefore = responses("peers", 429);
    int flood = 30;
    long start = System.nanoTime();
    try (Client flooder = new Client("127.0.0.2"); Client other = new Client("127.0.0.3")) {
      int ok = floodPeers(flooder, flood);
      assertWithinBudget(ok, start);
      assertEquals(flood - ok, responses("peers", 429) - limitedBefore, "every 429 is counted");

      // A write over the limit is refused before its body is read, and the connection still serves.
      String body = new JsonObject().put("peer_id", "p-flood").put("username", "f").put("port", 1).encode();
      assertEquals(429, flooder.exchange("POST", "/register", body).status());
      assertEquals(429, flooder.get("/").status());

      assertEquals(200, other.get("/peers").status(), "another client keeps being served");
    }
  }

  @Test
  void clientsBehindATrustedProxyAreLimitedOneByOne() throws Exception {
    long start = System.nanoTime();
    try (Client proxy = new Client("127.0.0.1")) {
      assertWithinBudget(floodPeers(proxy, 20, "X-Forwarded-For", "198.51.100.7"), start);
      assertEquals(200, proxy.get("/peers", "X-Forwarded-For", "198.51.100.8").status(), "the proxy's next client is served");
    }
  }

  @Test
  void aClientWithinItsBudgetIsNeverLimited() throws Exception {
    try (Client c = new Client("127.0.0.4")) {
      String body = new JsonObject().put("peer_id", "p-calm").put("username", "calm").put("port", 4000).encode();
      assertEquals(200, c.exchange("POST", "/register", body).status());
      for (String path : new String[] {"/", "/peers", "/peer/p-calm", "/status"}) {
        assertEquals(200, c.get(path).status(), path);
      }
    }
  }

  @Test
  void theDefaultLimitAndItsKeys() {
    assertEquals(new SourceRateLimiter.Limits(50, 100, 65_536), RegistryConfig.from(new JsonObject()).httpRateLimit());
    assertEquals(new SourceRateLimiter.Limits(2, 3, 4), RegistryConfig.from(new JsonObject()
        .put("httpRateLimitPerSecond", 2).put("httpRateLimitBurst", "3").put("httpRateLimitMaxSources", 4)).httpRateLimit());
  }
}
