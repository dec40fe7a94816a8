package org.rendezvous.ws;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The calls of this node's users: a call is active from call_accepted until call_ended,
 * call_rejected or a disconnect. Each side of a call is recorded on its own home node, so the
 * node that loses a user (or survives a partner's node) knows whom to send call_ended.
 */
public final class CallBook {

  /** A call seen from one of this node's users. */
  public record Call(String localUser, String partner) {
  }

  private final Map<String, Set<String>> partnersOf = new HashMap<>();
  private final Map<String, Set<String>> localUsersCalling = new HashMap<>();
  /** {@link #size()}, kept as a count because /metrics reads it from another thread than the one changing the maps. */
  private volatile int active;

  public void start(String localUser, String partner) {
    if (partnersOf.computeIfAbsent(localUser, k -> new HashSet<>()).add(partner)) {
      active++; // one writer: the verticle's event loop
    }
    localUsersCalling.computeIfAbsent(partner, k -> new HashSet<>()).add(localUser);
  }

  /** Ends the call between {@code localUser} and {@code partner}; false when there was none. */
  public boolean end(String localUser, String partner) {
    Set<String> partners = partnersOf.get(localUser);
    if (partners == null || !partners.remove(partner)) {
      return false;
    }
    active--;
    if (partners.isEmpty()) {
      partnersOf.remove(localUser);
    }
    Set<String> locals = localUsersCalling.get(partner);
    locals.remove(localUser);
    if (locals.isEmpty()) {
      localUsersCalling.remove(partner);
    }
    return true;
  }

  /** Ends every call of {@code localUser} (it left) and returns its partners. */
  public Set<String> endAllOf(String localUser) {
    Set<String> partners = partnersOf.get(localUser);
    if (partners == null) {
      return Set.of();
    }
    Set<String> copy = Set.copyOf(partners);
    copy.forEach(p -> end(localUser, p));
    return copy;
  }

  /** Ends every call of this node's users with {@code partner} (it is gone) and returns them. */
  public List<Call> endAllWith(String partner) {
    Set<String> locals = localUsersCalling.get(partner);
    if (locals == null) {
      return List.of();
    }
    List<Call> ended = locals.stream().map(l -> new Call(l, partner)).toList();
    ended.forEach(c -> end(c.localUser(), partner));
    return ended;
  }

  public boolean inCall(String localUser, String partner) {
    Set<String> partners = partnersOf.get(localUser);
    return partners != null && partners.contains(partner);
  }

  /** Active calls counted from this node's side; safe to read from any thread. */
  public int size() {
    return active;
  }
}
