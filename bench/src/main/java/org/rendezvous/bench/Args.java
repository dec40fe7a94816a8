package org.rendezvous.bench;

import java.util.HashMap;
import java.util.Map;

/** Command-line options of the load generators: {@code --name value} pairs, each with a default. */
final class Args {

  private final Map<String, String> values = new HashMap<>();

  Args(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
      }
      values.put(args[i].substring(2), args[++i]);
    }
  }

  String text(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  int integer(String name, int fallback) {
    return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
  }

  double seconds(String name, double fallback) {
    double s = values.containsKey(name) ? Double.parseDouble(values.get(name)) : fallback;
    if (!(s >= 0 && s <= 3600)) {
      throw new IllegalArgumentException("--" + name + " must be 0..3600 seconds");
    }
    return s;
  }
}
