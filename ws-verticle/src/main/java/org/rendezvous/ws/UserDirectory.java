package org.rendezvous.ws;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Counter;
import org.rendezvous.common.Bounded;
import org.rendezvous.common.ClusterEvents;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * S3's cluster-wide state and event-bus addresses, and a typed client for them: the username →
 * registration map on the cluster manager (uniqueness), the counter giving registrations their
 * cluster-wide order, the per-user actor addresses, the join/leave events, and the registry hook.
 * On a single node the same calls use Vert.x's local shared data.
 */
public final class UserDirectory {

  /**
   * A registered user's actor on its home node: prefix + username (SPEC §2 rule 2). Body: String,
   * a complete server message that the home node writes to that user's socket as it is. Headers:
   * {@link #KIND} (the message type, for metrics), {@link #SENT_MICROS}, {@link #FROM} (the sending node:
   * a message from a node the receiver has taken for dead, and that is not a member again, is dropped, and a
   * request failed with 410), and for messages that change call state {@link #CALL} and {@link #PEER}.
   * call_request is sent as a request and answered with an empty reply once written; NO_HANDLERS means the
   * user is offline.
   */
  public static final String USER_PREFIX = "ws.user.";
  /**
   * Join and leave events, published to every node. Body: JsonObject
   * {@code {"op":"join"|"leave","username":…,"user_id_json":…,"node":…,"seq":…}}; header
   * {@link #FROM} is the publishing node, which applied the change itself already.
   */
  public static final String USERS_CHANGED = "ws.users.changed";
  /**
   * A node's own registered users, prefix + node id: asked by a member that had taken this node for dead
   * and sees it again (a healed split). Body: none. Reply: JsonArray of join events as on {@link #USERS_CHANGED}.
   */
  public static final String NODE_USERS_PREFIX = "ws.node.users.";
  /**
   * First and last seen of S3 names for the registry (fire and forget, this node only). Body:
   * JsonObject {@code {"event":"register"|"leave","username":…,"user_id_json":…,"node":…,"ts":epochMillis}}.
   * No consumer is fine: the event is dropped.
   */
  public static final String REGISTRY_SEEN = "registry.ws.seen";

  public static final String KIND = "kind";
  public static final String SENT_MICROS = "t";
  public static final String CALL = "call";
  public static final String PEER = "peer";
  public static final String FROM = "from";
  /** {@link #CALL} values: the receiving user's call with {@link #PEER} starts or stops. */
  public static final String CALL_START = "start";
  public static final String CALL_STOP = "stop";

  static final String MAP_NAME = "ws.users";
  static final String SEQUENCE_NAME = "ws.users.seq";
  private static final Logger LOG = Logger.getLogger(UserDirectory.class.getName());

  private static final long FIRST_RETRY_MS = 1_000;

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final String nodeId;
  private final AsyncMap<String, JsonObject> users;
  private final Counter sequence;
  private final DeliveryOptions fromThisNode;
  /** Registrations whose release failed: tried again by each {@link #retryReleases} until one succeeds. */
  private final Set<OnlineUser> unreleased = new LinkedHashSet<>();
  private volatile int unreleasedCount;
  private boolean retrying;

  private UserDirectory(Vertx vertx, String nodeId, AsyncMap<String, JsonObject> users, Counter sequence) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.users = users;
    this.sequence = sequence;
    this.fromThisNode = new DeliveryOptions().addHeader(FROM, nodeId);
  }

  public static Future<UserDirectory> open(Vertx vertx, String nodeId) {
    Future<AsyncMap<String, JsonObject>> map = vertx.sharedData().getAsyncMap(MAP_NAME);
    Future<Counter> counter = vertx.sharedData().getCounter(SEQUENCE_NAME);
    return Future.all(map, counter).map(v -> new UserDirectory(vertx, nodeId, map.result(), counter.result()));
  }

  /**
   * Reserves {@code username} cluster-wide for a user of this node: the registration, or null when someone holds
   * it. Its sequence number is above {@code floor}, the highest this node knows: right after a healed split the
   * merged counter may lag numbers the other side gave out, and a registration must be newer than all of them.
   */
  public Future<OnlineUser> claim(String username, String userIdJson, long floor) {
    return sequence.incrementAndGet()
        .compose(seq -> seq > floor ? Future.succeededFuture(seq) : raiseSequenceTo(floor).compose(v -> sequence.incrementAndGet()))
        .compose(seq -> {
          OnlineUser u = new OnlineUser(username, userIdJson, nodeId, seq);
          return hold(u).map(holder -> holder == null ? u : null);
        });
  }

  /**
   * Puts {@code next} in place of {@code previous} under their name, if {@code previous} still holds it: a
   * connection registering its name again with a new user_id, or the newer of two registrations a healed split
   * left behind. False when something else holds the name.
   */
  public Future<Boolean> replace(OnlineUser previous, OnlineUser next) {
    return users.replaceIfPresent(previous.username(), toJson(previous), toJson(next));
  }

  /** The registration holding {@code username} in the cluster map, or null. */
  public Future<OnlineUser> holder(String username) {
    return users.get(username).map(v -> v == null ? null : fromJson(username, v));
  }

  /** Puts {@code u} under its name unless something holds it: null once {@code u} holds it, else the holder. */
  public Future<OnlineUser> hold(OnlineUser u) {
    return users.putIfAbsent(u.username(), toJson(u)).map(v -> v == null ? null : fromJson(u.username(), v));
  }

  /**
   * Raises the registration counter to at least {@code min}: after a healed split the merged counter may lag
   * sequence numbers the other side gave out, and a new registration must be newer than every one of them.
   */
  public Future<Void> raiseSequenceTo(long min) {
    return raiseSequenceTo(min, 10);
  }

  private Future<Void> raiseSequenceTo(long min, int attempts) {
    return sequence.get().compose(current -> current >= min || attempts == 0
        ? Future.succeededFuture()
        : sequence.compareAndSet(current, min).compose(set -> set ? Future.succeededFuture() : raiseSequenceTo(min, attempts - 1)));
  }

  /**
   * Frees a registration; a newer registration of the same name is left alone. The map has no TTL (a name lasts as
   * long as its connection), so a release that fails (Hazelcast busy moving data after a member died) is kept and
   * tried again, a second later and then by each {@link #retryReleases}, until it succeeds: a name left behind would
   * be taken for good.
   */
  public Future<Boolean> release(OnlineUser u) {
    return users.removeIfPresent(u.username(), toJson(u)).onFailure(e -> {
      if (stillOursToFree(u) && unreleased.add(u)) {
        unreleasedCount = unreleased.size();
        LOG.warning("S3: could not free the name " + u.username() + " (tried again in a second, then every sweep): " + e);
        vertx.setTimer(FIRST_RETRY_MS, id -> retryReleases());
      }
    });
  }

  /** Tries again every release that failed, a bounded number at once; one round at a time. */
  public void retryReleases() {
    unreleased.removeIf(u -> !stillOursToFree(u));
    unreleasedCount = unreleased.size();
    if (retrying || unreleased.isEmpty()) {
      return;
    }
    retrying = true;
    Bounded.each(new ArrayList<>(unreleased), Bounded.CLEANUP_IN_FLIGHT, u -> {
      if (!unreleased.contains(u) || !stillOursToFree(u)) {
        return Future.succeededFuture(false); // its node came back while this round ran: the name is its own again
      }
      return users.removeIfPresent(u.username(), toJson(u)).onSuccess(removed -> {
        if (unreleased.remove(u)) {
          unreleasedCount = unreleased.size();
          LOG.info("S3: freed the name " + u.username() + " on a later try");
        }
      });
    }).onComplete(done -> retrying = false);
  }

  /**
   * Whether a failed release is still this node's to retry: a registration of its own, or one of a node that is not
   * in the cluster (taken for dead). A member, one back from a split included, holds its own names: freeing one of
   * them would let a newcomer take the name of a user still connected.
   */
  private boolean stillOursToFree(OnlineUser u) {
    return u.nodeId().equals(nodeId) || !ClusterEvents.isMember(vertx, u.nodeId(), nodeId);
  }

  /** Releases that failed and wait for {@link #retryReleases}. */
  public int unreleasedCount() {
    return unreleasedCount;
  }

  /** Every registration in the cluster (a full read: at start and after a node died). */
  public Future<List<OnlineUser>> all() {
    return users.entries().map(m -> {
      List<OnlineUser> out = new ArrayList<>(m.size());
      m.forEach((name, v) -> out.add(fromJson(name, v)));
      return out;
    });
  }

  public void publishJoin(OnlineUser u) {
    vertx.eventBus().publish(USERS_CHANGED, event("join", u), fromThisNode);
  }

  public void publishLeave(OnlineUser u) {
    vertx.eventBus().publish(USERS_CHANGED, event("leave", u), fromThisNode);
  }

  /** Tells this node's registry that {@code u} registered or left. */
  public void seen(OnlineUser u, String event, long epochMillis) {
    vertx.eventBus().send(REGISTRY_SEEN, new JsonObject().put("event", event).put("username", u.username())
        .put("user_id_json", u.userIdJson()).put("node", u.nodeId()).put("ts", epochMillis), LOCAL);
  }

  static JsonObject event(String op, OnlineUser u) {
    return new JsonObject().put("op", op).put("username", u.username()).put("user_id_json", u.userIdJson())
        .put("node", u.nodeId()).put("seq", u.seq());
  }

  static OnlineUser fromEvent(JsonObject e) {
    return new OnlineUser(e.getString("username"), e.getString("user_id_json"), e.getString("node"), e.getLong("seq"));
  }

  /** The map value; always built here, field by field in one order, so removeIfPresent matches it byte for byte. */
  private static JsonObject toJson(OnlineUser u) {
    return new JsonObject().put("user_id_json", u.userIdJson()).put("node", u.nodeId()).put("seq", u.seq());
  }

  private static OnlineUser fromJson(String username, JsonObject v) {
    return new OnlineUser(username, v.getString("user_id_json"), v.getString("node"), v.getLong("seq"));
  }
}
