package org.rendezvous.common;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Utf16Test {

  @Test
  void wholePairsAndPlainTextAreStorable() {
    assertFalse(Utf16.hasLoneSurrogate(""));
    assertFalse(Utf16.hasLoneSurrogate("alice"));
    assertFalse(Utf16.hasLoneSurrogate("\uD83D\uDE00"));
    assertFalse(Utf16.hasLoneSurrogate("a\uD83D\uDE00b\uD83D\uDE01"));
  }

  @Test
  void halfAPairAnywhereIsNot() {
    assertTrue(Utf16.hasLoneSurrogate("\uD83D"));
    assertTrue(Utf16.hasLoneSurrogate("\uDE00"));
    assertTrue(Utf16.hasLoneSurrogate("a\uD83Db"));
    assertTrue(Utf16.hasLoneSurrogate("\uDE00\uD83D"));
    assertTrue(Utf16.hasLoneSurrogate("\uD83D\uDE00\uDE00"));
    assertTrue(Utf16.hasLoneSurrogate("ok\uD83D"));
  }
}
