package org.rendezvous.node;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.rendezvous.common.ClusterEvents;
import org.rendezvous.testkit.ClusterTestKit;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Membership changes reach services as node-local events carrying the node id (SPEC §2 rule 4). */
class ClusterEventsTest {

  @Test
  void survivorsHearThatANodeLeftWithItsId() throws Exception {
    List<Vertx> members = ClusterTestKit.cluster(2);
    Vertx a = members.get(0);
    Vertx b = members.get(1);
    try {
      String bId = ClusterTestKit.nodeId(b);
      CompletableFuture<String> left = new CompletableFuture<>();
      a.eventBus().<String>localConsumer(ClusterEvents.NODE_LEFT, m -> left.complete(m.body()))
          .completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      ClusterTestKit.close(b);
      b = null;
      assertEquals(bId, left.get(30, TimeUnit.SECONDS));
    } finally {
      ClusterTestKit.close(b);
      ClusterTestKit.close(a);
    }
  }
}
