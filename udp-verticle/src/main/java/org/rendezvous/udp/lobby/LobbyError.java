package org.rendezvous.udp.lobby;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The S4 error replies, each with its exact wire text ({@code error:<label>}). */
public enum LobbyError {
  INVALID_REQUEST,
  SESSION_EXISTS,
  SESSION_NON_EXISTENT,
  PASSWORD_MISMATCH,
  ONLY_ONE_PLAYER_IN_SESSION,
  SESSION_FULL,
  PLAYER_NAME_IN_USE,
  NON_EXISTENT_PLAYER,
  NON_HOST_PLAYER,
  KICKED_BY_HOST,
  PLAYER_EXITED_SESSION,
  SESSION_NOT_STARTED,
  SESSION_TIMEOUT,
  PLAYER_TIMEOUT;

  private final String label = name().toLowerCase(Locale.ROOT);
  private final String wire = "error:" + label;
  private final byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);

  /** The part after {@code error:}, also the metric label. */
  public String label() {
    return label;
  }

  public String wire() {
    return wire;
  }

  /** The wire text as bytes; shared, never modify. */
  byte[] bytes() {
    return bytes;
  }
}
