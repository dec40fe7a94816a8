package org.rendezvous.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.Poll;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * SPEC §2 rule 5: a node that starts or rejoins pulls the entries it missed. Here a member is cut off
 * while it keeps running (SIGSTOP past the heartbeat timeout: the others drop it), misses a write, and
 * comes back through Hazelcast's merge without restarting.
 */
class RegistryRejoinTest {

  @TempDir
  Path dir;

  @Test
  void aMemberDroppedWhileRunningGetsTheWritesItMissedWhenItRejoins() throws Exception {
    List<NodeProcess> pair = NodeProcess.twoMembersQuickToMerge(dir, new JsonObject());
    try (NodeProcess a = pair.get(0); NodeProcess b = pair.get(1)) {
      NodeProcess.startCluster(a, b);
      assertEquals(200, a.s2("POST", "/register", "{\"peer_id\":\"before\",\"username\":\"u\",\"port\":1}"));
      Poll.until(10_000, "the first write on b", () -> b.s2("GET", "/peer/before", null) == 200 ? true : null);

      b.pause();
      Poll.until(30_000, "a to drop the silent member", () -> a.clusterSize() == 1 ? true : null);
      assertEquals(200, a.s2("POST", "/register", "{\"peer_id\":\"during\",\"username\":\"u\",\"port\":2}"));
      assertEquals(200, a.s2("DELETE", "/peer/before", null));
      b.resume();

      Poll.until(60_000, "one cluster again", () -> a.clusterSize() == 2 && b.clusterSize() == 2 ? true : null);
      Poll.until(30_000, "b to have the register it missed", () -> b.s2("GET", "/peer/during", null) == 200 ? true : null);
      Poll.until(30_000, "b to have the unregister it missed",
          () -> b.s2("GET", "/peer/before", null) == 404 ? true : null);
    }
  }
}
