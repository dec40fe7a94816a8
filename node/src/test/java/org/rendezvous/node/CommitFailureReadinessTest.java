package org.rendezvous.node;

import org.rendezvous.testkit.Poll;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A node whose SQLite commits keep failing stops reporting ready, and is ready again once one succeeds. */
class CommitFailureReadinessTest {

  @TempDir
  Path dir;

  private RendezvousNode node;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    NodeFixture.stop(node);
  }

  private int ready() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port("ops") + "/health/ready"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void commitsFailingLongerThanTheSettingMakeTheNodeNotReadyUntilOneSucceeds() throws Exception {
    var config = NodeFixture.singleNode(dir);
    config.getJsonObject("registry").put("notReadyAfterFailingCommitsSeconds", 1);
    node = NodeFixture.start(config);
    assertEquals(200, ready());
    CompletableFuture<HttpResponse<String>> register;
    try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("rendezvous.db"));
         Statement st = lock.createStatement()) {
      st.execute("BEGIN IMMEDIATE"); // every commit of the node now waits out its busy timeout and fails
      register = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port("s2-http") + "/register"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"peer_id\":\"p-locked\",\"username\":\"u\",\"port\":4000}"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      Poll.until(30_000, "not ready while commits fail", () -> ready() == 503 ? true : null);
      st.execute("ROLLBACK");
    }
    Poll.until(30_000, "ready again once a commit succeeds", () -> ready() == 200 ? true : null);
    register.get(30, TimeUnit.SECONDS); // answered, 200 or (after 10 s of failures) 500: not what this test is about
  }
}
