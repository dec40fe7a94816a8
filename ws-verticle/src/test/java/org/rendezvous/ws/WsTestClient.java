package org.rendezvous.ws;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A real WebSocket client for tests: every text message it receives is queued in order. */
final class WsTestClient implements AutoCloseable {

  static final long WAIT_MS = 10_000;

  private final WebSocket ws;
  private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  private WsTestClient(WebSocket ws) {
    this.ws = ws;
    ws.textMessageHandler(received::add);
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
  }

  static WebSocketClient client(Vertx vertx) {
    return vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(64 << 20).setMaxMessageSize(64 << 20));
  }

  static WsTestClient connect(WebSocketClient client, int port) throws Exception {
    return connect(client, port, "/");
  }

  static WsTestClient connect(WebSocketClient client, int port, String uri) throws Exception {
    WebSocket ws = await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)));
    return new WsTestClient(ws);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
  }

  void send(String text) throws Exception {
    await(ws.writeTextMessage(text));
  }

  void send(JsonObject message) throws Exception {
    send(message.encode());
  }

  void sendBinary(byte[] data) throws Exception {
    await(ws.writeBinaryMessage(Buffer.buffer(data)));
  }

  /** The next message's text; fails when none arrives in time. */
  String nextText() throws Exception {
    String s = received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    if (s == null) {
      throw new AssertionError("no message within " + WAIT_MS + " ms");
    }
    return s;
  }

  JsonObject next() throws Exception {
    return new JsonObject(nextText());
  }

  /** The next message, which must be of {@code type}. */
  JsonObject next(String type) throws Exception {
    JsonObject m = next();
    assertEquals(type, m.getString("type"), "unexpected message " + m.encode());
    return m;
  }

  /** The next message of {@code type}, skipping online_users lists (whose number depends on timing). */
  JsonObject nextSkippingLists(String type) throws Exception {
    while (true) {
      JsonObject m = next();
      if (!"online_users".equals(m.getString("type")) || "online_users".equals(type)) {
        assertEquals(type, m.getString("type"), "unexpected message " + m.encode());
        return m;
      }
    }
  }

  /** The next message of {@code type}, skipping online_users lists and messages of {@code skipped}. */
  JsonObject nextSkippingListsAnd(String skipped, String type) throws Exception {
    while (true) {
      JsonObject m = next();
      String t = m.getString("type");
      if (!"online_users".equals(t) && !skipped.equals(t)) {
        assertEquals(type, t, "unexpected message " + m.encode());
        return m;
      }
    }
  }

  /** The next message of {@code type} within {@code timeoutMs}, skipping lists; null when none came. */
  JsonObject pollSkippingLists(String type, long timeoutMs) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      long left = deadline - System.nanoTime();
      String s = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
      if (s == null) {
        return null;
      }
      JsonObject m = new JsonObject(s);
      if (!"online_users".equals(m.getString("type"))) {
        assertEquals(type, m.getString("type"), "unexpected message " + s);
        return m;
      }
    }
  }

  /** {@code caller} calls {@code callee}, who accepts; each has seen its side of it. */
  static void callAccepted(WsTestClient caller, String callerName, WsTestClient callee, String calleeName) throws Exception {
    caller.send("{\"type\":\"call_request\",\"target_username\":\"" + calleeName + "\"}");
    callee.nextSkippingLists("incoming_call");
    callee.send("{\"type\":\"call_accepted\",\"caller_username\":\"" + callerName + "\"}");
    caller.nextSkippingLists("call_accepted");
  }

  /** Skips online_users lists until one holds exactly {@code names}, in that order. */
  JsonObject awaitList(String... names) throws Exception {
    List<String> want = List.of(names);
    List<String> last = null;
    while (true) {
      String s = received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
      if (s == null) {
        throw new AssertionError("no online_users with " + want + " within " + WAIT_MS + " ms; last list " + last);
      }
      JsonObject m = new JsonObject(s);
      assertEquals("online_users", m.getString("type"), "unexpected message " + s);
      last = usernames(m);
      if (last.equals(want)) {
        return m;
      }
    }
  }

  /**
   * Waits for call_ended from {@code from} and an online_users of exactly {@code names}, in either
   * order: across nodes they travel different event-bus addresses.
   */
  void awaitCallEndedAndList(String from, String... names) throws Exception {
    List<String> want = List.of(names);
    boolean ended = false;
    boolean listed = false;
    while (!ended || !listed) {
      JsonObject m = next();
      String type = m.getString("type");
      if ("call_ended".equals(type)) {
        assertEquals(from, m.getString("from_username"));
        assertFalse(ended, "call_ended came twice");
        ended = true;
      } else {
        assertEquals("online_users", type, "unexpected message " + m.encode());
        listed = listed || usernames(m).equals(want);
      }
    }
  }

  static List<String> usernames(JsonObject onlineUsers) {
    return onlineUsers.getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("username")).toList();
  }

  /** Registers and consumes the registered reply (the online_users that follow are left queued). */
  JsonObject register(String name, Object userId) throws Exception {
    send(new JsonObject().put("type", "register").put("username", name).put("user_id", userId));
    return next("registered");
  }

  /** Nothing is queued right now (used after a message that proves ordering, never to wait). */
  boolean nothingQueued() {
    return received.isEmpty();
  }

  Set<String> drainTypes() {
    Set<String> types = new java.util.HashSet<>();
    String s;
    while ((s = received.poll()) != null) {
      types.add(new JsonObject(s).getString("type"));
    }
    return types;
  }

  CompletableFuture<Short> closedFuture() {
    return closed;
  }

  boolean isClosed() {
    return ws.isClosed();
  }

  @Override
  public void close() throws Exception {
    if (!ws.isClosed()) {
      await(ws.close());
    }
  }
}
