package org.rendezvous.common;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {

  @Test
  void countersAndGaugesRenderAsPrometheusText() {
    Metrics m = new Metrics();
    Metrics.Counter ok = m.counter("x_total", "things", "result", "ok");
    assertSame(ok, m.counter("x_total", "things", "result", "ok"), "same name and labels, same counter");
    ok.add(3);
    m.counter("x_total", "things", "result", "bad\"q").inc();
    m.gauge("y", "level", () -> 7);
    String text = m.render();
    assertTrue(text.contains("# TYPE x_total counter\nx_total{result=\"bad\\\"q\"} 1\nx_total{result=\"ok\"} 3\n"), text);
    assertTrue(text.contains("# TYPE y gauge\ny 7\n"), text);
    assertThrows(IllegalArgumentException.class, () -> m.gauge("x_total", "again", () -> 1));
  }

  @Test
  void aGaugeThatThrowsCostsOnlyItsOwnLine() {
    Metrics m = new Metrics();
    m.gauge("a_ok", "fine", () -> 1);
    m.gauge("b_broken", "throws", () -> {
      throw new java.util.ConcurrentModificationException();
    });
    m.gauge("c_ok", "fine", () -> 3);
    String text = m.render();
    assertTrue(text.contains("\na_ok 1\n") && text.contains("\nc_ok 3\n"), text);
    assertFalse(text.contains("\nb_broken "), text);
  }

  @Test
  void histogramsAreCumulativeWithSumAndCount() {
    Metrics m = new Metrics();
    Metrics.Histogram h = m.histogram("lat_us", "latency", new long[] {10, 100}, "kind", "a");
    for (long v : new long[] {5, 10, 50, 500}) {
      h.observe(v);
    }
    String text = m.render();
    assertTrue(text.contains("# TYPE lat_us histogram\n"
        + "lat_us_bucket{kind=\"a\",le=\"10\"} 2\n"
        + "lat_us_bucket{kind=\"a\",le=\"100\"} 3\n"
        + "lat_us_bucket{kind=\"a\",le=\"+Inf\"} 4\n"
        + "lat_us_sum{kind=\"a\"} 565\n"
        + "lat_us_count{kind=\"a\"} 4\n"), text);
    assertEquals(4, m.value("lat_us_count", "kind", "a"));
    assertEquals(3, m.value("lat_us_bucket", "kind", "a", "le", "100"));
    assertEquals(565, m.value("lat_us_sum", "kind", "a"));
  }
}
