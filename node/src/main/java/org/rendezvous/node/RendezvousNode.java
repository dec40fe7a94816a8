package org.rendezvous.node;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.transport.Transport;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.ConfigValues;
import org.rendezvous.common.Health;
import org.rendezvous.pairing.PairingConfig;
import org.rendezvous.pairing.PairingVerticle;
import org.rendezvous.registry.RegistryConfig;
import org.rendezvous.registry.RegistryVerticle;
import org.rendezvous.udp.UdpConfig;
import org.rendezvous.udp.UdpVerticle;
import org.rendezvous.udp.lobby.LobbyConfig;
import org.rendezvous.udp.lobby.LobbyVerticle;
import org.rendezvous.ws.CallSignalingVerticle;
import org.rendezvous.ws.WsConfig;

import java.io.IOException;
import java.net.BindException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * One Rendezvous node: a Vert.x instance (clustered or not) with every service verticle deployed
 * and the ops listener. {@link Main} runs one; tests run several in one JVM.
 */
public final class RendezvousNode {

  private static final Logger LOG = Logger.getLogger(RendezvousNode.class.getName());

  private final Vertx vertx;
  private final String nodeId;
  private final HazelcastClusterManager clusterManager;
  private final String transport;
  private volatile boolean ready;
  private volatile boolean stopping;

  private RendezvousNode(Vertx vertx, String nodeId, HazelcastClusterManager clusterManager, String transport) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.clusterManager = clusterManager;
    this.transport = transport;
  }

  /** Starts a node from a full config (sections node, ops, cluster, registry, udp). */
  public static Future<RendezvousNode> start(JsonObject config) {
    ClusterConfig cluster;
    OpsConfig ops;
    JsonObject nodeSection = ConfigValues.section(config, "node");
    Transport transport;
    long stopTimeoutSeconds;
    try {
      for (String key : ConfigCheck.unknownKeys(config, System.getenv())) {
        LOG.warning("config " + key + " is not a setting of this version and is ignored (a typo?); the settings are"
            + " listed in README.md, Configuration");
      }
      cluster = ClusterConfig.from(ConfigValues.section(config, "cluster"));
      for (String key : cluster.ignoredWithConfigFile(ConfigValues.section(config, "cluster"))) {
        LOG.warning("config cluster." + key + " is ignored: cluster.configFile " + cluster.configFile()
            + " sets how members find each other");
      }
      ops = OpsConfig.from(ConfigValues.section(config, "ops"));
      transport = NodeTransport.choose(NodeTransport.name(nodeSection));
      stopTimeoutSeconds = ProcessStop.Timing.from(nodeSection).stopTimeoutMs() / 1000;
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    VertxOptions options = new VertxOptions();
    if (cluster.enabled()) {
      EventBusOptions bus = new EventBusOptions().setPort(cluster.eventBusPort());
      if (!cluster.host().isBlank()) {
        bus.setHost(cluster.host());
      }
      options.setEventBusOptions(bus);
    }
    // The availability check sets up a one-entry ring; the event loops' own rings can still be refused (the
    // locked-memory limit of older kernels, a ring size past the kernel's maximum).
    Future<Built> built = build(options, transport, cluster, stopTimeoutSeconds)
        .recover(e -> Future.failedFuture(transport == Transport.IO_URING && NodeTransport.isIoUringFailure(e)
            ? new IllegalArgumentException("node.transport io_uring: the kernel refused the event loops' rings ("
                + NodeTransport.rootCause(e) + "); epoll (auto) does not need them", e)
            : e));
    return built.compose(b -> {
      Vertx vertx = b.vertx();
      HazelcastClusterManager clusterManager = b.manager();
      String id = clusterManager != null ? clusterManager.getNodeId()
          : ConfigValues.stringOf(nodeSection, "id", UUID.randomUUID().toString());
      ClusterEvents.install(vertx);
      // Vert.x names its transports as node.transport does: io_uring, epoll, nio.
      RendezvousNode node = new RendezvousNode(vertx, id, clusterManager, transport.name());
      LogFormat.setNodeId(id);
      return node.deploy(config, ops).recover(e -> {
        // Completing after close() would need the closed context; close in the background instead.
        vertx.close();
        return Future.failedFuture(e);
      });
    });
  }

  /** A Vert.x instance and its cluster manager (null on a single node). */
  private record Built(Vertx vertx, HazelcastClusterManager manager) {
  }

  /** Builds Vert.x on {@code transport}; whatever goes wrong is a failed future, not a throw. */
  private static Future<Built> build(VertxOptions options, Transport transport, ClusterConfig cluster, long stopTimeoutSeconds) {
    try {
      if (!cluster.enabled()) {
        return Future.succeededFuture(new Built(Vertx.builder().with(options).withTransport(transport).build(), null));
      }
      HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastSetup.build(cluster, stopTimeoutSeconds));
      return Vertx.builder().with(options).withTransport(transport).withClusterManager(manager).buildClustered()
          .map(vertx -> new Built(vertx, manager));
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  /** Generous: the registry loads its SQLite file and catches up from a peer before it is started. */
  public static final long SERVICE_START_TIMEOUT_S = 300;

  private Future<RendezvousNode> deploy(JsonObject config, OpsConfig ops) {
    // The registry first: the UDP surfaces send to its addresses from their first datagram.
    return deploy(new RegistryVerticle(), config, "registry")
        .compose(id -> deploy(new UdpVerticle(), config, "udp"))
        .compose(id -> deploy(new LobbyVerticle(), config, "lobby"))
        .compose(id -> deploy(new PairingVerticle(), config, "pairing"))
        .compose(id -> deploy(new CallSignalingVerticle(), config, "ws"))
        .compose(id -> vertx.deployVerticle(new OpsVerticle(this, ops))
            .recover(e -> Future.failedFuture(new IllegalStateException("the ops service did not start: "
                + bindProblem(e, "ops.port", ops.host() + ":" + ops.port()), e))))
        .map(id -> {
          LOG.info("node " + nodeId + " ready: udp " + port(UdpVerticle.LISTENER) + ", s2 http "
              + port(RegistryVerticle.HTTP_LISTENER) + ", ops " + port(OpsVerticle.LISTENER) + ", transport " + transport
              + (clusterManager != null ? ", cluster members " + clusterManager.getNodes().size() : ", single node"));
          ready = true; // after the line: scripts read the transport from it once /health/ready answers
          return this;
        });
  }

  /**
   * Deploys a service verticle with its config section and this node's id: {"nodeId": …, section: {…}}.
   * A service that has not started within {@link #SERVICE_START_TIMEOUT_S} fails the node's start (the
   * process exits saying which), rather than leaving a node that never becomes ready and never says why.
   */
  private Future<String> deploy(VerticleBase verticle, JsonObject config, String section) {
    JsonObject c = new JsonObject().put("nodeId", nodeId).put(section, ConfigValues.section(config, section));
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(c))
        .timeout(SERVICE_START_TIMEOUT_S, TimeUnit.SECONDS)
        .recover(e -> Future.failedFuture(new IllegalStateException("the " + section + " service did not start: "
            + (e instanceof TimeoutException ? "not within " + SERVICE_START_TIMEOUT_S + " s" : bindProblem(e, config, section)),
            e)));
  }

  /** Each service's listen setting and, from its parsed section, the address it listens on: for a bind failure's message. */
  private record Listen(String key, Function<JsonObject, String> address) {
  }

  private static final Map<String, Listen> LISTENS = Map.of(
      "registry", new Listen("registry.httpPort", j -> {
        RegistryConfig c = RegistryConfig.from(j);
        return c.httpHost() + ":" + c.httpPort();
      }),
      "udp", new Listen("udp.port", j -> {
        UdpConfig c = UdpConfig.from(j);
        return c.host() + ":" + c.port();
      }),
      "lobby", new Listen("lobby.port", j -> {
        LobbyConfig c = LobbyConfig.from(j);
        return c.host() + ":" + c.port();
      }),
      "pairing", new Listen("pairing.port", j -> {
        PairingConfig c = PairingConfig.from(j);
        return c.host() + ":" + c.port();
      }),
      "ws", new Listen("ws.port or PORT", j -> {
        WsConfig c = WsConfig.from(j);
        return c.host() + ":" + c.port();
      }));

  private static String bindProblem(Throwable e, JsonObject config, String section) {
    Listen listen = LISTENS.get(section);
    return bindProblem(e, listen.key(), listen.address().apply(ConfigValues.section(config, section)));
  }

  /**
   * A socket's bind failure with the address and the key that sets it; any other failure (a service's own
   * description, such as a database file it cannot open) as it is.
   */
  private static String bindProblem(Throwable e, String key, String address) {
    String m = String.valueOf(e.getMessage());
    if (!(e instanceof IOException)) {
      return m;
    }
    if (m.contains("Address already in use")) {
      return address + " is already in use (" + key + ")";
    }
    if (m.contains("Cannot assign requested address") || m.contains("Permission denied") || e instanceof BindException) {
      return "cannot listen on " + address + " (" + key + "): " + m;
    }
    return m;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The transport the node's sockets use (node.transport): io_uring, epoll or nio. */
  public String transport() {
    return transport;
  }

  /** The bound port of a listener ("udp", "s2-http", "ops"), or -1. */
  public int port(String listener) {
    return BoundPorts.of(vertx, listener);
  }

  /** The cluster manager, or null for an embedded single node. */
  public ClusterManager clusterManager() {
    return clusterManager;
  }

  /**
   * Ready: every verticle deployed (so the database is open), no service reporting a problem ({@link Health}) and,
   * when clustered, still a member.
   */
  public boolean ready() {
    if (!ready || stopping) {
      return false;
    }
    if (!Health.allWell(vertx)) {
      return false; // a service's problem, such as SQLite commits failing for a while
    }
    return clusterManager == null || clusterManager.getHazelcastInstance().getLifecycleService().isRunning();
  }

  /** From now on the node is not ready (/health/ready answers 503), while every service goes on serving. */
  public void beginStopping() {
    stopping = true;
  }

  /** Undeploys every verticle (the registry flushes to SQLite), then leaves the cluster. */
  public Future<Void> stop() {
    stopping = true;
    return vertx.close();
  }
}
