package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.rendezvous.common.ConfigValues;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    JsonObject config;
    ProcessStop.Timing stopTiming;
    try {
      config = ConfigLoader.load(configFile, System.getenv(), System.getProperties());
      if (cluster) {
        ConfigLoader.set(config, "cluster", "enabled", true);
      }
      LogFormat.install(ConfigCheck.logLevel(ConfigValues.section(config, "node")));
      ConfigCheck.unknownKeys(config, System.getenv()); // every value checked before anything is logged or started
      stopTiming = ProcessStop.Timing.from(ConfigValues.section(config, "node"));
    } catch (IOException | IllegalArgumentException e) {
      configError(e);
      return;
    }
    ProcessStop stop = new ProcessStop(stopTiming);
    // Both before the start: a SIGTERM while starting (a pod deleted early) still stops the node gracefully.
    Runtime.getRuntime().addShutdownHook(new Thread(stop::stop, "rendezvous-shutdown"));
    exitOnSigterm(stop, log);
    log.info("starting" + (configFile == null ? "" : " with " + configFile));
    try {
      // each service has its own start limit (RendezvousNode.SERVICE_START_TIMEOUT_S); this one only ends a wait
      // that nothing else would end
      stop.started(RendezvousNode.start(config).toCompletionStage().toCompletableFuture()
          .get(START_LIMIT_S, TimeUnit.SECONDS));
    } catch (TimeoutException e) {
      stop.startFailed(e);
      log.severe("node failed to start: not ready within " + START_LIMIT_S + " s");
      System.exit(1);
    } catch (Exception e) {
      stop.startFailed(e);
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof IllegalArgumentException) {
        configError(cause); // a bad setting: its message names it, no trace needed
      }
      if (cause.getMessage() == null || cause.getMessage().isBlank()) {
        log.log(Level.SEVERE, "node failed to start", cause); // nothing to say but the trace
      } else {
        log.severe("node failed to start: " + cause.getMessage()); // one line; the trace at FINE (node.logLevel)
        log.log(Level.FINE, "node failed to start", cause);
      }
      System.exit(1);
    }
  }

  /** Longest wait for the node to start, past every service's own limit. */
  private static final long START_LIMIT_S = 6 * RendezvousNode.SERVICE_START_TIMEOUT_S;

  /**
   * SIGTERM is how a node is asked to stop (Kubernetes, systemd, cluster.sh): the process exits 0 once the node
   * has stopped cleanly, not the JVM's 143 for a signal, which supervisors count as a failure, and 1 when the stop
   * did not finish within its deadline. Other ways out (SIGINT, a second signal) still run the shutdown hook.
   */
  private static void exitOnSigterm(ProcessStop stop, Logger log) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
        Thread t = new Thread(() -> System.exit(stop.stop() ? 0 : 1), "rendezvous-sigterm");
        t.start();
      });
    } catch (Throwable e) { // no jdk.unsupported, or the signal is reserved: the shutdown hook still stops the node
      log.fine("SIGTERM handler not installed: " + e);
    }
  }

  /** A bad setting or config file: one line naming it, exit code 2 (as for a bad argument). */
  private static void configError(Throwable e) {
    System.err.println("error: " + (e instanceof NoSuchFileException ? "config file " + e.getMessage() + " does not exist"
        : e.getMessage()));
    System.exit(2);
  }

  private static void usage(String error) {
    System.err.println((error == null ? "" : "error: " + error + "\n")
        + "usage: java -jar rendezvous.jar [--config FILE] [--cluster]\n"
        + "  --config FILE  JSON config (also RENDEZVOUS_CONFIG); keys are listed in README.md\n"
        + "  --cluster      join a Hazelcast cluster (same as cluster.enabled=true)");
    System.exit(error == null ? 0 : 2);
  }
}
