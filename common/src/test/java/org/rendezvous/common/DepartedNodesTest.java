package org.rendezvous.common;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
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
  void theChecksOfAMemberBackFromASplitRunAtOnceOnlyWhenItWasSeenLeaving() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      DepartedNodes gone = new DepartedNodes();
      List<String> ran = new ArrayList<>();
      gone.rejoined(vertx, "new", () -> ran.add("at once"), () -> ran.add("later"));
      assertEquals(List.of(), ran, "a member never seen leaving is not checked");
      gone.left("back");
      gone.rejoined(vertx, "back", () -> ran.add("at once"), () -> ran.add("later"));
      assertEquals(List.of("at once"), ran, "the second check waits for the merge");
      assertFalse(gone.contains("back"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
