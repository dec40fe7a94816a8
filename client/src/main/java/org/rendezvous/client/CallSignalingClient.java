package org.rendezvous.client;

import io.vertx.core.json.JsonObject;
import org.rendezvous.client.CallSignalingMessage.Closed;
import org.rendezvous.client.CallSignalingMessage.OnlineUsers;
import org.rendezvous.client.CallSignalingMessage.Registered;
import org.rendezvous.client.CallSignalingMessage.RelayKind;
import org.rendezvous.client.CallSignalingMessage.ServerError;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * S3 WebSocket call signaling (the WebRTC signaling server's protocol) over the JDK's WebSocket:
 * register, call, answer, relay offer / answer / ICE candidates and end calls. Everything the
 * server sends arrives in order as a typed {@link CallSignalingMessage} in one bounded queue; the
 * connection's end is the last one, a {@link Closed}.
 */
public final class CallSignalingClient implements AutoCloseable {

  /**
   * Bounds of one client.
   *
   * @param queueCapacity   received messages held until read; when full, the client stops reading
   *                        the socket (the server then drops relays to us and, without pongs, closes)
   * @param maxMessageChars longest server message accepted; a longer one closes the connection (1009)
   * @param maxPendingSends messages handed to send methods and not yet written; beyond it a send fails at once
   */
  public record Limits(int queueCapacity, int maxMessageChars, int maxPendingSends) {
    /** online_users of tens of thousands of users runs to megabytes: the message limit leaves room for that. */
    public static final Limits DEFAULT = new Limits(1024, 16 << 20, 256);

    public Limits {
      if (queueCapacity < 1 || maxMessageChars < 1 || maxPendingSends < 1) {
        throw new IllegalArgumentException("every limit must be >= 1");
      }
    }
  }

  /** A refused request (with the server's message), a closed connection, or a connection that never opened. */
  public static final class CallSignalingException extends IOException {
    private final String serverMessage;

    CallSignalingException(String message, String serverMessage, Throwable cause) {
      super(message, cause);
      this.serverMessage = serverMessage;
    }

    /** The server's {@code error} message, or null when the failure was not the server's answer. */
    public String serverMessage() {
      return serverMessage;
    }
  }

  /** One client per WebSocket, but they share the JDK client's selector thread and pool. */
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  private final Limits limits;
  private final BlockingQueue<CallSignalingMessage> queue;
  private final AtomicBoolean starved = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final CompletableFuture<Closed> closed = new CompletableFuture<>();
  private final AtomicInteger pendingSends = new AtomicInteger();
  private final Object sendLock = new Object();
  private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
  private final Object registerLock = new Object();
  private PendingRegister registering;
  private volatile WebSocket socket;

  /** A register waiting for its answer: first {@code registered} (or {@code error}), then an online_users listing us. */
  private static final class PendingRegister {
    final String username;
    final CompletableFuture<OnlineUsers> future = new CompletableFuture<>();
    boolean registered;

    PendingRegister(String username) {
      this.username = username;
    }
  }

  private CallSignalingClient(Limits limits) {
    this.limits = limits;
    // one slot more than the reading limit, so the final Closed always fits
    this.queue = new LinkedBlockingQueue<>(limits.queueCapacity() + 1);
  }

  /** Opens a WebSocket to {@code uri} ({@code ws://host:8765/} or {@code wss://…}) with default limits. */
  public static CallSignalingClient connect(URI uri) throws IOException {
    return connect(uri, Duration.ofSeconds(10), Limits.DEFAULT);
  }

  public static CallSignalingClient connect(URI uri, Duration timeout, Limits limits) throws IOException {
    CallSignalingClient client = new CallSignalingClient(limits);
    CompletableFuture<WebSocket> opening;
    try {
      opening = HTTP.newWebSocketBuilder().connectTimeout(timeout).buildAsync(uri, client.new Receiver());
    } catch (IllegalArgumentException e) {
      opening = CompletableFuture.failedFuture(e);
    }
    try {
      client.socket = opening.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      return client;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IllegalArgumentException) {
        throw new CallSignalingException("not a WebSocket URI (ws:// or wss://): " + uri, null, e.getCause());
      }
      throw new CallSignalingException("cannot open a WebSocket to " + uri + ": " + describe(e.getCause()), null, e.getCause());
    } catch (TimeoutException e) {
      opening.cancel(true);
      throw new CallSignalingException("no WebSocket handshake with " + uri + " within " + timeout.toMillis() + " ms", null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      opening.cancel(true);
      throw new InterruptedIOException("interrupted while connecting to " + uri);
    }
  }

  private static String describe(Throwable cause) {
    if (cause instanceof WebSocketHandshakeException h) {
      return "the server refused the upgrade with HTTP " + h.getResponse().statusCode();
    }
    if (cause instanceof HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (cause instanceof ConnectException) {
      return "connection refused";
    }
    return String.valueOf(cause);
  }

  // ---- requests -----------------------------------------------------------------------------

  /** {@link #register(String, Object, String)} without a token (the server has no JWT secret). */
  public CompletableFuture<OnlineUsers> register(String username, Object userId) {
    return register(username, userId, null);
  }

  /**
   * Registers {@code username} (with {@code token} when the server checks JWTs). Completes with the
   * first online_users that lists us, or fails with a {@link CallSignalingException} carrying the
   * server's error. The first {@code error} after this request is taken as its answer, so wait for
   * the answers of earlier requests first.
   */
  public CompletableFuture<OnlineUsers> register(String username, Object userId, String token) {
    PendingRegister p = new PendingRegister(username);
    synchronized (registerLock) {
      if (registering != null) {
        return CompletableFuture.failedFuture(new IllegalStateException("a register is still waiting for its answer"));
      }
      registering = p;
    }
    p.future.whenComplete((users, e) -> {
      synchronized (registerLock) {
        if (registering == p) {
          registering = null;
        }
      }
    });
    JsonObject m = new JsonObject().put("type", "register").put("username", username).put("user_id", userId);
    if (token != null) {
      m.put("token", token);
    }
    send(m).whenComplete((v, e) -> {
      if (e != null) {
        p.future.completeExceptionally(e);
      }
    });
    return p.future;
  }

  public CompletableFuture<Void> callRequest(String targetUsername) {
    return send(new JsonObject().put("type", "call_request").put("target_username", targetUsername));
  }

  public CompletableFuture<Void> acceptCall(String callerUsername) {
    return send(new JsonObject().put("type", "call_accepted").put("caller_username", callerUsername));
  }

  public CompletableFuture<Void> rejectCall(String callerUsername) {
    return send(new JsonObject().put("type", "call_rejected").put("caller_username", callerUsername));
  }

  public CompletableFuture<Void> offer(String targetUsername, Object data) {
    return relay(RelayKind.OFFER, targetUsername, data);
  }

  public CompletableFuture<Void> answer(String targetUsername, Object data) {
    return relay(RelayKind.ANSWER, targetUsername, data);
  }

  public CompletableFuture<Void> iceCandidate(String targetUsername, Object data) {
    return relay(RelayKind.ICE_CANDIDATE, targetUsername, data);
  }

  /** {@code data}: any JSON value Vert.x can write (JsonObject, JsonArray, Map, List, String, Number, Boolean, null). */
  public CompletableFuture<Void> relay(RelayKind kind, String targetUsername, Object data) {
    return send(new JsonObject().put("type", kind.wire).put("target_username", targetUsername).put("data", data));
  }

  public CompletableFuture<Void> endCall(String targetUsername) {
    return send(new JsonObject().put("type", "call_ended").put("target_username", targetUsername));
  }

  /** Writes one text message; the JDK socket takes one send at a time, so sends are chained in call order. */
  private CompletableFuture<Void> send(JsonObject message) {
    String text = message.encode();
    if (ended.get()) {
      return CompletableFuture.failedFuture(new CallSignalingException("the connection is closed", null, null));
    }
    if (pendingSends.incrementAndGet() > limits.maxPendingSends()) {
      pendingSends.decrementAndGet();
      return CompletableFuture.failedFuture(new CallSignalingException(
          "more than " + limits.maxPendingSends() + " messages are waiting to be sent", null, null));
    }
    WebSocket ws = socket;
    CompletableFuture<Void> sent;
    synchronized (sendLock) {
      // a failed send does not stop the ones after it
      sent = lastSend.handle((x, e) -> null).thenCompose(x -> ws.sendText(text, true)).thenApply(x -> null);
      lastSend = sent;
    }
    sent.whenComplete((v, e) -> pendingSends.decrementAndGet());
    return sent;
  }

  // ---- what arrives -------------------------------------------------------------------------

  /** The next message, or empty when none arrives within {@code timeout}. */
  public Optional<CallSignalingMessage> next(Duration timeout) throws InterruptedException {
    CallSignalingMessage m = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (m != null && starved.compareAndSet(true, false)) {
      socket.request(1);
    }
    return Optional.ofNullable(m);
  }

  /**
   * The next message of {@code type} that {@code match} accepts; the messages before it are
   * discarded. Throws {@link TimeoutException} when none comes within {@code timeout}, and a
   * {@link CallSignalingException} when the connection closes first.
   */
  public <T extends CallSignalingMessage> T awaitMessage(Class<T> type, Predicate<? super T> match, Duration timeout)
      throws InterruptedException, TimeoutException, CallSignalingException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Optional<CallSignalingMessage> m = left > 0 ? next(Duration.ofNanos(left)) : Optional.empty();
      if (m.isEmpty()) {
        throw new TimeoutException("no " + type.getSimpleName() + " within " + timeout.toMillis() + " ms");
      }
      if (type.isInstance(m.get()) && match.test(type.cast(m.get()))) {
        return type.cast(m.get());
      }
      if (m.get() instanceof Closed c) {
        throw closedException(c);
      }
    }
  }

  public <T extends CallSignalingMessage> T awaitMessage(Class<T> type, Duration timeout)
      throws InterruptedException, TimeoutException, CallSignalingException {
    return awaitMessage(type, x -> true, timeout);
  }

  /** Completes with the {@link Closed} that ends the connection. */
  public CompletableFuture<Closed> closed() {
    return closed;
  }

  /** Sends a normal close, waits briefly for the server's, then drops the connection. */
  @Override
  public void close() {
    WebSocket ws = socket;
    synchronized (sendLock) {
      lastSend = lastSend.handle((x, e) -> null).thenCompose(x -> ws.sendClose(WebSocket.NORMAL_CLOSURE, ""));
    }
    try {
      closed.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // the server did not answer the close: dropping the connection below ends it anyway
    } finally {
      end(new Closed(WebSocket.NORMAL_CLOSURE, "closed by this client"));
      ws.abort();
    }
  }

  private static CallSignalingException closedException(Closed c) {
    return new CallSignalingException("the connection closed (" + c.code() + (c.reason().isEmpty() ? "" : ": " + c.reason()) + ")",
        null, null);
  }

  /** Reads every server message into the queue, asking the socket for more only while the queue has room. */
  private final class Receiver implements WebSocket.Listener {
    private StringBuilder partial = new StringBuilder();

    @Override
    public void onOpen(WebSocket ws) {
      socket = ws;
      ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence part, boolean last) {
      // the JDK hands over a long message in parts, each as it is read
      if (partial.length() + part.length() > limits.maxMessageChars()) {
        partial = new StringBuilder();
        end(new Closed(1009, "the server sent a message longer than " + limits.maxMessageChars() + " characters"));
        ws.abort();
        return null;
      }
      partial.append(part);
      if (!last) {
        ws.request(1);
        return null;
      }
      String text = partial.toString();
      partial = new StringBuilder();
      accept(CallSignalingMessage.parse(text));
      if (queue.size() < limits.queueCapacity()) {
        ws.request(1);
      } else {
        // next() asks for more once it takes one; the re-check covers a take between the test and the flag
        starved.set(true);
        if (queue.size() < limits.queueCapacity() && starved.compareAndSet(true, false)) {
          ws.request(1);
        }
      }
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      end(new Closed(1003, "the server sent a binary message; S3 servers send text"));
      ws.abort();
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      end(new Closed(code, reason));
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      end(new Closed(1006, String.valueOf(error)));
    }
  }

  /**
   * Queues the message, then settles a waiting register with it (outside the lock: callbacks run there).
   * Queued under the lock: a register started by a caller that already took this message from the queue
   * (an error answering an earlier request) must not be refused by it.
   */
  private void accept(CallSignalingMessage m) {
    PendingRegister p;
    synchronized (registerLock) {
      queue.offer(m);
      p = registering;
      if (p == null) {
        return;
      }
      if (m instanceof Registered r && !p.registered && p.username.equals(r.username())) {
        p.registered = true;
        return;
      }
    }
    if (m instanceof ServerError e && !p.registered) {
      p.future.completeExceptionally(new CallSignalingException("register refused: " + e.message(), e.message(), null));
    } else if (m instanceof OnlineUsers u && p.registered && u.contains(p.username)) {
      p.future.complete(u);
    }
  }

  private void end(Closed c) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    // completed first: whoever takes the Closed from the queue finds closed() done
    closed.complete(c);
    queue.offer(c);
    PendingRegister p;
    synchronized (registerLock) {
      p = registering;
    }
    if (p != null) {
      p.future.completeExceptionally(closedException(c));
    }
  }
}
