package org.rendezvous.common;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A UDP socket on the calling verticle's event loop, for the hot paths (STUN, S0, lobby): Netty
 * directly, on the event loop's own transport (io_uring, epoll or NIO), batched reads (recvmmsg on epoll)
 * and writes flushed once per read batch, and the zero-byte datagram that S0 answers to LIST on an empty
 * registry (Netty silently skips those).
 * The receiver runs on the verticle's context, so it may use the event bus and timers.
 */
public final class UdpEndpoint {

  private static final Logger LOG = Logger.getLogger(UdpEndpoint.class.getName());
  /** Largest datagram read; longer ones are truncated by the kernel. */
  public static final int MAX_READ = 2048;
  private static final int BATCH = 32;
  /**
   * Datagrams waiting for room in the kernel's send buffer, beyond which more are dropped (counted in
   * {@code rendezvous_udp_send_dropped_total}). The kernel's buffer fills only when the egress is shaped or
   * saturated; queueing more then holds direct memory and delays every later answer by the time the link
   * takes to carry the queue.
   */
  static final int MAX_QUEUED_BYTES = 1 << 20;
  /** Within a read batch, writes are flushed once this many bytes wait, so the queue holds what the kernel refused. */
  private static final int FLUSH_BYTES = 256 << 10;

  /** Handles one datagram; {@code data} is valid only during the call. */
  public interface Receiver {
    void onDatagram(ByteBuf data, InetSocketAddress sender);
  }

  private final Channel channel;
  /** On NIO: the JDK channel under Netty's, which can send the zero-byte datagram Netty skips. */
  private final DatagramChannel jdkChannel;
  private final Metrics.Counter dropped;
  private boolean inReadBatch;
  private int unflushedBytes;

  private UdpEndpoint(Channel channel, DatagramChannel jdkChannel, Metrics.Counter dropped) {
    this.channel = channel;
    this.jdkChannel = jdkChannel;
    this.dropped = dropped;
  }

  /**
   * Binds on the current verticle's event loop; {@code receiver} runs on that verticle's context. {@code listener}
   * names the socket in its metrics.
   */
  public static Future<UdpEndpoint> bind(Context context, String host, int port, String listener, Receiver receiver) {
    Metrics.Counter dropped = Metrics.of(context.owner()).counter("rendezvous_udp_send_dropped_total",
        "Datagrams not sent: " + MAX_QUEUED_BYTES + " bytes already waited for room in the kernel's send buffer"
            + " (egress shaped or saturated), or the kernel refused them", "listener", listener);
    ContextInternal ctx = (ContextInternal) context;
    Promise<UdpEndpoint> promise = ctx.promise();
    UdpEndpoint[] self = new UdpEndpoint[1];
    DatagramChannel[] jdk = new DatagramChannel[1];
    EventLoop loop = ctx.nettyEventLoop();
    Bootstrap b = new Bootstrap().group(loop)
        .option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_SNDBUF, 4 << 20)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(MAX_QUEUED_BYTES / 2, MAX_QUEUED_BYTES))
        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext c, DatagramPacket packet) {
            if (self[0] != null) {
              self[0].inReadBatch = true;
            }
            ctx.emit(packet, p -> {
              try {
                receiver.onDatagram(p.content(), p.sender());
              } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "UDP handler failed on a datagram from " + p.sender(), e);
              }
            });
          }

          @Override
          public void channelReadComplete(ChannelHandlerContext c) {
            if (self[0] != null) {
              self[0].inReadBatch = false;
              self[0].unflushedBytes = 0;
            }
            c.flush();
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            LOG.log(Level.FINE, "UDP socket error (ignored, socket keeps serving)", cause);
          }
        });
    if (isIoType(loop, IoUringIoHandler.class)) {
      b.channel(IoUringDatagramChannel.class)
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_READ));
    } else if (isIoType(loop, EpollIoHandler.class)) {
      b.channel(EpollDatagramChannel.class)
          .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_READ)
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_READ * BATCH));
    } else {
      try {
        jdk[0] = DatagramChannel.open();
      } catch (IOException e) {
        return Future.failedFuture(e);
      }
      b.channelFactory(() -> new NioDatagramChannel(jdk[0]))
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_READ));
    }
    b.bind(new InetSocketAddress(host, port)).addListener(f -> {
      if (f.isSuccess()) {
        self[0] = new UdpEndpoint(((io.netty.channel.ChannelFuture) f).channel(), jdk[0], dropped);
        promise.complete(self[0]);
      } else {
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }

  private static boolean isIoType(EventLoop loop, Class<? extends IoHandler> type) {
    return loop instanceof IoEventLoop io && io.isIoType(type);
  }

  public int localPort() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /**
   * Sends {@code len} bytes of {@code bytes} to {@code to} from this socket; an empty datagram when len is 0.
   * Dropped and counted when {@link #MAX_QUEUED_BYTES} already wait for the kernel.
   */
  public void send(byte[] bytes, int off, int len, InetSocketAddress to) {
    if (!channel.isWritable()) {
      dropped.inc();
      return;
    }
    if (len == 0) {
      sendEmpty(to);
      return;
    }
    ByteBuf buf = channel.alloc().directBuffer(len).writeBytes(bytes, off, len);
    write(new DatagramPacket(buf, to), len);
  }

  public void send(Buffer payload, InetSocketAddress to) {
    byte[] bytes = payload.getBytes();
    send(bytes, 0, bytes.length, to);
  }

  private void write(DatagramPacket packet, int len) {
    if (inReadBatch && channel.eventLoop().inEventLoop()) {
      channel.write(packet, channel.voidPromise()); // flushed at the end of the read batch, or once enough waits
      unflushedBytes += len;
      if (unflushedBytes >= FLUSH_BYTES) {
        unflushedBytes = 0;
        channel.flush();
      }
    } else {
      channel.writeAndFlush(packet, channel.voidPromise());
    }
  }

  private void sendEmpty(InetSocketAddress to) {
    if (!channel.eventLoop().inEventLoop()) {
      channel.eventLoop().execute(() -> sendEmpty(to));
      return;
    }
    try {
      if (channel instanceof UnixChannel unix && unix.fd() instanceof Socket socket) { // epoll, io_uring
        socket.sendTo(ByteBuffer.allocateDirect(0), 0, 0, to.getAddress(), to.getPort());
      } else {
        jdkChannel.send(ByteBuffer.allocate(0), to);
      }
    } catch (IOException e) {
      dropped.inc(); // refused: no route, or the socket is closing (a full buffer is not told: 0 bytes are sent either way)
      LOG.log(Level.FINE, "empty datagram to " + to + " failed", e);
    }
  }

  public Future<Void> close() {
    Promise<Void> p = Promise.promise();
    channel.close().addListener(f -> p.complete());
    return p.future();
  }


  /** The text of an address as the original servers printed it. */
  public static String ipText(InetSocketAddress a) {
    InetAddress inet = a.getAddress();
    return inet == null ? a.getHostString() : IpText.of(inet);
  }
}
