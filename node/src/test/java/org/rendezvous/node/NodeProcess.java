package org.rendezvous.node;

import org.rendezvous.testkit.FreePorts;
import org.rendezvous.testkit.Poll;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A node in its own JVM (the test's classpath, {@link Main} as entry point), for what only a real
 * process shows: SIGTERM handling and kill -9.
 */
final class NodeProcess implements AutoCloseable {

  private final Path dir;
  private final Path configFile;
  final int udpPort;
  final int httpPort;
  final int opsPort;
  final int lobbyPort;
  final int pairingPort;
  final int wsPort;
  private Process process;
  private int starts;
  private final HttpClient http = HttpClient.newHttpClient();

  /**
   * A node process with every listener on a free loopback port; {@code overrides} is merged deeply
   * into that config (e.g. {@link #clusterSection}).
   */
  NodeProcess(Path dir, JsonObject overrides) throws IOException {
    this.dir = dir;
    this.udpPort = FreePorts.udp();
    this.httpPort = FreePorts.tcp();
    this.opsPort = FreePorts.tcp();
    this.lobbyPort = FreePorts.udp();
    this.pairingPort = FreePorts.tcpAndUdp();
    this.wsPort = FreePorts.tcp();
    JsonObject cfg = new JsonObject()
        .put("ops", new JsonObject().put("host", "127.0.0.1").put("port", opsPort))
        .put("udp", new JsonObject().put("host", "127.0.0.1").put("port", udpPort))
        .put("lobby", new JsonObject().put("host", "127.0.0.1").put("port", lobbyPort))
        .put("pairing", new JsonObject().put("host", "127.0.0.1").put("port", pairingPort))
        .put("ws", new JsonObject().put("host", "127.0.0.1").put("port", wsPort))
        .put("registry", new JsonObject().put("dbPath", dir.resolve("rendezvous.db").toString())
            .put("httpHost", "127.0.0.1").put("httpPort", httpPort))
        .mergeIn(overrides, true);
    configFile = dir.resolve("node.json");
    Files.writeString(configFile, cfg.encodePrettily());
  }

  Path dbPath() {
    return dir.resolve("rendezvous.db");
  }

  /** Starts the JVM and waits until /health/ready answers 200. */
  void start() throws Exception {
    launch();
    HttpClient http = HttpClient.newHttpClient();
    try {
      awaitReady(http);
    } catch (AssertionError notReady) {
      // The log is in a temporary directory that is gone by the time anyone reads the report: quote it.
      String log = log();
      throw new AssertionError(notReady.getMessage() + "; the node's log ends:\n"
          + log.substring(Math.max(0, log.length() - 6_000)), notReady);
    }
  }

  /** Starts the JVM, without waiting for anything. */
  void launch() throws IOException {
    starts++;
    ProcessBuilder pb = new ProcessBuilder(command(configFile))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("node-" + starts + ".log").toFile());
    process = pb.start();
  }

  /** The command line of a node process run from this test's class path with {@code configFile}. */
  static List<String> command(Path configFile) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
    // Hazelcast reflects into JDK internals, as the fat jar's manifest allows (the build's hazelcast.opens).
    for (String flag : System.getProperty("rendezvous.test.hazelcastOpens", "").split("\\s+")) {
      if (!flag.isEmpty()) {
        command.add(flag);
      }
    }
    command.addAll(List.of("-Dhazelcast.phone.home.enabled=false", Main.class.getName(), "--config", configFile.toString()));
    return command;
  }

  private void awaitReady(HttpClient http) throws Exception {
    // false ends the wait at once when the process has exited (an exception would only be retried until the deadline)
    boolean ready = Poll.until(60_000, "node process ready", () -> {
      if (!process.isAlive()) {
        return false;
      }
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/health/ready"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? true : null;
    });
    if (!ready) {
      throw new AssertionError("node exited with " + process.exitValue() + " before it was ready");
    }
  }

  /** SIGTERM, and the exit code once it has stopped. */
  int terminate() throws Exception {
    process.destroy();
    if (!process.waitFor(40, TimeUnit.SECONDS)) {
      throw new AssertionError("node did not stop within 40 s of SIGTERM");
    }
    return process.exitValue();
  }

  /** SIGTERM without waiting: the process's exit code, once it exits. */
  CompletableFuture<Integer> terminateLater() {
    process.destroy();
    return process.onExit().thenApply(Process::exitValue);
  }

  /** The status /health/ready answers now; -1 when nothing listens. */
  int readiness() throws Exception {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/health/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (java.net.ConnectException refused) {
      return -1;
    }
  }

  /** SIGKILL: no shutdown hook runs. */
  void kill() throws Exception {
    process.destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process stays, silent, as in a long pause or behind a network split. */
  void pause() throws Exception {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause}. */
  void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** The status of an S2 request to this node ({@code body} null: no body). */
  int s2(String method, String path, String body) throws Exception {
    HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).method(method, publisher)
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** An unlabelled series from the node's /metrics, or -1 when absent. */
  long metric(String name) throws Exception {
    for (String line : get("/metrics").split("\n")) {
      if (line.startsWith(name + " ")) {
        return Long.parseLong(line.substring(name.length() + 1).trim());
      }
    }
    return -1;
  }

  /** How many members this node's /api/cluster lists. */
  int clusterSize() throws Exception {
    return new JsonObject(get("/api/cluster")).getJsonArray("nodes").size();
  }

  private String get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /**
   * Of {@code a} and {@code b}, the one whose counter {@code metric} reads 1 once the two add up to 1 (within
   * {@code timeoutMs}): after a healed split, the node that gave up a name or key both sides held.
   */
  static NodeProcess theOneCounting(String metric, NodeProcess a, NodeProcess b, long timeoutMs) throws Exception {
    return Poll.until(timeoutMs, "one of the two nodes to count " + metric, () -> {
      long onA = a.metric(metric);
      long onB = b.metric(metric);
      return onA + onB == 1 ? (onA == 1 ? a : b) : null;
    });
  }

  /**
   * {@link #twoMembers} that look for each other every 2 s once cut off (cluster.mergeDelaySeconds), so a
   * split made with {@link #pause} heals within seconds of {@link #resume}; {@code overrides} as there.
   */
  static List<NodeProcess> twoMembersQuickToMerge(Path dir, JsonObject overrides) throws IOException {
    return twoMembers(dir, overrides.copy().put("cluster", new JsonObject().put("mergeDelaySeconds", 2)));
  }

  /**
   * Two node processes configured as members of one new cluster (not started), in {@code dir}/a and
   * {@code dir}/b; {@code overrides} is merged into both configs.
   */
  static List<NodeProcess> twoMembers(Path dir, JsonObject overrides) throws IOException {
    String cluster = NodeFixture.uniqueClusterName();
    List<Integer> members = List.of(FreePorts.tcp(), FreePorts.tcp());
    NodeProcess a = new NodeProcess(Files.createDirectories(dir.resolve("a")),
        clusterSection(cluster, members.get(0), members).mergeIn(overrides.copy(), true));
    NodeProcess b = new NodeProcess(Files.createDirectories(dir.resolve("b")),
        clusterSection(cluster, members.get(1), members).mergeIn(overrides.copy(), true));
    return List.of(a, b);
  }

  /** Starts both members and waits until each sees the other. */
  static void startCluster(NodeProcess a, NodeProcess b) throws Exception {
    a.start();
    b.start();
    Poll.until(30_000, "two members", () -> a.clusterSize() == 2 && b.clusterSize() == 2 ? true : null);
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("node-" + starts + ".log"));
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      kill();
    }
  }

  /** The "cluster" section for a process member of {@code clusterName} on 127.0.0.1. */
  static JsonObject clusterSection(String clusterName, int hzPort, List<Integer> memberPorts) {
    io.vertx.core.json.JsonArray members = new io.vertx.core.json.JsonArray();
    memberPorts.forEach(p -> members.add("127.0.0.1:" + p));
    return new JsonObject().put("cluster", new JsonObject()
        .put("enabled", true).put("name", clusterName).put("host", "127.0.0.1").put("port", hzPort)
        .put("members", members).put("eventBusPort", 0).put("waitBeforeJoinSeconds", 0)
        .put("heartbeatSeconds", 1).put("maxNoHeartbeatSeconds", 5));
  }
}
