package org.rendezvous.common;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

import java.util.Map;
import java.util.TreeMap;

/**
 * Problems a service of this node reports while they last, each keeping the node from being ready
 * (/health/ready answers 503, so a load balancer or Kubernetes sends clients to other nodes) though it
 * goes on serving. Node-local: services record here, the node reads.
 */
public final class Health {

  private static final String LOCAL_MAP = "rendezvous.health";

  private Health() {
  }

  /** {@code component} has a problem, described by {@code why}, until {@link #recovered}. */
  public static void failing(Vertx vertx, String component, String why) {
    map(vertx).put(component, why);
  }

  public static void recovered(Vertx vertx, String component) {
    map(vertx).remove(component);
  }

  /** The problems reported now, by component; empty when there are none. */
  public static Map<String, String> problems(Vertx vertx) {
    return new TreeMap<>(map(vertx));
  }

  private static LocalMap<String, String> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(LOCAL_MAP);
  }
}
