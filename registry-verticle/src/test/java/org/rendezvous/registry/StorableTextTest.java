package org.rendezvous.registry;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorableTextTest {

  @Test
  void wholePairsAndPlainTextAreStorable() {
    assertFalse(StorableText.hasLoneSurrogate(""));
    assertFalse(StorableText.hasLoneSurrogate("alice"));
    assertFalse(StorableText.hasLoneSurrogate("\uD83D\uDE00"));
    assertFalse(StorableText.hasLoneSurrogate("a\uD83D\uDE00b\uD83D\uDE01"));
  }

  @Test
  void halfAPairAnywhereIsNot() {
    assertTrue(StorableText.hasLoneSurrogate("\uD83D"));
    assertTrue(StorableText.hasLoneSurrogate("\uDE00"));
    assertTrue(StorableText.hasLoneSurrogate("a\uD83Db"));
    assertTrue(StorableText.hasLoneSurrogate("\uDE00\uD83D"));
    assertTrue(StorableText.hasLoneSurrogate("\uD83D\uDE00\uDE00"));
    assertTrue(StorableText.hasLoneSurrogate("ok\uD83D"));
  }
}
