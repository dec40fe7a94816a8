package org.rendezvous.registry;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.rendezvous.common.IpText;
import org.rendezvous.common.Metrics;
import org.rendezvous.common.SourceRateLimiter;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The S2 REST API (x20chat-compatible): routes, status codes and bodies byte-compatible with the
 * original FastAPI server, answered from the in-memory index; writes reply once committed. A client
 * over its rate limit gets {@code 429 {"detail":"Too Many Requests"}} (Starlette's wording for the status).
 */
final class PeerApi implements Handler<HttpServerRequest> {

  private static final Logger LOG = Logger.getLogger(PeerApi.class.getName());
  /** How much of an oversize body (in multiples of maxBodyBytes) is drained before the connection is cut. */
  private static final long OVERSIZE_DRAIN_FACTOR = 16;

  private final Registry registry;
  private final Set<String> trustedProxies;
  private final int maxBodyBytes;
  private final int maxFieldChars;
  private final Metrics metrics;
  private final SourceRateLimiter limiter;
  /** Each route's latency histogram, made once: the lookup would otherwise be on every request. */
  private final Map<String, Metrics.Histogram> latencies = new HashMap<>();

  /** {@code limiter} is owned by the verticle's context, which is where requests arrive. */
  PeerApi(Registry registry, RegistryConfig config, Metrics metrics, SourceRateLimiter limiter) {
    this.registry = registry;
    this.trustedProxies = config.trustedProxies().stream().map(IpText::canonical).collect(Collectors.toSet());
    this.maxBodyBytes = config.maxBodyBytes();
    this.maxFieldChars = config.maxFieldChars();
    this.metrics = metrics;
    this.limiter = limiter;
    for (String name : new String[] {"root", "register", "peers", "status", "peer", "unknown"}) {
      latencies.put(name, metrics.histogram("rendezvous_s2_request_latency_microseconds",
          "S2 requests from their head to the last byte of the response written, microseconds, by route",
          LATENCY_BOUNDS_US, "route", name));
    }
  }

  /** A matched route: its name (for metrics), the methods it takes, and the path parameter. */
  private record Route(String name, List<HttpMethod> methods, String param) {
  }

  /** Upper bounds of the S2 latency buckets, microseconds. */
  static final long[] LATENCY_BOUNDS_US = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000,
      1_000_000};

  @Override
  public void handle(HttpServerRequest req) {
    long t0 = System.nanoTime();
    String path = decodePath(req.path());
    Route route = route(path);
    String routeName = route == null ? "unknown" : route.name;
    Metrics.Histogram latency = latencies.get(routeName);
    req.response().endHandler(v -> latency.observe((System.nanoTime() - t0) / 1_000));
    String clientIp = clientIp(req);
    if (!limiter.tryAcquire(sourceKey(clientIp, req), System.nanoTime())) {
      // The body, if any, is left unread: Vert.x discards it and the connection stays usable.
      // Every source gets at least one request a second, so one second always suffices.
      req.response().putHeader("retry-after", "1");
      reply(req, routeName, 429, new JsonObject().put("detail", "Too Many Requests"));
      return;
    }
    if (route == null && path.length() > 1 && path.endsWith("/") && route(stripSlashes(path)) != null) {
      // Starlette's redirect_slashes: /peers/ and /peers// -> http://<host>/peers, query kept
      String query = req.query() == null ? "" : "?" + req.query();
      req.response().setStatusCode(307).putHeader("location", "http://" + host(req) + stripSlashes(req.path()) + query)
          .putHeader("content-length", "0").end();
      count("redirect", 307);
      return;
    }
    if (route == null) {
      reply(req, "unknown", 404, new JsonObject().put("detail", "Not Found"));
      return;
    }
    HttpMethod effective = req.method();
    if (!route.methods.contains(effective)) {
      // FastAPI's routes take no HEAD; Starlette answers from the first route of the path, GET where a path has two
      req.response().putHeader("allow", route.methods.get(0).name());
      reply(req, route.name, 405, new JsonObject().put("detail", "Method Not Allowed"));
      return;
    }
    switch (route.name) {
      case "root" -> reply(req, route.name, 200, new JsonObject()
          .put("service", "P2P Chat Signaling Server")
          .put("status", "running")
          .put("peers_online", registry.index().onlinePeerCount()));
      case "register" -> register(req, clientIp);
      case "peers" -> reply(req, route.name, 200, peers());
      case "status" -> reply(req, route.name, 200, status());
      case "peer" -> {
        if (effective == HttpMethod.DELETE) {
          unregister(req, route.param);
        } else {
          peer(req, route.param);
        }
      }
      default -> throw new IllegalStateException(route.name);
    }
  }

  private static String stripSlashes(String path) {
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(0, end);
  }

  /** The Host header, else this server's address (its port left out when 80), as Starlette builds a URL. */
  private static String host(HttpServerRequest req) {
    String host = req.getHeader("host");
    if (host != null && !host.isEmpty()) {
      return host;
    }
    String ip = req.localAddress().host();
    String name = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
    return req.localAddress().port() == 80 ? name : name + ":" + req.localAddress().port();
  }

  private static Route route(String path) {
    switch (path) {
      case "/":
        return new Route("root", List.of(HttpMethod.GET), null);
      case "/register":
        return new Route("register", List.of(HttpMethod.POST), null);
      case "/peers":
        return new Route("peers", List.of(HttpMethod.GET), null);
      case "/status":
        return new Route("status", List.of(HttpMethod.GET), null);
      default:
        if (path.startsWith("/peer/")) {
          String id = path.substring("/peer/".length());
          if (!id.isEmpty() && id.indexOf('/') < 0) {
            return new Route("peer", List.of(HttpMethod.GET, HttpMethod.DELETE), id);
          }
        }
        return null;
    }
  }

  private void register(HttpServerRequest req, String clientIp) {
    readBody(req).onComplete(ar -> {
      if (ar.failed()) {
        req.response().putHeader("connection", "close");
        reply(req, "register", 413, new JsonObject().put("detail", "Request body too large"))
            .onComplete(sent -> closeAfterBody(req));
        return;
      }
      RegisterRequest r = RegisterRequest.parse(ar.result(), isJson(req.getHeader("content-type")), maxFieldChars);
      if (r.unreadable()) {
        reply(req, "register", 400, new JsonObject().put("detail", "There was an error parsing the body"));
        return;
      }
      if (!r.valid()) {
        reply(req, "register", 422, new JsonObject().put("detail", r.errors()));
        return;
      }
      registry.register(r.peerId(), r.username(), clientIp, r.port()).onComplete(done -> {
        if (done.failed()) {
          LOG.log(Level.WARNING, "S2 register of " + r.peerId() + " from " + clientIp + " failed", done.cause());
          reply(req, "register", 500, new JsonObject().put("detail", "Internal Server Error"));
          return;
        }
        if (done.result() == null) {
          reply(req, "register", 503, new JsonObject().put("detail", "Registry full"));
          return;
        }
        reply(req, "register", 200, new JsonObject()
            .put("status", "success")
            .put("message", "Peer registered successfully")
            .put("peer_id", r.peerId())
            .put("public_ip", clientIp));
      });
    });
  }

  /**
   * Whether FastAPI reads the body as JSON: with no content type, or one whose type is application/json or
   * application/*+json (parameters and case aside; a value with no '/' is text/plain to Python's email parser).
   */
  static boolean isJson(String contentType) {
    if (contentType == null || contentType.isEmpty()) {
      return true;
    }
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    int slash = type.indexOf('/');
    if (slash < 0 || type.indexOf('/', slash + 1) >= 0) {
      return false;
    }
    String subtype = type.substring(slash + 1);
    return type.startsWith("application/") && (subtype.equals("json") || subtype.endsWith("+json"));
  }

  private void peer(HttpServerRequest req, String id) {
    PeerRecord p = registry.index().peer(id);
    if (p == null) {
      reply(req, "peer", 404, new JsonObject().put("detail", "Peer not found"));
    } else if (!p.online()) {
      reply(req, "peer", 404, new JsonObject().put("detail", "Peer is offline"));
    } else {
      reply(req, "peer", 200, new JsonObject()
          .put("peer_id", p.peerId()).put("username", p.username()).put("ip", p.ip()).put("port", p.port()));
    }
  }

  private void unregister(HttpServerRequest req, String id) {
    PeerRecord p = registry.index().peer(id);
    if (p == null) {
      reply(req, "peer", 404, new JsonObject().put("detail", "Peer not found"));
      return;
    }
    // Already offline: answered once that state is committed, which an earlier DELETE may still be waiting for.
    Future<Void> done = p.online() ? registry.unregister(p) : registry.committed();
    done.onComplete(ar -> {
      if (ar.failed()) {
        reply(req, "peer", 500, new JsonObject().put("detail", "Internal Server Error"));
      } else {
        reply(req, "peer", 200, new JsonObject().put("status", "success").put("message", "Peer unregistered"));
      }
    });
  }

  private JsonObject peers() {
    JsonArray list = new JsonArray();
    for (PeerRecord p : registry.index().peers()) {
      if (p.online()) {
        list.add(new JsonObject()
            .put("peer_id", p.peerId()).put("username", p.username()).put("ip", p.ip()).put("port", p.port())
            .put("online", true).put("last_seen", pythonSeconds(p.lastSeenMicros())));
      }
    }
    return new JsonObject().put("peers", list).put("count", list.size());
  }

  /**
   * Microseconds as Python prints the float of those seconds: the shortest decimal that reads back as it
   * (six places or fewer: a double this size still tells microseconds apart), and at least one place.
   */
  static BigDecimal pythonSeconds(long micros) {
    BigDecimal d = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
    return d.scale() < 1 ? d.setScale(1) : d;
  }

  private JsonObject status() {
    JsonArray list = new JsonArray();
    RegistryIndex index = registry.index();
    for (PeerRecord p : index.peers()) {
      String shortId = p.peerId().substring(0, p.peerId().offsetByCodePoints(0, Math.min(16, p.peerId().codePointCount(0, p.peerId().length()))));
      list.add(new JsonObject().put("peer_id", shortId + "...").put("username", p.username()).put("online", p.online()));
    }
    return new JsonObject()
        .put("status", "running")
        .put("total_peers", index.peerCount())
        .put("online_peers", index.onlinePeerCount())
        .put("peer_list", list);
  }

  /** The connection's address, or the X-Forwarded-For client when the connection is a trusted proxy. */
  private String clientIp(HttpServerRequest req) {
    String direct = IpText.canonical(req.remoteAddress().host());
    List<String> lines = req.headers().getAll("x-forwarded-for");
    if (lines.isEmpty() || !trustedProxies.contains(direct)) {
      return direct;
    }
    // Several header lines are one list in order (RFC 9110 5.3): a proxy that adds its own line after one the
    // client sent (HAProxy's option forwardfor) puts the hop it saw last, where the walk below starts.
    String[] hops = String.join(",", lines).split(",");
    // Walk from the nearest hop back, skipping our own proxies; the first other address is the client.
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = IpText.canonical(hops[i].trim());
      if (!hop.isEmpty() && !trustedProxies.contains(hop)) {
        return hop;
      }
    }
    String first = IpText.canonical(hops[0].trim());
    return first.isEmpty() ? direct : first;
  }

  /**
   * The rate-limit key of the client address; a trusted proxy that forwarded something other than an
   * address is charged for it itself.
   */
  private static long sourceKey(String clientIp, HttpServerRequest req) {
    try {
      return SourceRateLimiter.keyOf(clientIp);
    } catch (IllegalArgumentException e) {
      return SourceRateLimiter.keyOf(req.remoteAddress().host());
    }
  }

  /** The body, or a failure as soon as it passes maxBodyBytes; the rest of an oversize body is read and dropped. */
  private Future<Buffer> readBody(HttpServerRequest req) {
    Promise<Buffer> body = Promise.promise();
    Buffer acc = Buffer.buffer();
    long[] received = {0};
    req.handler(chunk -> {
      received[0] += chunk.length();
      if (received[0] <= maxBodyBytes) {
        acc.appendBuffer(chunk);
      } else if (!body.tryFail("too large") && received[0] > maxBodyBytes * OVERSIZE_DRAIN_FACTOR) {
        req.connection().close();
      }
    });
    req.endHandler(v -> body.tryComplete(acc));
    req.exceptionHandler(body::tryFail);
    return body.future();
  }

  /**
   * Closes the connection once the client has sent its whole body. Closing on unread data makes the
   * kernel reset the connection, and a client still writing would lose the answer with it.
   */
  private static void closeAfterBody(HttpServerRequest req) {
    if (req.isEnded()) {
      req.connection().close();
    } else {
      req.endHandler(v -> req.connection().close());
    }
  }

  private Future<Void> reply(HttpServerRequest req, String route, int status, JsonObject body) {
    count(route, status);
    if (req.response().closed()) {
      return Future.succeededFuture();
    }
    Buffer bytes = utf8(body);
    req.response().setStatusCode(status).putHeader("content-type", "application/json")
        .putHeader("content-length", Integer.toString(bytes.length()));
    return req.method() == HttpMethod.HEAD ? req.response().end() : req.response().end(bytes);
  }

  /**
   * Compact JSON as raw UTF-8, like Python's {@code ensure_ascii=False}: Jackson's byte writer would
   * escape characters outside the BMP as surrogate pairs. A lone surrogate has no UTF-8 form, so a
   * body holding one keeps Jackson's escaped form.
   */
  private static Buffer utf8(JsonObject body) {
    try {
      ByteBuffer b = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(body.encode()));
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      return Buffer.buffer(bytes);
    } catch (CharacterCodingException e) {
      return body.toBuffer();
    }
  }

  private void count(String route, int status) {
    metrics.counter("rendezvous_s2_responses_total", "S2 REST responses by route and status",
        "route", route, "status", Integer.toString(status)).inc();
  }

  /** Percent-decodes a path the way Starlette does (no '+' to space). */
  static String decodePath(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length() && hex(raw.charAt(i + 1)) >= 0 && hex(raw.charAt(i + 2)) >= 0) {
        out.write(hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2)));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }
}
