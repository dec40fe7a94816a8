package org.rendezvous.pairing;

/**
 * The S1 client hello, as stunturn's Go server decodes it: four strings, a key absent from the
 * JSON (or null in it) leaves its field empty.
 */
public record Hello(String uuid, String targetIp, String protocol, String address) {

  public static final Hello EMPTY = new Hello("", "", "", "");

  Hello with(Field field, String value) {
    return switch (field) {
      case UUID -> new Hello(value, targetIp, protocol, address);
      case TARGET_IP -> new Hello(uuid, value, protocol, address);
      case PROTOCOL -> new Hello(uuid, targetIp, value, address);
      case ADDRESS -> new Hello(uuid, targetIp, protocol, value);
    };
  }

  /** The hello's JSON keys, matched case-insensitively like Go's encoding/json. */
  enum Field {
    UUID("uuid"), TARGET_IP("target_ip"), PROTOCOL("protocol"), ADDRESS("address");

    final String jsonKey;

    Field(String jsonKey) {
      this.jsonKey = jsonKey;
    }

    /** Exact match first, then Go's case folding (so "UUID" and "Uuid" match). */
    static Field of(String key) {
      for (Field f : values()) {
        if (f.jsonKey.equals(key)) {
          return f;
        }
      }
      for (Field f : values()) {
        if (foldEquals(key, f.jsonKey)) {
          return f;
        }
      }
      return null;
    }

    /**
     * Go's bytes.EqualFold against a lower-case ASCII name: a letter matches either case, and 's'
     * also matches U+017F (long s), its one non-ASCII Unicode fold among these names' letters.
     * Java's equalsIgnoreCase would also accept U+0130 and U+0131 for 'i', which Go does not.
     */
    private static boolean foldEquals(String key, String name) {
      if (key.length() != name.length()) {
        return false;
      }
      for (int i = 0; i < name.length(); i++) {
        char c = key.charAt(i);
        char n = name.charAt(i);
        boolean letter = n >= 'a' && n <= 'z';
        if (c != n && !(letter && c == n - ('a' - 'A')) && !(n == 's' && c == '\u017f')) {
          return false;
        }
      }
      return true;
    }
  }
}
