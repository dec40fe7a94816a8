package org.rendezvous.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The S2 REST peer registry (x20chat's signaling server API). */
public final class PeerRegistryClient {

  /** A registered peer as GET /peer/{id} or /peers return it. */
  public record Peer(String peerId, String username, String ip, long port) {
  }

  private final String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** {@code baseUrl} like {@code http://203.0.113.1:8000}. */
  public PeerRegistryClient(String baseUrl) {
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  /** Registers (the original client's request shape) and returns the public IP the server saw. */
  public String register(String peerId, String username, int port) throws IOException {
    JsonObject body = new JsonObject().put("peer_id", peerId).put("username", username).put("port", port);
    JsonObject reply = call(HttpRequest.newBuilder(URI.create(base + "/register"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())), 200);
    return reply.getString("public_ip");
  }

  /** The peer, or empty when the server says it is unknown or offline. */
  public Optional<Peer> peer(String peerId) throws IOException {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/peer/" + encode(peerId))).GET());
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    JsonObject p = check(r, 200);
    return Optional.of(new Peer(p.getString("peer_id"), p.getString("username"), p.getString("ip"), p.getLong("port")));
  }

  /** Online peers in registration order. */
  public List<Peer> peers() throws IOException {
    JsonObject reply = call(HttpRequest.newBuilder(URI.create(base + "/peers")).GET(), 200);
    List<Peer> out = new ArrayList<>();
    JsonArray list = reply.getJsonArray("peers");
    for (int i = 0; i < list.size(); i++) {
      JsonObject p = list.getJsonObject(i);
      out.add(new Peer(p.getString("peer_id"), p.getString("username"), p.getString("ip"), p.getLong("port")));
    }
    return out;
  }

  public void unregister(String peerId) throws IOException {
    call(HttpRequest.newBuilder(URI.create(base + "/peer/" + encode(peerId))).DELETE(), 200);
  }

  private JsonObject call(HttpRequest.Builder req, int expected) throws IOException {
    return check(send(req), expected);
  }

  private HttpResponse<String> send(HttpRequest.Builder req) throws IOException {
    try {
      return http.send(req.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static JsonObject check(HttpResponse<String> r, int expected) throws IOException {
    if (r.statusCode() != expected) {
      throw new IOException("server answered " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body());
  }

  private static String encode(String segment) {
    return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }
}
