package org.rendezvous.ws;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ServerMessagesTest {

  @Test
  void everyMessageInTheOriginalLayout() {
    assertEquals("{\"type\": \"error\", \"message\": \"Invalid JSON\"}", ServerMessages.error(ServerMessages.INVALID_JSON));
    assertEquals("{\"type\": \"registered\", \"username\": \"a\", \"user_id\": 7}", ServerMessages.registered("a", "7"));
    assertEquals("{\"type\": \"incoming_call\", \"caller_username\": \"a\", \"caller_id\": \"u1\"}",
        ServerMessages.incomingCall("a", "\"u1\""));
    assertEquals("{\"type\": \"call_accepted\", \"accepter_username\": \"b\"}", ServerMessages.callAccepted("b"));
    assertEquals("{\"type\": \"call_rejected\", \"rejecter_username\": \"b\"}", ServerMessages.callRejected("b"));
    assertEquals("{\"type\": \"ice_candidate\", \"from_username\": \"a\", \"data\": null}",
        ServerMessages.relay(ClientMessage.RelayType.ICE_CANDIDATE, "a", "null"));
    assertEquals("{\"type\": \"call_ended\", \"from_username\": \"a\"}", ServerMessages.callEnded("a"));
  }

  @Test
  void aRelayIsSentAsTheUtf8OfItsText() {
    String data = "{\"sdp\": \"v=0 \u00e9\ud83d\ude00\", \"n\": [1, 2.5]}";
    byte[] bytes = ServerMessages.relayUtf8(ClientMessage.RelayType.OFFER, "Jos\u00e9 \"q\"", RawJson.of(data));
    String text = "{\"type\": \"offer\", \"from_username\": \"Jos\\u00e9 \\\"q\\\"\", \"data\": " + data + "}";
    assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), bytes);
  }

  @Test
  void onlineUsersWithMicrosecondLocalTime() {
    String users = ServerMessages.usersArray(List.of(new OnlineUser("a", "\"1\"", "n", 1), new OnlineUser("b", "2", "n", 2)));
    assertEquals("[{\"username\": \"a\", \"user_id\": \"1\"}, {\"username\": \"b\", \"user_id\": 2}]", users);
    assertEquals("[]", ServerMessages.usersArray(List.of()));
    assertEquals("{\"type\": \"online_users\", \"users\": [], \"timestamp\": \"2026-11-21T20:14:26.467257\"}",
        ServerMessages.onlineUsers("[]", LocalDateTime.of(2026, 11, 21, 20, 14, 26, 467_257_000)));
    assertEquals("{\"type\": \"online_users\", \"users\": [], \"timestamp\": \"2026-01-02T03:04:05.000000\"}",
        ServerMessages.onlineUsers("[]", LocalDateTime.of(2026, 1, 2, 3, 4, 5)));
  }

  @Test
  void stringsAreEscapedAsJsonDumpsDoes() {
    assertEquals("\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f c\\u0001 del\\u007f \\u00e9 \\ud83d\\ude00 /\"",
        ServerMessages.quote("q\" b\\ n\n r\r t\t b\b f\f c\u0001 del\u007f \u00e9 \ud83d\ude00 /"));
  }
}
