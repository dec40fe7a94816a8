package org.rendezvous.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Reads a node's counters from its ops listener's Prometheus text ({@code /metrics}). */
final class NodeMetrics {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final URI uri;

  NodeMetrics(int opsPort) {
    this.uri = URI.create("http://127.0.0.1:" + opsPort + "/metrics");
  }

  /** Every series, keyed as printed: {@code name} or {@code name{label="v",…}}. */
  Map<String, Long> scrape() throws IOException, InterruptedException {
    HttpRequest get = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r;
    try {
      r = http.send(get, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      // The node closes a connection idle for a minute (ops idle timeout): a GET sent on a pooled connection just as
      // it closes gets EOF. Asked once more, on a new connection.
      r = http.send(get, HttpResponse.BodyHandlers.ofString());
    }
    if (r.statusCode() != 200) {
      throw new IOException(uri + " answered " + r.statusCode());
    }
    Map<String, Long> series = new HashMap<>();
    for (String line : r.body().split("\n")) {
      int space = line.lastIndexOf(' ');
      if (!line.startsWith("#") && space > 0) {
        series.put(line.substring(0, space), Long.parseLong(line.substring(space + 1).trim()));
      }
    }
    return series;
  }

  long value(String series) throws IOException, InterruptedException {
    return scrape().getOrDefault(series, 0L);
  }
}
