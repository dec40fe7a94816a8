package org.rendezvous.pairing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.DepartedNodes;
import org.rendezvous.common.IpText;
import org.rendezvous.common.Metrics;
import org.rendezvous.common.SourceRateLimiter;
import org.rendezvous.common.UdpEndpoint;
import org.rendezvous.udp.stun.StunBindingResponder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * S1 UUID pairing: the TCP hello enters at {@link #accept}, {@link Arrival} and {@link PairingTable}
 * decide, replies leave through {@link #answer}; initiators and receivers on different nodes meet
 * through {@link PairingDirectory}. The UDP socket on the same port number answers STUN (S5) and
 * echoes the sender's {@code ip:port} for anything else.
 * Verticle config: {@code {"nodeId": …, "pairing": {…see PairingConfig…}}}.
 */
public final class PairingVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(PairingVerticle.class.getName());
  public static final String TCP_LISTENER = "pairing-tcp";
  public static final String UDP_LISTENER = "pairing-udp";
  /** Timeout granularity: an initiator's reply may come this much after its wait ends. */
  private static final long SWEEP_MS = 50;
  /** Longest a connection refused at accept stays open to take in the hello already on its way. */
  static final long REFUSED_LINGER_MS = 500;
  /** Most refused connections lingering at once; beyond, they are closed at once. */
  static final int MAX_LINGERING = 1_000;
  /** 1,000 pairs arriving at once are 2,000 connects; the kernel caps this at net.core.somaxconn. */
  private static final int ACCEPT_BACKLOG = 4096;

  /** Where an initiator's cluster-wide reservation of its key stands; TAKEN: a receiver's node removed it to pair. */
  private enum Reservation { NONE, PENDING, HELD, TAKEN }

  /** One TCP client, from accept to close. */
  private static final class Conn {
    final NetSocket socket;
    final String peerIp;
    final int peerPort;
    final HelloReader reader;
    long helloTimer = -1;
    boolean helloDone;
    boolean closed;
    /** Set while this connection is an initiator waiting in the table. */
    String waitingKey;
    MessageConsumer<JsonObject> actor;
    PairingDirectory.Ticket ticket;
    Reservation reservation = Reservation.NONE;
    /** A check after a healed split may have put this wait's reservation back: free it once the wait is paired. */
    boolean splitChecked;

    Conn(NetSocket socket, String peerIp, int peerPort, int maxHelloBytes) {
      this.socket = socket;
      this.peerIp = peerIp;
      this.peerPort = peerPort;
      this.reader = new HelloReader(maxHelloBytes);
    }
  }

  private PairingConfig cfg;
  private String nodeId;
  private PairingTable<Conn> table;
  private PairingDirectory directory;
  private StunBindingResponder stun;
  private NetServer tcp;
  private UdpEndpoint udp;
  private long sweepTimer = -1;
  /** Refused connections still open to take in their hello (see refuseAtAccept). */
  private int lingering;
  private int openConnections;
  /** Initiators in the table whose key is reserved cluster-wide: the ones a receiver can find. */
  private int reservedWaiting;
  private final byte[] in = new byte[UdpEndpoint.MAX_READ];
  private final DepartedNodes leftNodes = new DepartedNodes();
  private final byte[] out = new byte[1024];

  private PairingMetrics metrics;
  private SourceRateLimiter limiter;

  @Override
  public Future<?> start() {
    cfg = PairingConfig.from(config().getJsonObject("pairing", new JsonObject()));
    nodeId = config().getString("nodeId", "local");
    table = new PairingTable<>(cfg.waitTimeoutMs());
    stun = new StunBindingResponder(cfg.software());
    metrics = new PairingMetrics(Metrics.of(vertx), () -> reservedWaiting, () -> openConnections);
    directory = new PairingDirectory(vertx, nodeId, cfg.waitTimeoutMs(), metrics.routeRetries::inc);
    vertx.eventBus().<String>localConsumer(ClusterEvents.NODE_LEFT, m -> {
      leftNodes.left(m.body());
      directory.reclaim(m.body())
          .onSuccess(metrics.reclaimedKeys::add)
          .onFailure(e -> LOG.warning("pairing: releasing the keys of node " + m.body() + " failed: " + e));
    });
    vertx.eventBus().<String>localConsumer(ClusterEvents.NODE_JOINED, m -> onNodeJoined(m.body()));
    sweepTimer = vertx.setPeriodic(SWEEP_MS, id -> expire());
    limiter = SourceRateLimiter.forListener(vertx, cfg.rateLimit(), TCP_LISTENER);
    return directory.open().compose(v -> listen(cfg.port() == 0 ? 5 : 1));
  }

  /** TCP first, then UDP on the same number; with port 0 that number may be taken for UDP, so try another. */
  private Future<Void> listen(int attempts) {
    NetServer server = vertx.createNetServer(new NetServerOptions()
        .setHost(cfg.host()).setPort(cfg.port()).setAcceptBacklog(ACCEPT_BACKLOG));
    server.connectHandler(this::accept);
    return server.listen().compose(s -> UdpEndpoint.bind(context, cfg.host(), s.actualPort(), UDP_LISTENER, this::onDatagram)
        .transform(ar -> {
          if (ar.succeeded()) {
            tcp = server;
            udp = ar.result();
            BoundPorts.record(vertx, TCP_LISTENER, s.actualPort());
            BoundPorts.record(vertx, UDP_LISTENER, udp.localPort());
            return Future.<Void>succeededFuture();
          }
          return server.close().transform(closed -> attempts > 1 ? listen(attempts - 1) : Future.failedFuture(ar.cause()));
        }));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    List<Future<?>> done = new ArrayList<>();
    for (PairingTable.Waiting<Conn> w : table.drain()) {
      done.add(endWait(w.connection()));
      // told, not just dropped: its client can try another node at once
      done.add(w.connection().socket.end(Buffer.buffer(Reply.error(Reply.SHUTTING_DOWN).encode())));
    }
    if (tcp != null) {
      done.add(tcp.close());
    }
    if (udp != null) {
      done.add(udp.close());
    }
    done.add(directory.close());
    return Future.join(done);
  }

  // ---- TCP: the hello ----

  private void accept(NetSocket socket) {
    if (openConnections >= cfg.maxConnections()) {
      metrics.tooManyConnections.inc();
      refuseAtAccept(socket, Reply.error("too many connections").encode());
      return;
    }
    if (!limiter.tryAcquire(SourceRateLimiter.keyOf(socket.remoteAddress().hostAddress()), System.nanoTime())) {
      metrics.rateLimited.inc();
      refuseAtAccept(socket, Reply.error(Reply.RATE_LIMITED).encode());
      return;
    }
    openConnections++;
    Conn c = new Conn(socket, AddressText.canonicalIp(socket.remoteAddress().hostAddress()),
        socket.remoteAddress().port(), cfg.maxHelloBytes());
    c.helloTimer = vertx.setTimer(cfg.helloTimeoutMs(), t -> {
      if (!c.helloDone && !c.closed) {
        c.helloDone = true;
        refuse(c, metrics.helloTimeout, "no hello within " + cfg.helloTimeoutMs() + " ms");
      }
    });
    // A client may shut down its sending side once the hello is out (printf ... | nc does); it still reads
    // the reply, as the original server, which never read past the hello, gave it. See onInputEnd.
    ChannelHandlerContext vertxHandler = ((NetSocketInternal) socket).channelHandlerContext();
    vertxHandler.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    // A Netty handler ahead of Vert.x's takes only this event: the socket's own event handler would also
    // take, and swallow, the graceful-shutdown events Vert.x sends its connections.
    vertxHandler.pipeline().addBefore(vertxHandler.name(), "s1-half-close", new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
          context.runOnContext(v -> onInputEnd(c));
        } else {
          ctx.fireUserEventTriggered(event);
        }
      }
    });
    socket.handler(data -> onData(c, data));
    socket.closeHandler(v -> onClose(c));
    socket.exceptionHandler(e -> LOG.log(Level.FINE, "pairing: connection from " + c.peerIp + " failed", e));
  }

  /**
   * Answers a connection refused as it is accepted, then closes it once the client's hello (on its way) has been
   * read, at the end of its line, or after {@link #REFUSED_LINGER_MS}: closing with unread bytes makes the kernel
   * reset the connection, and a client that has not read the answer yet may lose it to the reset.
   */
  private void refuseAtAccept(NetSocket socket, byte[] reply) {
    if (lingering >= MAX_LINGERING) {
      socket.end(Buffer.buffer(reply)); // a flood of refused connections: no descriptor held for any of them
      return;
    }
    lingering++;
    socket.handler(data -> {
      if (data.toString(StandardCharsets.ISO_8859_1).indexOf('\n') >= 0) {
        socket.close(); // read and dropped: the whole hello is in
      }
    });
    socket.write(Buffer.buffer(reply));
    long linger = vertx.setTimer(REFUSED_LINGER_MS, t -> socket.close());
    socket.closeHandler(v -> {
      lingering--;
      vertx.cancelTimer(linger);
    });
    socket.exceptionHandler(e -> socket.close());
  }

  private void onData(Conn c, Buffer data) {
    if (c.helloDone) {
      return; // bytes after the hello are ignored, as the original did
    }
    HelloDecoder.Result r = c.reader.offer(data);
    if (r instanceof HelloDecoder.NeedMore) {
      return;
    }
    c.helloDone = true;
    vertx.cancelTimer(c.helloTimer);
    if (r instanceof HelloDecoder.Invalid bad) {
      refuse(c, switch (bad.kind()) {
        case SYNTAX -> metrics.invalidJson;
        case WRONG_TYPE -> metrics.wrongType;
        case OVERSIZE -> metrics.oversize;
      }, bad.problem());
      return;
    }
    Arrival a = Arrival.of(((HelloDecoder.Decoded) r).hello(), c.peerIp, c.peerPort);
    if (a instanceof Arrival.Initiator i) {
      initiate(c, i);
    } else if (a instanceof Arrival.Receiver rc) {
      receive(c, rc);
    } else {
      metrics.emptyUuid.inc();
      c.socket.close();
    }
  }

  private void onClose(Conn c) {
    openConnections--;
    c.closed = true;
    vertx.cancelTimer(c.helloTimer);
    leave(c);
  }

  /**
   * The client sent FIN. Before a whole hello: a partial one is invalid JSON, nothing at all just closes.
   * A waiting initiator is taken as gone, as TCP cannot tell its close from a half-close and its key must
   * not stay reserved for a peer that left. A receiver, or a connection whose reply is on its way, still
   * gets its reply, then the close.
   */
  private void onInputEnd(Conn c) {
    if (c.closed) {
      return;
    }
    if (!c.helloDone) {
      c.helloDone = true;
      vertx.cancelTimer(c.helloTimer);
      if (c.reader.isBlank()) {
        c.socket.close(); // no hello at all, as with no byte: just closed
      } else {
        refuse(c, metrics.invalidJson, "invalid JSON: unexpected EOF");
      }
      return;
    }
    if (c.waitingKey != null && table.isWaiting(c.waitingKey, c)) {
      leave(c);
      c.socket.close();
    }
  }

  /** An initiator still waiting when its client went away: its wait ends and its key is freed. */
  private void leave(Conn c) {
    if (c.waitingKey != null && table.abandon(c.waitingKey, c)) {
      metrics.abandoned.inc();
      endWait(c);
    }
  }

  // ---- initiators ----

  /**
   * The initiator waits (table entry and actor) before its key is reserved cluster-wide: once the
   * reservation is visible, a receiver anywhere finds the actor at once. A receiver can only reach it
   * after taking that reservation, so the wait is never seen before the reservation succeeds.
   */
  private void initiate(Conn c, Arrival.Initiator initiator) {
    String key = initiator.key();
    if (!table.add(initiator, c, System.currentTimeMillis())) {
      metrics.uuidInUse.inc(); // waiting on this very node: no need to ask the cluster
      answer(c, Reply.error(Reply.UUID_IN_USE));
      return;
    }
    c.waitingKey = key;
    c.actor = directory.listen(key, m -> onReceiverOffer(key, m));
    c.reservation = Reservation.PENDING;
    PairingDirectory.Ticket ticket = directory.newTicket();
    c.ticket = ticket;
    directory.reserve(key, ticket).onComplete(ar -> {
      if (c.reservation == Reservation.TAKEN) {
        return; // a receiver's node saw the reservation land and took it before this reply did: paired
      }
      boolean stillWaiting = table.isWaiting(key, c);
      if (ar.succeeded() && ar.result()) {
        c.reservation = Reservation.HELD;
        if (stillWaiting) {
          reservedWaiting++;
        } else {
          release(key, ticket); // timed out or gone while the reservation was on its way
        }
        return;
      }
      c.reservation = Reservation.NONE;
      if (!stillWaiting) {
        return;
      }
      table.abandon(key, c);
      endWait(c);
      if (ar.failed()) {
        internalError(c, "reserving the key", ar.cause());
      } else {
        metrics.uuidInUse.inc();
        answer(c, Reply.error(Reply.UUID_IN_USE));
      }
    });
  }

  /** A receiver's node, having taken this initiator's reservation, asks for the initiator waiting here under {@code key}. */
  private void onReceiverOffer(String key, Message<JsonObject> m) {
    Conn waiting = table.waitingConnection(key);
    if (waiting == null || waiting.ticket == null || !waiting.ticket.text().equals(m.body().getString("ticket"))) {
      m.fail(PairingDirectory.CONSUMED, "no initiator waiting under this key with that reservation");
      return;
    }
    if (waiting.reservation == Reservation.HELD) {
      reservedWaiting--;
    }
    waiting.reservation = Reservation.TAKEN;
    if (waiting.splitChecked) {
      release(key, waiting.ticket); // the check's put may have landed after this receiver's node took the key
    }
    Arrival.Receiver receiver = new Arrival.Receiver(key, m.body().getString("address", ""), m.body().getString("tcp", ""));
    PairingTable.Match<Conn> match = table.claim(receiver);
    if (match == null) {
      m.fail(PairingDirectory.CONSUMED, "no initiator waiting under this key");
      return;
    }
    metrics.pairs.inc();
    m.reply(match.pair().toReceiver().text());
    Conn initiator = match.initiatorConnection();
    endWait(initiator);
    answer(initiator, match.pair().toInitiator());
  }

  /**
   * A member this node had seen leave is back (a healed split): an initiator may wait under the same key on each
   * side. The merged keys map holds one reservation per key, the one a receiver takes: an initiator of this node
   * whose key another member's wait holds gets "UUID already in use", as it would have in one cluster, at once
   * rather than at the end of its wait; one whose reservation the merge lost puts it back. Checked again once
   * Hazelcast has merged the two sides' maps.
   */
  private void onNodeJoined(String node) {
    leftNodes.rejoined(vertx, node, this::checkReservations, () -> {
      checkReservations();
      releaseStaleReservations();
    });
  }

  /**
   * Frees this node's reservations that no wait here holds: the merge may have brought back a key whose wait
   * ended while the two sides were joining (Hazelcast merges the cut-off side's old entries after the join).
   */
  private void releaseStaleReservations() {
    Set<String> live = new HashSet<>();
    table.waiting().forEach(w -> live.add(w.connection().ticket.text()));
    directory.releaseOwnExcept(live)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("pairing: freed " + n + " key(s) the merge brought back for waits that had ended");
          }
        })
        .onFailure(e -> LOG.warning("pairing: freeing stale keys after a split failed: " + e));
  }

  private void checkReservations() {
    for (PairingTable.Waiting<Conn> w : table.waiting()) {
      Conn c = w.connection();
      String key = w.initiator().key();
      PairingDirectory.Ticket ticket = c.ticket;
      if (c.reservation != Reservation.HELD) {
        continue; // still on its way (initiate settles it) or already taken by a receiver
      }
      c.splitChecked = true;
      directory.holdOrHolder(key, ticket).onComplete(ar -> {
        metrics.splitKeyChecks.inc();
        boolean stillHeld = c.reservation == Reservation.HELD && c.ticket == ticket && table.isWaiting(key, c);
        // A holder on a node that left is about to be reclaimed, and one of this node is a wait that ended
        // (releaseStaleReservations frees it): in both cases the second check puts this wait's reservation back.
        if (ar.failed()) {
          LOG.warning("pairing: checking key " + key + " after a split failed: " + ar.cause());
        } else if (ar.result() == null) {
          if (!stillHeld) {
            release(key, ticket); // put back just as its wait ended: free it again
          }
        } else if (stillHeld && !ar.result().nodeId().equals(nodeId) && ClusterEvents.isMember(vertx, ar.result().nodeId(), nodeId)) {
          LOG.info("pairing: key " + key + " is held by a wait on node " + ar.result().nodeId() + " (a healed split)");
          metrics.keysLostInSplit.inc();
          metrics.uuidInUse.inc();
          table.abandon(key, c);
          endWait(c);
          answer(c, Reply.error(Reply.UUID_IN_USE));
        }
      });
    }
  }

  private void expire() {
    for (PairingTable.Waiting<Conn> w : table.expire(System.currentTimeMillis())) {
      metrics.timeouts.inc();
      endWait(w.connection());
      answer(w.connection(), Reply.error(Reply.TIMED_OUT));
    }
  }

  /**
   * Takes down the actor of an initiator that has left the table and frees its key if it holds the
   * reservation (a reservation still on its way is freed when it lands, see {@link #initiate}).
   */
  private Future<?> endWait(Conn c) {
    String key = c.waitingKey;
    c.waitingKey = null;
    c.actor.unregister();
    if (c.reservation != Reservation.HELD) {
      return Future.succeededFuture();
    }
    reservedWaiting--;
    return release(key, c.ticket);
  }

  private Future<Boolean> release(String key, PairingDirectory.Ticket ticket) {
    return directory.release(key, ticket)
        .onFailure(e -> LOG.warning("pairing: releasing key " + key + " failed (its TTL frees it): " + e));
  }

  // ---- receivers ----

  private void receive(Conn c, Arrival.Receiver receiver) {
    long t0 = System.nanoTime();
    directory.offer(receiver).onComplete(ar -> {
      if (ar.failed()) {
        // An initiator whose node cannot be reached cannot be paired: to the client it is not found.
        metrics.initiatorNodeUnreachable.inc();
        LOG.warning("pairing: the node of the initiator for " + c.peerIp + " did not answer: " + ar.cause());
        answer(c, Reply.error(Reply.NOT_FOUND));
      } else if (ar.result() == null) {
        metrics.receiverNotFound.inc();
        answer(c, Reply.error(Reply.NOT_FOUND));
      } else {
        metrics.pairLatency.observe((System.nanoTime() - t0) / 1_000);
        if (!c.closed) {
          c.socket.end(Buffer.buffer(ar.result()));
        }
      }
    });
  }

  // ---- replies ----

  /** Writes the one reply of a connection, then closes it. */
  private void answer(Conn c, Reply reply) {
    if (!c.closed) {
      c.socket.end(Buffer.buffer(reply.encode()));
    }
  }

  private void refuse(Conn c, Metrics.Counter reason, String problem) {
    reason.inc();
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine("pairing: refused hello from " + c.peerIp + ": " + problem);
    }
    answer(c, Reply.error(problem));
  }

  private void internalError(Conn c, String what, Throwable e) {
    metrics.internal.inc();
    LOG.warning("pairing: " + what + " for " + c.peerIp + " failed: " + e);
    answer(c, Reply.error("pairing failed: " + what));
  }

  // ---- UDP: STUN and the address echo ----

  private void onDatagram(ByteBuf data, InetSocketAddress sender) {
    if (!limiter.tryAcquire(SourceRateLimiter.keyOf(sender.getAddress()), System.nanoTime())) {
      metrics.udpRateLimited.inc();
      return;
    }
    int len = Math.min(data.readableBytes(), in.length);
    data.getBytes(data.readerIndex(), in, 0, len);
    if (StunBindingResponder.isStun(in, 0, len)) {
      int n = stun.respond(in, 0, len, IpText.bytesOf(sender.getAddress()), sender.getPort(), out);
      if (n > 0) {
        (StunBindingResponder.isErrorResponse(out) ? metrics.stunError : metrics.stunSuccess).inc();
        udp.send(out, 0, n, sender);
      } else {
        (n == StunBindingResponder.DROP_NOT_REQUEST ? metrics.stunNotRequest : metrics.stunMalformed).inc();
      }
      return;
    }
    if (StunBindingResponder.isCutShort(in, 0, len, in.length)) {
      metrics.stunOversize.inc(); // a STUN client would take the echo for garbage: no reply, as for a malformed one
      return;
    }
    byte[] text = AddressText.of(sender).getBytes(StandardCharsets.US_ASCII);
    metrics.udpEchoes.inc();
    udp.send(text, 0, text.length, sender);
  }

}
