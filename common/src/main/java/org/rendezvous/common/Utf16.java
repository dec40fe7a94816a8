package org.rendezvous.common;

/** Checks on Java text that must go out as UTF-8: SQLite files, Hazelcast keys, event-bus addresses. */
public final class Utf16 {

  private Utf16() {
  }

  /**
   * True when {@code s} holds half a surrogate pair. JSON can escape one on its own, but no UTF-8 text
   * holds it: written as UTF-8 (to SQLite, as a Hazelcast key or an event-bus address) it turns into
   * {@code ?}, and two different texts become one.
   */
  public static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
