package org.rendezvous.node;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * One line per log record: time, level, node id, logger, message; so the logs of several nodes
 * can be merged and still read.
 */
final class LogFormat extends Formatter {

  private static volatile String nodeId = "-";
  /** Held here: java.util.logging keeps loggers weakly, and a collected logger forgets the level set on it. */
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");
  /**
   * Hazelcast warns at every start that its CP Subsystem is off; nothing here uses it (Vert.x's Hazelcast locks
   * and counters are map entries), so that warning is shown only at debug levels.
   */
  private static final Logger CP_SUBSYSTEM = Logger.getLogger("com.hazelcast.cp.CPSubsystem");

  static void setNodeId(String id) {
    nodeId = id;
  }

  /** Routes java.util.logging (which Vert.x and Hazelcast use here) through this format on stderr. */
  static void install(Level level) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setFormatter(new LogFormat());
    console.setLevel(level);
    root.addHandler(console);
    root.setLevel(level);
    HAZELCAST.setLevel(level.intValue() < Level.INFO.intValue() ? level : Level.WARNING);
    CP_SUBSYSTEM.setLevel(level.intValue() < Level.INFO.intValue() ? level : Level.SEVERE);
  }

  @Override
  public String format(LogRecord r) {
    StringBuilder b = new StringBuilder(160)
        .append(Instant.ofEpochMilli(r.getMillis())).append(' ')
        .append(r.getLevel().getName()).append(" node=").append(nodeId).append(' ')
        .append(shortName(r.getLoggerName())).append(": ").append(formatMessage(r)).append('\n');
    if (r.getThrown() != null) {
      StringWriter w = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(w));
      b.append(w);
    }
    return b.toString();
  }

  /**
   * The JDK's LogManager resets (closes every handler) in its own shutdown hook, racing ours, so the
   * lines logged while a node shuts down would be lost. This one keeps its handlers.
   */
  public static final class ShutdownSafeLogManager extends LogManager {
    @Override
    public void reset() {
      // handlers are configured once by install() and live as long as the process
    }
  }

  private static String shortName(String name) {
    if (name == null) {
      return "-";
    }
    int dot = name.lastIndexOf('.');
    return dot < 0 ? name : name.substring(dot + 1);
  }
}
