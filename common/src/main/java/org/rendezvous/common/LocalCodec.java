package org.rendezvous.common;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Event-bus codec for an immutable value sent only to consumers in the same JVM: the object itself
 * is delivered, with no copy and no serialization. Sending it to another node is a programming error.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

  private final String name;

  private LocalCodec(String name) {
    this.name = name;
  }

  /** Registers the codec as the default for {@code type} on this event bus, once. */
  public static <T> void register(EventBus bus, Class<T> type) {
    try {
      bus.registerDefaultCodec(type, new LocalCodec<>("local:" + type.getName()));
    } catch (IllegalStateException alreadyRegistered) {
      // a verticle redeployed in the same Vert.x instance: the codec is already there
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new UnsupportedOperationException(name + " is local-only; send it with DeliveryOptions.setLocalOnly(true)");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " is local-only");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
