package org.rendezvous.registry;

/** The last-writer-wins order of SPEC §2 rule 5: by timestamp, then by origin node id. */
final class Versions {

  private Versions() {
  }

  static boolean newer(long version, String origin, long otherVersion, String otherOrigin) {
    if (version != otherVersion) {
      return version > otherVersion;
    }
    return origin.compareTo(otherOrigin) > 0;
  }
}
