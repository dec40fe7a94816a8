package org.rendezvous.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code rendezvous}: the command-line client. Each subcommand shows progress on stderr, ends with
 * one clear line, and exits 0 (done / connected directly), 1 (error), 2 (bad arguments, with the usage)
 * or 3 (no direct path).
 */
@Command(name = "rendezvous", mixinStandardHelpOptions = true, version = "rendezvous 0.1.0",
    description = "Client for a Rendezvous NAT-traversal server.",
    subcommands = {StunCommand.class, ListCommand.class, ChatCommand.class, PairCommand.class, LobbyCommand.class,
        CallCommand.class})
public final class RendezvousCli {

  /** Exit status: connected or done. */
  static final int OK = 0;
  /** Exit status: the server or the arguments failed. */
  static final int ERROR = 1;
  /** Exit status: no direct path could be opened to the peer. */
  static final int NO_DIRECT_PATH = 3;

  /** "30s", "500ms", "2m", or plain seconds. */
  static Duration duration(String text) {
    Matcher m = Pattern.compile("(\\d+)(ms|s|m)?").matcher(text.trim());
    if (!m.matches()) {
      throw new CommandLine.TypeConversionException("'" + text + "' is not a duration like 30s, 500ms or 2m");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The whole command line, ready to execute; tests give it their own output streams. */
  static CommandLine commandLine() {
    return new CommandLine(new RendezvousCli())
        .registerConverter(Duration.class, RendezvousCli::duration)
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("error: " + Endpoints.describe(e));
      if (e instanceof Endpoints.NotAServer) {
        cmd.usage(cmd.getErr());
        return CommandLine.ExitCode.USAGE;
      }
      return ERROR;
    });
  }
}
