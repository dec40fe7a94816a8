package org.rendezvous.udp;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.rendezvous.common.BoundPorts;
import org.rendezvous.common.IpText;
import org.rendezvous.common.Metrics;
import org.rendezvous.common.SourceRateLimiter;
import org.rendezvous.common.UdpEndpoint;
import org.rendezvous.registry.RegistryClient;
import org.rendezvous.udp.lite.LiteRequest;
import org.rendezvous.udp.lite.ReplyBudget;
import org.rendezvous.udp.stun.StunBindingResponder;

import java.net.InetSocketAddress;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * UDP 3478: a STUN datagram (S5) is answered here, statelessly; anything else is S0 STUN-lite text,
 * a heartbeat for the registry or a LIST answered from the registry's index. Datagrams beyond their
 * source's rate limit are dropped first, counted under the surface they were for.
 * Verticle config: {@code {"nodeId": …, "udp": {…see UdpConfig…}}}.
 */
public final class UdpVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(UdpVerticle.class.getName());
  public static final String LISTENER = "udp";

  private UdpConfig cfg;
  private UdpEndpoint socket;
  private RegistryClient registry;
  private StunBindingResponder stun;
  private ReplyBudget budget;
  private SourceRateLimiter limiter;
  private final byte[] in = new byte[UdpEndpoint.MAX_READ];
  private final byte[] out = new byte[1024];
  private long sweepTimer = -1;

  private Metrics.Counter stunSuccess;
  private Metrics.Counter stunError;
  private Metrics.Counter stunMalformed;
  private Metrics.Counter stunOversize;
  private Metrics.Counter stunIgnored;
  private Metrics.Counter stunRateLimited;
  private Metrics.Counter heartbeats;
  private Metrics.Counter invalidNames;
  private Metrics.Counter liteRateLimited;
  private Metrics.Counter oversize;
  private Metrics.Counter listsSent;
  private Metrics.Counter listsOverBudget;
  private Metrics.Counter listsFailed;
  private Metrics.Counter listBytes;

  @Override
  public Future<?> start() {
    cfg = UdpConfig.from(config().getJsonObject("udp", new JsonObject()));
    registry = new RegistryClient(vertx.eventBus());
    stun = new StunBindingResponder(cfg.software());
    budget = new ReplyBudget(cfg.replyBudgetBytesPerSecond(), 100_000);
    limiter = SourceRateLimiter.forListener(vertx, cfg.rateLimit(), LISTENER);
    Metrics m = Metrics.of(vertx);
    stunSuccess = m.counter("rendezvous_stun_responses_total", "STUN responses sent", "port", "3478", "kind", "success");
    stunError = m.counter("rendezvous_stun_responses_total", "STUN responses sent", "port", "3478", "kind", "error");
    stunMalformed = m.counter("rendezvous_stun_dropped_total", "STUN datagrams dropped", "port", "3478", "reason", "malformed");
    stunOversize = m.counter("rendezvous_stun_dropped_total", "STUN datagrams dropped", "port", "3478", "reason", "oversize");
    stunIgnored = m.counter("rendezvous_stun_dropped_total", "STUN datagrams dropped", "port", "3478", "reason", "not_request");
    stunRateLimited = m.counter("rendezvous_stun_dropped_total", "STUN datagrams dropped", "port", "3478", "reason", "rate_limited");
    heartbeats = m.counter("rendezvous_s0_heartbeats_total", "S0 heartbeats accepted");
    invalidNames = m.counter("rendezvous_s0_dropped_total", "S0 datagrams dropped", "reason", "invalid_name");
    liteRateLimited = m.counter("rendezvous_s0_dropped_total", "S0 datagrams dropped", "reason", "rate_limited");
    oversize = m.counter("rendezvous_s0_oversize_total", "S0 datagrams longer than 1024 bytes (read truncated, as the original)");
    listsSent = m.counter("rendezvous_s0_lists_total", "S0 LIST requests", "result", "sent");
    listsOverBudget = m.counter("rendezvous_s0_lists_total", "S0 LIST requests", "result", "over_budget");
    listsFailed = m.counter("rendezvous_s0_lists_total", "S0 LIST requests", "result", "failed");
    listBytes = m.counter("rendezvous_s0_list_bytes_total", "S0 LIST reply bytes sent");
    m.gauge("rendezvous_s0_budget_tracked_destinations", "Destinations with a partly spent S0 reply budget", budget::tracked);

    sweepTimer = vertx.setPeriodic(10_000, id -> budget.forgetIdle(System.nanoTime()));
    return UdpEndpoint.bind(context, cfg.host(), cfg.port(), LISTENER, this::onDatagram).onSuccess(s -> {
      socket = s;
      BoundPorts.record(vertx, LISTENER, s.localPort());
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return socket == null ? Future.succeededFuture() : socket.close();
  }

  private void onDatagram(ByteBuf data, InetSocketAddress sender) {
    int len = data.readableBytes();
    int copied = Math.min(len, in.length);
    data.getBytes(data.readerIndex(), in, 0, copied);
    boolean isStun = StunBindingResponder.isStun(in, 0, copied);
    if (!limiter.tryAcquire(SourceRateLimiter.keyOf(sender.getAddress()), System.nanoTime())) {
      (isStun ? stunRateLimited : liteRateLimited).inc();
      return;
    }
    if (isStun) {
      answerStun(len, sender);
      return;
    }
    if (StunBindingResponder.isCutShort(in, 0, copied, in.length)) {
      stunOversize.inc(); // longer than the read: not S0 text, and too long to answer
      return;
    }
    if (len > LiteRequest.MAX_READ) {
      oversize.inc();
    }
    LiteRequest req = LiteRequest.parse(in, 0, copied, cfg.maxNameBytes());
    switch (req.kind()) {
      case HEARTBEAT -> {
        heartbeats.inc();
        registry.heartbeat(req.name(), UdpEndpoint.ipText(sender), sender.getPort());
      }
      case LIST -> answerList(sender);
      case INVALID_NAME -> {
        invalidNames.inc();
        if (LOG.isLoggable(Level.FINE)) {
          LOG.fine("S0 name not stored from " + sender + ": " + req.name().length() + " chars");
        }
      }
    }
  }

  private void answerStun(int len, InetSocketAddress sender) {
    byte[] addr = IpText.bytesOf(sender.getAddress());
    int n = stun.respond(in, 0, len, addr, sender.getPort(), out);
    if (n > 0) {
      (StunBindingResponder.isErrorResponse(out) ? stunError : stunSuccess).inc();
      socket.send(out, 0, n, sender);
    } else if (n == StunBindingResponder.DROP_NOT_REQUEST) {
      stunIgnored.inc();
    } else {
      stunMalformed.inc();
    }
  }

  private void answerList(InetSocketAddress sender) {
    String ip = UdpEndpoint.ipText(sender);
    registry.list(cfg.listMaxBytes()).onSuccess(reply -> {
      if (!budget.tryTake(ip, reply.length(), System.nanoTime())) {
        listsOverBudget.inc();
        return;
      }
      listsSent.inc();
      listBytes.add(reply.length());
      socket.send(reply, sender);
    }).onFailure(e -> {
      listsFailed.inc();
      LOG.warning("S0 LIST for " + sender + " failed: " + e);
    });
  }
}
