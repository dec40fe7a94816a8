package org.rendezvous.node;

import io.vertx.core.json.JsonObject;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code java -jar rendezvous.jar [--config FILE] [--cluster]}: runs one node until SIGTERM, then
 * shuts it down gracefully (stop accepting, flush SQLite, leave the cluster).
 */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    // Before any logger exists: keep logging alive while the shutdown hook flushes and leaves the cluster.
    System.setProperty("java.util.logging.manager", LogFormat.ShutdownSafeLogManager.class.getName());
    Logger log = Logger.getLogger(Main.class.getName());
    String configFile = null;
    boolean cluster = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> {
          if (i + 1 >= args.length) {
            usage("--config needs a file");
          }
          configFile = args[++i];
        }
        case "--cluster" -> cluster = true;
        case "-h", "--help" -> {
          usage(null);
        }
        default -> usage("unknown argument " + args[i]);
      }
    }
    JsonObject config = ConfigLoader.load(configFile, System.getenv(), System.getProperties());
    String level = config.getJsonObject("node", new JsonObject()).getString("logLevel", "INFO");
    LogFormat.install(Level.parse(level.toUpperCase()));
    if (cluster) {
      ConfigLoader.set(config, "cluster", "enabled", true);
    }
    RendezvousNode node;
    try {
      node = RendezvousNode.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      log.log(Level.SEVERE, "node failed to start: " + cause.getMessage(), cause);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down");
      node.stop().onComplete(ar -> stopped.countDown());
      try {
        if (stopped.await(30, TimeUnit.SECONDS)) {
          log.info("stopped cleanly");
        } else {
          log.warning("shutdown did not finish in 30 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "rendezvous-shutdown"));
  }

  private static void usage(String error) {
    System.err.println((error == null ? "" : "error: " + error + "\n")
        + "usage: java -jar rendezvous.jar [--config FILE] [--cluster]\n"
        + "  --config FILE  JSON config (also RENDEZVOUS_CONFIG); keys are listed in README.md\n"
        + "  --cluster      join a Hazelcast cluster (same as cluster.enabled=true)");
    System.exit(error == null ? 0 : 2);
  }
}
