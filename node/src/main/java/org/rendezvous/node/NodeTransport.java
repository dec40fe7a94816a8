package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import org.rendezvous.common.ConfigValues;

import java.util.List;

/**
 * node.transport: which kernel interface the node's sockets use. {@code auto} takes io_uring where the kernel
 * allows it (fewer system calls per message; container runtimes often forbid it), then epoll, then the JDK's
 * NIO; a transport named outright must be available or the node does not start.
 */
final class NodeTransport {

  static final List<String> NAMES = List.of("auto", "io_uring", "epoll", "nio");

  private NodeTransport() {
  }

  /** The configured name, checked against {@link #NAMES}. */
  static String name(JsonObject nodeSection) {
    String name = ConfigValues.stringOf(nodeSection, "transport", "auto").trim().toLowerCase();
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("config node.transport must be one of " + String.join(", ", NAMES)
          + ", got \"" + ConfigValues.stringOf(nodeSection, "transport", "") + "\"");
    }
    return name;
  }

  /** The transport for a checked name; IllegalArgumentException (with the reason) when a named one is unavailable. */
  static Transport choose(String name) {
    if (name.equals("auto")) {
      for (Transport t : new Transport[] {Transport.IO_URING, Transport.EPOLL}) {
        if (t != null && t.available()) {
          return t;
        }
      }
      return Transport.NIO;
    }
    Transport t = switch (name) {
      case "io_uring" -> Transport.IO_URING;
      case "epoll" -> Transport.EPOLL;
      default -> Transport.NIO;
    };
    if (t == null || !t.available()) {
      Throwable why = t == null ? null : t.unavailabilityCause();
      throw new IllegalArgumentException("node.transport " + name + " is not available here"
          + (why == null ? "" : ": " + why) + " (auto picks the first available of io_uring, epoll, nio)");
    }
    return t;
  }

  /** The name /api/cluster and the log give a transport. */
  static String label(Transport t) {
    return t == Transport.IO_URING ? "io_uring" : t == Transport.EPOLL ? "epoll" : "nio";
  }
}
