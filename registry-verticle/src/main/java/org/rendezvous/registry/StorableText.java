package org.rendezvous.registry;

/** Checks on text the registry keeps in SQLite, shared by the S2 request parser and the S3 name path. */
final class StorableText {

  private StorableText() {
  }

  /**
   * True when {@code s} holds half a surrogate pair. JSON can escape one on its own, but no UTF-8 text
   * holds it, so SQLite would keep the text changed.
   */
  static boolean hasLoneSurrogate(String s) {
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
