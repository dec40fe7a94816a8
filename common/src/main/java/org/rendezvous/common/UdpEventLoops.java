package org.rendezvous.common;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.util.Map;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where a UDP verticle runs. Netty's io_uring datagram channel reads one datagram per request where epoll's reads up
 * to 32 at once, and under a flood a node on io_uring lost a third of its datagrams to the full socket buffer. So on
 * a node whose transport is io_uring (node.transport) a UDP verticle runs on an epoll event loop of its own: its
 * whole body (socket, timers, event-bus consumers) on a Vert.x context over that loop, so nothing in it crosses threads
 * that did not before; its TCP and WebSocket neighbours keep io_uring. On any other transport, or where epoll is not
 * available, the verticle stays on the event loop Vert.x gave it. The loops are the node's (one group per Vert.x
 * instance, shut down when the last verticle using them stops).
 */
public final class UdpEventLoops {

  /** One loop for each UDP verticle: udp-verticle's S0/STUN listener and the lobby. */
  public static final int THREADS = 2;

  /** Per Vert.x instance: its loops and how many started verticles use them (shut down when none does). */
  private static final Map<Vertx, Loops> LOOPS = new HashMap<>();

  private static final class Loops {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(THREADS,
        new DefaultThreadFactory("rendezvous-udp-epoll", true), EpollIoHandler.newFactory());
    int users;
  }

  private UdpEventLoops() {
  }

  /**
   * Starts a verticle's body on the context its UDP socket belongs on: {@code context} itself, or a context over an
   * epoll loop that shares {@code context}'s close future (the deployment's, so undeploying closes what the body
   * opened). {@code body} gets that context; keep it for {@link #stop}.
   */
  public static <T> Future<T> start(Context context, Function<Context, Future<T>> body) {
    ContextInternal own = (ContextInternal) context;
    if (!(own.nettyEventLoop() instanceof IoEventLoop loop && loop.isIoType(IoUringIoHandler.class)) || !Epoll.isAvailable()) {
      return body.apply(context);
    }
    Vertx vertx = own.owner();
    ContextInternal udp = ((VertxInternal) vertx).contextBuilder()
        .withEventLoop(acquire(vertx))
        .withCloseFuture(own.closeFuture())
        .withClassLoader(own.classLoader())
        .build();
    return on(udp, () -> body.apply(udp)).onFailure(e -> release(vertx));
  }

  /**
   * Runs a verticle's stop on {@code udpContext}, the context {@link #start} gave its body, then lets go of the loop
   * when that context was one of these.
   */
  public static <T> Future<T> stop(Context context, Context udpContext, Supplier<Future<T>> body) {
    if (udpContext == null || udpContext == context) {
      return body.get();
    }
    return on(udpContext, body).andThen(done -> release(context.owner()));
  }

  private static <T> Future<T> on(Context target, Supplier<Future<T>> body) {
    Promise<T> done = Promise.promise();
    target.runOnContext(v -> body.get().onComplete(done));
    return done.future();
  }

  private static EventLoop acquire(Vertx vertx) {
    synchronized (LOOPS) {
      Loops loops = LOOPS.computeIfAbsent(vertx, v -> new Loops());
      loops.users++;
      return loops.group.next();
    }
  }

  private static void release(Vertx vertx) {
    synchronized (LOOPS) {
      Loops loops = LOOPS.get(vertx);
      if (loops != null && --loops.users == 0) {
        LOOPS.remove(vertx);
        loops.group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
      }
    }
  }
}
