package org.rendezvous.pairing;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import org.rendezvous.common.Bounded;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.common.ClusterMaps;
import org.rendezvous.common.RetriedRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Where waiting initiators are found across the cluster (SPEC §2 rules 2–4). Each key is reserved
 * in a Hazelcast-backed map whose value is a {@link Ticket} naming the owning node and that one wait,
 * so it waits once cluster-wide. The waiting initiator is an actor at {@link #WAIT_PREFIX}{@code <key>}
 * on its node. A receiver's node takes the reservation out of the map (one atomic remove: a second
 * receiver of the same key finds nothing) and asks that actor, directly when it is local, else through
 * the owner's inbox {@link #NODE_PREFIX}{@code <nodeId>}, which relays to it. No handler means no such
 * initiator. A paired initiator's reservation is thus already gone; only an initiator that times out
 * or leaves frees its own.
 * <p>
 * Why the inbox: with the Hazelcast cluster manager, sending to an address no node has used before
 * costs a blocking MultiMap read, and registering or removing a clustered consumer a MultiMap write
 * plus an update on every node. A thousand initiators arriving together saturated the worker pool
 * and receivers stopped finding their initiators; a node-local actor and one long-lived inbox per
 * node (whose route the event bus caches) cost none of that. A pair costs two map operations, the
 * initiator's reservation and the receiver's remove (reading the owner, then having the initiator's
 * node remove it, cost a third, and bench/pairing.sh measured about a quarter less node CPU per pair
 * without it). Batching the offers for one node into one bus message was measured too and cost more
 * CPU than it saved.
 */
public final class PairingDirectory {

  /**
   * A waiting initiator, prefix + pairing key; node-local. Body: {@code {"address": receiver's address
   * field, "tcp": receiver's TCP ip:port, "ticket": the reservation the receiver's node took}}. Reply:
   * String, the receiver's reply line as it goes on the wire; failure {@link #CONSUMED} when that
   * initiator has just paired, timed out or left, or waits under another reservation.
   */
  public static final String WAIT_PREFIX = "pairing.wait.";
  /**
   * A node's inbox, prefix + node id. Body: the {@link #WAIT_PREFIX} body plus {@code "key"}. Reply and
   * failures: those of the initiator's actor, NO_HANDLERS from the actor relayed as {@link #CONSUMED}.
   */
  public static final String NODE_PREFIX = "pairing.node.";
  /** Cluster-wide map: pairing key → {@link Ticket} text of the initiator waiting under it. */
  public static final String KEYS_MAP = "pairing.keys";
  /** Failure code of a request whose initiator is no longer waiting. */
  public static final int CONSUMED = 404;

  /** A reservation outlives the wait by this much, so only a node that died without cleaning up relies on the TTL. */
  static final long TTL_MARGIN_MS = 5_000;
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5_000);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setSendTimeout(5_000).setLocalOnly(true);

  private final Vertx vertx;
  private final String nodeId;
  private final long ttlMs;
  private final Runnable routeRetries;
  private long nextWait;
  private AsyncMap<String, String> keys;
  private MessageConsumer<JsonObject> inbox;

  /** {@code routeRetries} is told each time an offer is sent again for want of a route. */
  public PairingDirectory(Vertx vertx, String nodeId, long waitMs, Runnable routeRetries) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.ttlMs = waitMs + TTL_MARGIN_MS;
    this.routeRetries = routeRetries;
  }

  /** Opens the reservation map and this node's inbox (registered across the cluster before this completes). */
  public Future<Void> open() {
    return vertx.sharedData().<String, String>getAsyncMap(KEYS_MAP).compose(m -> {
      keys = m;
      inbox = vertx.eventBus().consumer(NODE_PREFIX + nodeId, this::relay);
      return inbox.completion();
    });
  }

  public Future<Void> close() {
    return inbox == null ? Future.succeededFuture() : inbox.unregister();
  }

  /** A new ticket for one wait on this node. */
  public Ticket newTicket() {
    return new Ticket(nodeId, ++nextWait);
  }

  /** True when {@code ticket} now holds {@code key}; false when it is reserved anywhere in the cluster. */
  public Future<Boolean> reserve(String key, Ticket ticket) {
    return keys.putIfAbsent(key, ticket.text(), ttlMs).map(previous -> previous == null);
  }

  /**
   * Reserves {@code key} for {@code ticket} unless another wait holds it: null when {@code ticket} holds it now
   * (already or just put back), else the holder's ticket.
   */
  public Future<Ticket> holdOrHolder(String key, Ticket ticket) {
    return keys.putIfAbsent(key, ticket.text(), ttlMs)
        .map(previous -> previous == null || previous.equals(ticket.text()) ? null : Ticket.parse(previous));
  }

  /** Frees {@code key} if {@code ticket} still holds it (a receiver may have taken it, or another wait holds it). */
  public Future<Boolean> release(String key, Ticket ticket) {
    return keys.removeIfPresent(key, ticket.text());
  }

  /** Registers the node-local actor of an initiator waiting here under {@code key}. */
  public MessageConsumer<JsonObject> listen(String key, Handler<Message<JsonObject>> handler) {
    return vertx.eventBus().localConsumer(WAIT_PREFIX + key, handler);
  }

  /** Removes every key a node that left had reserved; the number removed. */
  public Future<Integer> reclaim(String deadNodeId) {
    return removeWhere(deadNodeId, t -> deadNodeId.equals(t.nodeId()));
  }

  /** Removes this node's reservations whose ticket is not in {@code liveTickets} (their waits ended); the number removed. */
  public Future<Integer> releaseOwnExcept(Set<String> liveTickets) {
    return removeWhere(nodeId, t -> nodeId.equals(t.nodeId()) && !liveTickets.contains(t.text()));
  }

  /** Removes the reservations of {@code owner}'s waits (read filtered by the cluster) that are {@code stale}. */
  private Future<Integer> removeWhere(String owner, Predicate<Ticket> stale) {
    return ClusterMaps.entriesByValue(vertx, KEYS_MAP, keys, "", "@" + owner).compose(all -> {
      List<Map.Entry<String, String>> staleEntries = new ArrayList<>();
      for (Map.Entry<String, String> e : all.entrySet()) {
        if (stale.test(Ticket.parse(e.getValue()))) {
          staleEntries.add(e);
        }
      }
      return Bounded.each(staleEntries, Bounded.CLEANUP_IN_FLIGHT, e -> keys.removeIfPresent(e.getKey(), e.getValue()))
          .map(done -> (int) done.stream().filter(f -> Boolean.TRUE.equals(f.result())).count());
    });
  }

  /**
   * Offers a receiver to the initiator waiting under its key, wherever it waits, taking that
   * initiator's reservation. Completes with the receiver's reply line, or null when no initiator waits
   * under that key; fails when the owner's node did not answer (it died and the cluster has not
   * noticed yet).
   */
  public Future<String> offer(Arrival.Receiver receiver) {
    return keys.remove(receiver.key()).compose(taken -> {
      if (taken == null) {
        return Future.succeededFuture(null);
      }
      Ticket ticket = Ticket.parse(taken);
      JsonObject body = new JsonObject().put("address", receiver.udpAddress()).put("tcp", receiver.tcpAddress())
          .put("ticket", taken);
      if (ticket.nodeId().equals(nodeId)) {
        return askActor(receiver.key(), body);
      }
      return askNode(ticket.nodeId(), body.put("key", receiver.key()));
    });
  }

  /**
   * Asks another node's inbox; null when that node or its initiator is gone. An inbox lives as long as its node,
   * so no handler for a node still in the cluster means the bus lost its subscription (right after another member
   * died, until the node publishes it again): asked again (see {@link RetriedRequest#ROUTE_ATTEMPTS}).
   */
  private Future<String> askNode(String owner, JsonObject offer) {
    return RetriedRequest.retry(vertx, () -> vertx.eventBus().<String>request(NODE_PREFIX + owner, offer, ASK),
            RetriedRequest.ROUTE_ATTEMPTS, RetriedRequest.ROUTE_RETRY_MS, e -> {
              boolean again = RetriedRequest.noHandlers(e) && ClusterEvents.isMember(vertx, owner, nodeId);
              if (again) {
                routeRetries.run();
              }
              return again;
            })
        .map(Message::body)
        .recover(e -> RetriedRequest.noHandlers(e)
            || e instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == CONSUMED
            ? Future.succeededFuture(null) // the owner's node is gone, or its initiator is
            : Future.failedFuture(e));
  }

  /** The inbox: hands a receiver from another node to the local actor of its key. */
  private void relay(Message<JsonObject> m) {
    askActor(m.body().getString("key", ""), m.body()).onSuccess(reply -> {
      if (reply == null) {
        m.fail(CONSUMED, "no initiator waiting under this key");
      } else {
        m.reply(reply);
      }
    });
  }

  /**
   * Asks the actor on this node; null when it is not there. A local request fails only because the
   * actor is gone: no handler, consumed, or discarded from its queue when it unregistered after pairing.
   */
  private Future<String> askActor(String key, JsonObject body) {
    return vertx.eventBus().<String>request(WAIT_PREFIX + key, body, LOCAL).map(Message::body).otherwise((String) null);
  }

  /**
   * One initiator's hold on its key: the node it waits on and a number unique on that node, so that
   * freeing one wait's reservation can never free a later wait's under the same key. Text form
   * {@code <serial>@<nodeId>}.
   */
  public record Ticket(String nodeId, long serial) {

    public String text() {
      return serial + "@" + nodeId;
    }

    /** The ticket of a map value; a value of another shape gets serial 0 and the whole text as node id. */
    public static Ticket parse(String text) {
      int at = text.indexOf('@');
      if (at > 0) {
        try {
          return new Ticket(text.substring(at + 1), Long.parseLong(text, 0, at, 10));
        } catch (NumberFormatException e) {
          // not one of ours: fall through
        }
      }
      return new Ticket(text, 0);
    }
  }
}
