package org.rendezvous.client.cli;

import io.vertx.core.json.JsonObject;
import org.rendezvous.client.CallSignalingClient;
import org.rendezvous.client.CallSignalingClient.CallSignalingException;
import org.rendezvous.client.CallSignalingMessage;
import org.rendezvous.client.CallSignalingMessage.CallAccepted;
import org.rendezvous.client.CallSignalingMessage.CallEnded;
import org.rendezvous.client.CallSignalingMessage.CallRejected;
import org.rendezvous.client.CallSignalingMessage.Closed;
import org.rendezvous.client.CallSignalingMessage.IncomingCall;
import org.rendezvous.client.CallSignalingMessage.OnlineUsers;
import org.rendezvous.client.CallSignalingMessage.Relay;
import org.rendezvous.client.CallSignalingMessage.RelayKind;
import org.rendezvous.client.CallSignalingMessage.ServerError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code rendezvous call SERVER_URL --username NAME [--call PEER]}: S3 call signaling. Registers,
 * shows who is online, calls PEER (or waits for a call and accepts it), then sends each stdin line
 * as the {@code sdp} of an offer (caller) or answer (callee) and prints what the other side sends;
 * stdin's end hangs up with {@code call_ended}. The media itself is not this tool's business.
 */
@Command(name = "call", description = "Register for WebSocket call signaling (S3), call PEER or accept a call, then exchange offer/answer lines.")
final class CallCommand implements Callable<Integer> {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Parameters(paramLabel = "SERVER_URL", description = "ws://host:8765 (or wss://…, http://…, host, host:port; default port 8765)")
  String server;

  @Option(names = "--username", required = true)
  String username;

  @Option(names = "--user-id", description = "the user_id to register (default: a random UUID)")
  String userId = UUID.randomUUID().toString();

  @Option(names = "--call", paramLabel = "PEER", description = "call PEER (waiting for it to come online); else wait for a call and accept it")
  String peer;

  @Option(names = "--token", paramLabel = "JWT", description = "for servers that check JWTs: a token whose subject is the username")
  String token;

  @Option(names = "--timeout", defaultValue = "60s",
      description = "how long to wait for PEER to come online and answer, or for a call (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--linger", defaultValue = "5s",
      description = "after stdin ends, keep receiving this long before hanging up (default: ${DEFAULT-VALUE})")
  Duration linger;

  /** The server answers a register at once, unless it checks a JWT or asks the cluster: this is ample. */
  private static final Duration REGISTER_WAIT = Duration.ofSeconds(10);

  @Spec
  CommandSpec spec;

  /** Where the lines to send come from: stdin, unless a test hands over another stream. */
  InputStream input = System.in;

  private PrintWriter out;
  private PrintWriter err;
  private List<String> shownOnline = List.of();

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    long started = System.nanoTime();
    URI uri = Endpoints.webSocket(server, 8765);
    err.println("connecting to " + uri + " ...");
    try (CallSignalingClient client = CallSignalingClient.connect(uri)) {
      OnlineUsers online;
      try {
        online = await(client.register(username, userId, token), System.nanoTime() + REGISTER_WAIT.toNanos());
      } catch (ExecutionException e) {
        out.println(e.getCause() instanceof CallSignalingException refused && refused.serverMessage() != null
            ? "registration refused: " + refused.serverMessage() : "registration failed: " + e.getCause().getMessage());
        return RendezvousCli.ERROR;
      }
      err.println("registered as " + username);
      long deadline = System.nanoTime() + timeout.toNanos();
      String partner = peer != null ? placeCall(client, online, deadline) : acceptCall(client, deadline);
      if (partner == null) {
        return RendezvousCli.ERROR;
      }
      out.println("in a call with " + partner + " after " + (System.nanoTime() - started) / 1_000_000
          + " ms; type lines to send them as " + (peer != null ? "offers" : "answers") + ", end input to hang up");
      CallPath path = new CallPath(client, partner, peer != null ? RelayKind.OFFER : RelayKind.ANSWER);
      LineChat.run(path, linger, input, out, err);
      if (!path.partnerHungUp) {
        await(client.endCall(partner), System.nanoTime() + 5_000_000_000L);
      }
      out.println("call with " + partner + " over after " + (System.nanoTime() - started) / 1_000_000 + " ms");
      return RendezvousCli.OK;
    } catch (TimeoutException e) {
      out.println("the server did not answer in time");
      return RendezvousCli.ERROR;
    } catch (IOException e) {
      out.println(e.getMessage());
      return RendezvousCli.ERROR;
    }
  }

  /** Waits for {@link #peer} to be online, calls it and waits for the answer; the peer's name, or null. */
  private String placeCall(CallSignalingClient client, OnlineUsers online, long deadline) throws Exception {
    if (!online.contains(peer)) {
      err.println("waiting for " + peer + " to come online ...");
    }
    while (!shownOnline.contains(peer)) {
      if (next(client, deadline).isEmpty()) {
        out.println(peer + " did not come online within " + timeout.toSeconds() + " s");
        return null;
      }
    }
    err.println("calling " + peer + " ...");
    await(client.callRequest(peer), deadline);
    for (Optional<CallSignalingMessage> m; (m = next(client, deadline)).isPresent(); ) {
      if (m.get() instanceof CallAccepted a && a.accepterUsername().equals(peer)) {
        return peer;
      } else if (m.get() instanceof CallRejected r && r.rejecterUsername().equals(peer)) {
        out.println(peer + " rejected the call");
        return null;
      } else if (m.get() instanceof ServerError e) {
        out.println("the call failed: " + e.message());
        return null;
      } else if (m.get() instanceof IncomingCall c) {
        err.println("not taking the call from " + c.callerUsername() + " while calling " + peer);
      } else if (!shownOnline.contains(peer)) {
        out.println(peer + " went offline before answering");
        return null;
      }
    }
    out.println(peer + " did not answer within " + timeout.toSeconds() + " s");
    return null;
  }

  /** Waits for a call and accepts it; the caller's name, or null. */
  private String acceptCall(CallSignalingClient client, long deadline) throws Exception {
    err.println("waiting for a call ...");
    for (Optional<CallSignalingMessage> m; (m = next(client, deadline)).isPresent(); ) {
      if (m.get() instanceof IncomingCall c) {
        err.println("incoming call from " + c.callerUsername() + "; accepting");
        await(client.acceptCall(c.callerUsername()), deadline);
        return c.callerUsername();
      }
    }
    out.println("no call came within " + timeout.toSeconds() + " s");
    return null;
  }

  /**
   * The next message before {@code deadline}, after showing what every phase shows: changes of the
   * online list and server errors. Throws when the connection closes.
   */
  private Optional<CallSignalingMessage> next(CallSignalingClient client, long deadline) throws IOException {
    long left = deadline - System.nanoTime();
    Optional<CallSignalingMessage> m;
    try {
      m = left > 0 ? client.next(Duration.ofNanos(left)) : Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
    if (m.isPresent() && m.get() instanceof OnlineUsers u && !u.usernames().equals(shownOnline)) {
      shownOnline = u.usernames();
      err.println("online (" + shownOnline.size() + "): " + String.join(", ", shownOnline));
    } else if (m.isPresent() && m.get() instanceof ServerError e) {
      err.println("server error: " + e.message());
    } else if (m.isPresent() && m.get() instanceof Closed c) {
      throw new IOException("the server closed the connection (" + c.code() + (c.reason().isEmpty() ? "" : ": " + c.reason()) + ")");
    }
    return m;
  }

  private static <T> T await(Future<T> f, long deadline) throws Exception {
    return f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** The call as a line path: our lines leave as offers or answers {"sdp": line}, the partner's arrive as text. */
  private final class CallPath implements LineChat.Path {
    private final CallSignalingClient client;
    private final String partner;
    private final RelayKind kind;
    volatile boolean partnerHungUp;

    CallPath(CallSignalingClient client, String partner, RelayKind kind) {
      this.client = client;
      this.partner = partner;
      this.kind = kind;
    }

    @Override
    public void sendLine(String line) throws IOException {
      try {
        await(client.relay(kind, partner, new JsonObject().put("type", kind.wire).put("sdp", line)),
            System.nanoTime() + 10_000_000_000L);
      } catch (Exception e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    @Override
    public String receiveLine(int timeoutMs) throws IOException {
      Optional<CallSignalingMessage> m = next(client, System.nanoTime() + timeoutMs * 1_000_000L);
      if (m.isEmpty()) {
        return null;
      }
      if (m.get() instanceof Relay r) {
        return r.kind().wire + " from " + r.fromUsername() + ": " + sdpOf(r.data());
      }
      if (m.get() instanceof CallEnded e && e.fromUsername().equals(partner)) {
        partnerHungUp = true;
        throw new EOFException(partner + " ended the call");
      }
      if (m.get() instanceof IncomingCall c) {
        client.rejectCall(c.callerUsername());
        err.println("rejected a call from " + c.callerUsername() + ": already in a call");
      }
      return null;
    }

    @Override
    public String show(String line) {
      return line;
    }
  }

  /** The sdp text of a {"sdp": …} object; any other data as its JSON. */
  private static String sdpOf(Object data) {
    if (data instanceof JsonObject o && o.getValue("sdp") instanceof String sdp) {
      return sdp;
    }
    return String.valueOf(data);
  }
}
