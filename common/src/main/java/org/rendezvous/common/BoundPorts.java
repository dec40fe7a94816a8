package org.rendezvous.common;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

/**
 * Where each listener of this node actually bound (configured port 0 means "any free port",
 * which tests use); verticles record their ports here, the node and tests read them.
 */
public final class BoundPorts {

  private static final String LOCAL_MAP = "rendezvous.ports";

  private BoundPorts() {
  }

  public static void record(Vertx vertx, String listener, int port) {
    map(vertx).put(listener, port);
  }

  /** The bound port of {@code listener}, or -1 when it is not listening. */
  public static int of(Vertx vertx, String listener) {
    Integer port = map(vertx).get(listener);
    return port == null ? -1 : port;
  }

  private static LocalMap<String, Integer> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(LOCAL_MAP);
  }
}
