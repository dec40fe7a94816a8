package org.rendezvous.common;

import org.junit.jupiter.api.Test;

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
}
