package org.rendezvous.ws;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;

import java.util.concurrent.ThreadLocalRandom;

/** One client WebSocket on this node and what S3 knows about it. */
final class Connection {

  final ServerWebSocket socket;
  final MessageBudget budget;
  /** The name this connection holds, or null before it registers. */
  OnlineUser user;
  /** Its actor at {@link UserDirectory#USER_PREFIX} + name while registered. */
  MessageConsumer<String> actor;
  boolean closed;
  /** The frames so far of a message sent in several; changed through {@link ArrivingBytes#keep}. */
  Buffer partial;
  /** {@link #partial}'s length as {@link ArrivingBytes} counted it. */
  long partialBytes;
  /** Bytes read from the socket since its last whole frame ({@link ArrivingBytes}). */
  long arrivingBytes;
  /** Whether the message being received began with a text frame (its continuations carry no type of their own). */
  boolean messageIsText;
  /** Closed by the server for a protocol error (1007, 1009): nothing it sends after that is read (RFC 6455 7.1.7). */
  boolean failed;
  long lastPingNanos;
  /** When the unanswered ping was sent, 0 when none is outstanding. */
  long pingOutstandingSinceNanos;
  /** Waiting for its register's outcome: its next message is not read before. */
  boolean registering;
  /** More than ws.maxQueuedBytesPerConnection of answers waiting to be written to it: it is not read meanwhile. */
  boolean backlogged;
  /** The payload of the outstanding ping, which only its pong echoes. */
  private Buffer pingPayload;

  Connection(ServerWebSocket socket, MessageBudget budget, long nowNanos) {
    this.socket = socket;
    this.budget = budget;
    this.lastPingNanos = nowNanos;
  }

  String username() {
    return user == null ? null : user.username();
  }

  /** Reads from the socket while neither a register's outcome nor a backlog holds them. */
  void updateReading() {
    if (registering || backlogged) {
      socket.pause();
    } else {
      socket.resume();
    }
  }

  /** A ping is sent now: its payload, 8 random bytes. */
  Buffer pinged(long nowNanos) {
    byte[] payload = new byte[8];
    ThreadLocalRandom.current().nextBytes(payload);
    pingPayload = Buffer.buffer(payload);
    pingOutstandingSinceNanos = nowNanos;
    return pingPayload;
  }

  /**
   * A pong came: it answers the outstanding ping only when it echoes that ping's payload (RFC 6455 5.5.3), as the
   * original's websockets library checks. Pongs a client sends unasked would keep a connection that never reads alive.
   */
  void ponged(Buffer payload) {
    if (pingPayload != null && pingPayload.equals(payload)) {
      pingPayload = null;
      pingOutstandingSinceNanos = 0;
    }
  }

  /** Closes this connection for a protocol error ({@code code}, 1007 or 1009); nothing more it sends is read. */
  void fail(short code, String reason) {
    failed = true;
    socket.close(code, reason);
  }
}
