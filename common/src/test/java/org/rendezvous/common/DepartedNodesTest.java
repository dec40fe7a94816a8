package org.rendezvous.common;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DepartedNodesTest {

  @Test
  void aMemberSeenLeavingIsBackOnceWhenItJoins() {
    DepartedNodes gone = new DepartedNodes();
    assertFalse(gone.rejoined("a"), "a member never seen leaving is new, not back");
    gone.left("a");
    assertTrue(gone.contains("a"));
    assertTrue(gone.rejoined("a"));
    assertFalse(gone.contains("a"));
    assertFalse(gone.rejoined("a"), "back once");
  }

  @Test
  void pastTheBoundTheLongestGoneAreForgottenFirst() {
    DepartedNodes gone = new DepartedNodes(3);
    gone.left("a");
    gone.left("b");
    gone.left("c");
    gone.left("a"); // left again: now the most recent
    gone.left("d");
    assertEquals(3, gone.size());
    assertFalse(gone.contains("b"), "the longest gone");
    assertTrue(gone.contains("a"));
    assertTrue(gone.contains("c"));
    assertTrue(gone.contains("d"));
    assertThrows(IllegalArgumentException.class, () -> new DepartedNodes(0));
  }

  @Test
  void theChecksOfAMemberBackFromASplitRunAtOnceAndAfterTheMergeOnlyWhenItWasSeenLeaving() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      DepartedNodes gone = new DepartedNodes();
      List<String> ran = new CopyOnWriteArrayList<>();
      gone.rejoined(vertx, "new", () -> ran.add("at once"), () -> ran.add("later"));
      assertEquals(List.of(), ran, "a member never seen leaving is not checked");
      gone.left("back");
      CompletableFuture<Void> laterRan = new CompletableFuture<>();
      long t0 = System.nanoTime();
      gone.rejoined(vertx, "back", () -> ran.add("at once"), () -> {
        ran.add("later");
        laterRan.complete(null);
      });
      assertEquals(List.of("at once"), ran, "the second check waits for the merge");
      assertFalse(gone.contains("back"));
      laterRan.get(DepartedNodes.RECHECK_MS + 10_000, TimeUnit.MILLISECONDS);
      assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(DepartedNodes.RECHECK_MS - 1_000),
          "not before the merge delay");
      assertEquals(List.of("at once", "later"), ran, "the new member got no delayed check");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
