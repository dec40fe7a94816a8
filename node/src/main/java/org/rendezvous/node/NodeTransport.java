package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import org.rendezvous.common.ConfigValues;

import java.util.List;
import java.util.Locale;

/**
 * node.transport: which kernel interface the node's sockets use. {@code auto} takes epoll, else the JDK's NIO.
 * io_uring must be named: it cuts the CPU of TCP and WebSocket traffic, but its datagram channel reads one
 * datagram per request where epoll's reads a batch, and UDP surfaces under load lose more to full socket buffers.
 * A transport named outright must be available or the node does not start.
 */
final class NodeTransport {

  static final List<String> NAMES = List.of("auto", "io_uring", "epoll", "nio");

  private NodeTransport() {
  }

  /** The configured name, checked against {@link #NAMES}. */
  static String name(JsonObject nodeSection) {
    String name = ConfigValues.stringOf(nodeSection, "transport", "auto").trim().toLowerCase(Locale.ROOT);
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("config node.transport must be one of " + String.join(", ", NAMES)
          + ", got \"" + ConfigValues.stringOf(nodeSection, "transport", "") + "\"");
    }
    return name;
  }

  /** The transport for a checked name; IllegalArgumentException (with the reason) when a named one is unavailable. */
  static Transport choose(String name) {
    if (name.equals("auto")) {
      return Transport.EPOLL != null && Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
    }
    Transport t = switch (name) {
      case "io_uring" -> Transport.IO_URING;
      case "epoll" -> Transport.EPOLL;
      default -> Transport.NIO;
    };
    if (t == null || !t.available()) {
      Throwable why = t == null ? null : t.unavailabilityCause();
      throw new IllegalArgumentException("node.transport " + name + " is not available here"
          + (why == null ? "" : ": " + why) + " (auto takes epoll where it can, else nio)");
    }
    return t;
  }

  /** Whether a failure to build Vert.x came from Netty's io_uring code (its rings, its native calls). */
  static boolean isIoUringFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (StackTraceElement frame : t.getStackTrace()) {
        if (frame.getClassName().startsWith("io.netty.channel.uring.")) {
          return true;
        }
      }
    }
    return false;
  }

  /** The innermost cause's text, for one log line. */
  static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return String.valueOf(t);
  }
}
