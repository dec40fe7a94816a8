package org.rendezvous.common;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

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

  /** Whether no component reports a problem now. */
  public static boolean allWell(Vertx vertx) {
    return map(vertx).isEmpty();
  }

  private static LocalMap<String, String> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(LOCAL_MAP);
  }
}
