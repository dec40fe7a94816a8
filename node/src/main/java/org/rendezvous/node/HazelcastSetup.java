package org.rendezvous.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

import java.io.FileNotFoundException;

/** Turns the {@code cluster} section into a Hazelcast config (Vert.x's maps included). */
final class HazelcastSetup {

  private HazelcastSetup() {
  }

  private static final String GRACEFUL_LEAVE = "hazelcast.graceful.shutdown.max.wait";

  static Config build(ClusterConfig c, long stopTimeoutSeconds) throws FileNotFoundException {
    Config hz = c.configFile().isBlank() ? ConfigUtil.loadConfig() : new FileSystemXmlConfig(c.configFile());
    hz.setClusterName(c.name());
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "jdk");
    // The node's own SIGTERM handling leaves the cluster after undeploying the verticles.
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // Leaving waits for the partitions' backups to be safe, by default up to 10 minutes; a node's whole stop has
    // node.stopTimeoutSeconds, so the leave gets that less 10 s for undeploying and the SQLite flush (a config
    // file's or a system property's own value wins).
    if (hz.getProperty(GRACEFUL_LEAVE) == null && System.getProperty(GRACEFUL_LEAVE) == null) {
      hz.setProperty(GRACEFUL_LEAVE, Long.toString(Math.max(1, stopTimeoutSeconds - 10)));
    }
    hz.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(c.waitBeforeJoinSeconds()));
    hz.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(c.heartbeatSeconds()));
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(c.maxNoHeartbeatSeconds()));
    // Hazelcast's own default waits 5 minutes before the first attempt to heal a split. A config file's own
    // merge settings win.
    for (String merge : new String[] {"hazelcast.merge.first.run.delay.seconds", "hazelcast.merge.next.run.delay.seconds"}) {
      if (hz.getProperty(merge) == null) {
        hz.setProperty(merge, Integer.toString(c.mergeDelaySeconds()));
      }
    }
    if (!c.configFile().isBlank()) {
      if (hz.getNetworkConfig().getJoin().getKubernetesConfig().isEnabled() && c.waitBeforeJoinSeconds() < 1) {
        throw new IllegalArgumentException("cluster.waitBeforeJoinSeconds must be >= 1 with a kubernetes join in "
            + c.configFile());
      }
      return hz;
    }
    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(c.port()).setPortAutoIncrement(true);
    if (!c.host().isBlank()) {
      hz.setProperty("hazelcast.socket.bind.any", "false");
      net.getInterfaces().setEnabled(true).addInterface(c.host());
    }
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(false);
    switch (c.join()) {
      case "tcp-ip" -> join.getTcpIpConfig().setEnabled(true).setMembers(c.members());
      case "multicast" -> join.getMulticastConfig().setEnabled(true);
      case "kubernetes" -> join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", c.serviceDns());
      default -> throw new IllegalArgumentException(c.join());
    }
    return hz;
  }
}
