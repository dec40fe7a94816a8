package org.rendezvous.udp.lobby;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The S4 session state machine, every command and error in the spec's order, driven by a hand-moved clock. */
class LobbySessionTest {

  private static final String NODE_A = "node-a";
  private static final String NODE_B = "node-b";
  private static final Peer HOST = new Peer("10.0.0.1", 4001, NODE_A);
  private static final Peer BOB = new Peer("10.0.0.2", 4002, NODE_A);
  private static final Peer CAT = new Peer("10.0.0.3", 4003, NODE_A);
  private static final Peer DAN = new Peer("10.0.0.4", 4004, NODE_A);
  private static final Peer STRANGER = new Peer("10.0.0.9", 4009, NODE_A);

  private long now = 1_000_000;
  private SessionOutput out;
  private LobbySession session;

  private static LobbyCommand command(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    LobbyCodec.Parsed p = LobbyCodec.parse(b, 0, b.length);
    assertEquals(LobbyCodec.Verdict.COMMAND, p.verdict(), text);
    return p.command();
  }

  /** A fresh output, the request handled at the current time. */
  private void request(Peer from, String text) {
    out = new SessionOutput();
    session.handle(command(text), from, now, out);
  }

  private void tickAt(long at) {
    now = at;
    out = new SessionOutput();
    session.tick(now, out);
  }

  /** Every datagram of the last call as "ip:port text" (delayed ones with "+delay"), in order. */
  private List<String> sent() {
    return out.datagrams().stream()
        .map(d -> d.to().ip() + ":" + d.to().port() + " " + d.text() + (d.delayMs() > 0 ? " +" + d.delayMs() : ""))
        .toList();
  }

  private static String to(Peer p, String text) {
    return p.ip() + ":" + p.port() + " " + text;
  }

  private void hostSession(String hostRequest) {
    out = new SessionOutput();
    session = LobbySession.create(command(hostRequest), HOST, now, LobbyTimers.SPEC, out);
  }

  /** Host "Hosty" and players Bob, Cat (and Dan) in that order, outputs discarded. */
  private void lobbyOf(int players, String hostRequest) {
    hostSession(hostRequest);
    Peer[] peers = {BOB, CAT, DAN};
    String[] names = {"Bob", "Cat", "Dan"};
    for (int i = 0; i < players - 1; i++) {
      request(peers[i], "c:Room:" + names[i] + (hostRequest.split(":").length == 5 ? ":" + hostRequest.split(":")[4] : ""));
    }
  }

  @BeforeEach
  void defaultSession() {
    hostSession("h:Room:Hosty:4");
  }

  // --- h ---

  @Test
  void hostCreatesTheSessionAndIsToldItIsItsOnlyPlayer() {
    assertEquals(List.of(to(HOST, "i:Hosty")), sent());
    assertEquals(List.of("Hosty"), session.playerNames());
    assertEquals("Room", session.name());
  }

  @Test
  void hostRetransmittedFromTheHostsAddressGetsTheInfoAgain() {
    request(BOB, "c:Room:Bob");
    request(HOST, "h:Room:Hosty:4");
    assertEquals(List.of(to(HOST, "i:Hosty:Bob")), sent());
    // Whatever the other arguments: the host's address is what makes it a retransmit.
    request(HOST, "h:Room:Other:9:pw");
    assertEquals(List.of(to(HOST, "i:Hosty:Bob")), sent());
    assertEquals(Map.of(), out.errors());
  }

  @Test
  void hostFromAnyOtherAddressFindsTheSessionExists() {
    request(STRANGER, "h:Room:Hosty:4");
    assertEquals(List.of(to(STRANGER, "error:session_exists")), sent());
    assertEquals(Map.of(LobbyError.SESSION_EXISTS, 1), out.errors());
  }

  @Test
  void hostWhileStartingFindsTheSessionExistsEvenFromTheHost() {
    request(BOB, "c:Room:Bob");
    request(HOST, "s:Room:Hosty");
    request(HOST, "h:Room:Hosty:4");
    assertEquals(List.of(to(HOST, "error:session_exists")), sent());
  }

  @Test
  void onlyAnHostRequestCreatesASession() {
    assertThrows(IllegalArgumentException.class,
        () -> LobbySession.create(command("c:Room:Bob"), BOB, now, LobbyTimers.SPEC, new SessionOutput()));
  }

  // --- c, checks in order: starting, password, full, name ---

  @Test
  void joinAddsThePlayerAndBroadcastsTheListToEveryone() {
    request(BOB, "c:Room:Bob");
    assertEquals(List.of(to(HOST, "i:Hosty:Bob"), to(BOB, "i:Hosty:Bob")), sent());
    request(CAT, "c:Room:Cat");
    assertEquals(List.of(to(HOST, "i:Hosty:Bob:Cat"), to(BOB, "i:Hosty:Bob:Cat"), to(CAT, "i:Hosty:Bob:Cat")), sent());
  }

  @Test
  void joinWhileStartingIsToldTheSessionDoesNotExistBeforeAnyOtherCheck() {
    lobbyOf(2, "h:Room:Hosty:2:pw");
    request(HOST, "s:Room:Hosty");
    // Wrong password, full and a name in use would each fail too: starting is checked first.
    request(STRANGER, "c:Room:Bob:wrong");
    assertEquals(List.of(to(STRANGER, "error:session_non_existent")), sent());
  }

  @Test
  void joinWithAMissingOrWrongPasswordIsRefusedBeforeTheFullCheck() {
    lobbyOf(2, "h:Room:Hosty:2:pw");
    request(STRANGER, "c:Room:Eve");
    assertEquals(List.of(to(STRANGER, "error:password_mismatch")), sent());
    request(STRANGER, "c:Room:Eve:PW");
    assertEquals(List.of(to(STRANGER, "error:password_mismatch")), sent(), "passwords are case-sensitive");
    request(STRANGER, "c:Room:Eve:pw");
    assertEquals(List.of(to(STRANGER, "error:session_full")), sent());
  }

  @Test
  void aSessionWithoutPasswordAcceptsAnyPassword() {
    request(BOB, "c:Room:Bob:whatever");
    assertEquals(List.of("Hosty", "Bob"), session.playerNames());
  }

  @Test
  void fullIsCheckedBeforeTheDuplicateSoEvenARetransmitIsToldFull() {
    lobbyOf(2, "h:Room:Hosty:2");
    request(BOB, "c:Room:Bob");
    assertEquals(List.of(to(BOB, "error:session_full")), sent());
  }

  @Test
  void joinRetransmittedFromTheSameAddressGetsTheInfoOnlyItself() {
    request(BOB, "c:Room:Bob");
    request(CAT, "c:Room:Cat");
    request(BOB, "c:Room:Bob");
    assertEquals(List.of(to(BOB, "i:Hosty:Bob:Cat")), sent());
    assertEquals(3, session.playerCount());
  }

  @Test
  void aNameTakenFromAnotherAddressIsInUse() {
    request(BOB, "c:Room:Bob");
    request(STRANGER, "c:Room:Bob");
    assertEquals(List.of(to(STRANGER, "error:player_name_in_use")), sent());
    request(STRANGER, "c:Room:Hosty");
    assertEquals(List.of(to(STRANGER, "error:player_name_in_use")), sent());
  }

  // --- p ---

  @Test
  void pingRefreshesThePlayerAndAnswersTheList() {
    request(BOB, "c:Room:Bob");
    request(BOB, "p:Room:Bob");
    assertEquals(List.of(to(BOB, "i:Hosty:Bob")), sent());
  }

  @Test
  void pingForAnUnknownPlayerIsToldSo() {
    request(BOB, "p:Room:Bob");
    assertEquals(List.of(to(BOB, "error:non_existent_player")), sent());
  }

  @Test
  void pingFromAnotherAddressDoesNotKeepThePlayerAlive() {
    request(BOB, "c:Room:Bob");
    now += 3_000;
    request(HOST, "p:Room:Hosty");
    request(STRANGER, "p:Room:Bob");
    assertEquals(List.of(to(STRANGER, "error:non_existent_player")), sent());
    tickAt(now + 2_500);
    assertEquals(List.of("Hosty"), session.playerNames(), "Bob's last ping was 5.5 s ago: the stranger's did not count");
  }

  @Test
  void pingFromAnUnconfirmedPlayerWhileStartingGetsItsStartMessageAgain() {
    request(BOB, "c:Room:Bob");
    request(HOST, "s:Room:Hosty");
    request(BOB, "p:Room:Bob");
    assertEquals(List.of(to(BOB, "s:4002:Hosty:10.0.0.1:4001")), sent());
    request(BOB, "y:Room:Bob");
    request(BOB, "p:Room:Bob");
    assertEquals(List.of(to(BOB, "i:Hosty:Bob")), sent(), "a confirmed player's ping is an ordinary ping");
  }

  // --- k, checks in order: target, host ---

  @Test
  void kickOfAnUnknownPlayerIsToldSoBeforeTheHostCheck() {
    request(BOB, "c:Room:Bob");
    request(BOB, "k:Room:Nobody");
    assertEquals(List.of(to(BOB, "error:non_existent_player")), sent());
  }

  @Test
  void kickFromANonHostIsRefused() {
    request(BOB, "c:Room:Bob");
    request(BOB, "k:Room:Hosty");
    assertEquals(List.of(to(BOB, "error:non_host_player")), sent());
    assertEquals(2, session.playerCount());
  }

  @Test
  void kickTellsTheTargetOnceAndTheOthersTheNewList() {
    lobbyOf(3, "h:Room:Hosty:4");
    request(HOST, "k:Room:Bob");
    assertEquals(List.of(to(BOB, "error:kicked_by_host"), to(HOST, "i:Hosty:Cat"), to(CAT, "i:Hosty:Cat")), sent());
    assertEquals(Map.of(LobbyError.KICKED_BY_HOST, 1), out.errors());
  }

  @Test
  void aKickedPlayerMayJoinAgain() {
    request(BOB, "c:Room:Bob");
    request(HOST, "k:Room:Bob");
    request(BOB, "c:Room:Bob");
    assertEquals(List.of("Hosty", "Bob"), session.playerNames());
  }

  @Test
  void theHostKickingItselfHandsTheSessionToTheNextPlayer() {
    lobbyOf(3, "h:Room:Hosty:4");
    request(HOST, "k:Room:Hosty");
    assertEquals(List.of(to(HOST, "error:kicked_by_host"), to(BOB, "i:Bob:Cat"), to(CAT, "i:Bob:Cat")), sent());
    request(HOST, "k:Room:Cat");
    assertEquals(List.of(to(HOST, "error:non_host_player")), sent(), "the old host's address is not the host any more");
    request(BOB, "k:Room:Cat");
    assertEquals(List.of(to(CAT, "error:kicked_by_host"), to(BOB, "i:Bob")), sent());
  }

  @Test
  void kickingTheLastPlayerDeletesTheSession() {
    request(HOST, "k:Room:Hosty");
    assertEquals(List.of(to(HOST, "error:kicked_by_host")), sent());
    assertTrue(session.ended());
    assertEquals(Long.MAX_VALUE, session.nextDeadline());
  }

  // --- x ---

  @Test
  void exitRemovesThePlayerAndTellsOnlyIt() {
    lobbyOf(3, "h:Room:Hosty:4");
    request(BOB, "x:Room:Bob");
    assertEquals(List.of(to(BOB, "error:player_exited_session")), sent());
    assertEquals(List.of("Hosty", "Cat"), session.playerNames());
  }

  @Test
  void exitOfAnUnknownPlayerOrFromAnotherAddressIsRefused() {
    request(BOB, "c:Room:Bob");
    request(BOB, "x:Room:Nobody");
    assertEquals(List.of(to(BOB, "error:non_existent_player")), sent());
    request(STRANGER, "x:Room:Bob");
    assertEquals(List.of(to(STRANGER, "error:non_existent_player")), sent());
    assertEquals(2, session.playerCount(), "only Bob's own address removes Bob");
  }

  @Test
  void theHostExitingHandsTheSessionToTheNextPlayer() {
    lobbyOf(3, "h:Room:Hosty:4");
    request(HOST, "x:Room:Hosty");
    request(BOB, "h:Room:Bob:4");
    assertEquals(List.of(to(BOB, "i:Bob:Cat")), sent(), "Bob's h is now the host's retransmit");
  }

  @Test
  void theLastPlayerExitingDeletesTheSession() {
    request(HOST, "x:Room:Hosty");
    assertTrue(session.ended());
  }

  // --- s, checks in order: starting, host, players ---

  @Test
  void startFromANonHostIsRefused() {
    request(BOB, "c:Room:Bob");
    request(BOB, "s:Room:Bob");
    assertEquals(List.of(to(BOB, "error:non_host_player")), sent());
    assertFalse(session.starting());
  }

  @Test
  void startWithTheHostAloneIsRefused() {
    request(HOST, "s:Room:Hosty");
    assertEquals(List.of(to(HOST, "error:only_one_player_in_session")), sent());
    assertFalse(session.starting());
  }

  @Test
  void startSendsEachPlayerItsOwnPortAndTheOthersInJoinOrder() {
    lobbyOf(3, "h:Room:Hosty:4");
    request(HOST, "s:Room:Hosty");
    assertEquals(List.of(
        to(HOST, "s:4001:Bob:10.0.0.2:4002;Cat:10.0.0.3:4003"),
        to(BOB, "s:4002:Hosty:10.0.0.1:4001;Cat:10.0.0.3:4003"),
        to(CAT, "s:4003:Hosty:10.0.0.1:4001;Bob:10.0.0.2:4002")), sent());
    assertEquals(1, out.starts());
    assertTrue(session.starting());
  }

  @Test
  void startWhileStartingIsIgnoredWhoeverSendsIt() {
    request(BOB, "c:Room:Bob");
    request(HOST, "s:Room:Hosty");
    request(BOB, "s:Room:Bob");
    assertEquals(List.of(), sent());
    assertEquals(1, out.startsIgnored());
    request(HOST, "s:Room:Hosty");
    assertEquals(List.of(), sent());
  }

  @Test
  void startMessagesGoOutInEightRoundsAHundredMillisecondsApartThenTheSessionIsDeleted() {
    lobbyOf(2, "h:Room:Hosty:4");
    long t0 = now;
    request(HOST, "s:Room:Hosty");
    int rounds = 1;
    assertEquals(t0 + 100, session.nextDeadline());
    tickAt(t0 + 99);
    assertEquals(List.of(), sent(), "not before 100 ms");
    for (int r = 1; r < LobbySession.START_ROUNDS; r++) {
      tickAt(t0 + 100L * r);
      assertEquals(List.of(to(HOST, "s:4001:Bob:10.0.0.2:4002"), to(BOB, "s:4002:Hosty:10.0.0.1:4001")), sent(), "round " + r);
      rounds++;
    }
    assertEquals(8, rounds);
    assertFalse(session.ended());
    tickAt(t0 + 800);
    assertEquals(List.of(), sent());
    assertTrue(session.ended(), "deleted one interval after the eighth round");
  }

  @Test
  void confirmedPlayersGetNoMoreRoundsButStillAppearInTheOthersMessages() {
    lobbyOf(3, "h:Room:Hosty:4");
    long t0 = now;
    request(HOST, "s:Room:Hosty");
    request(BOB, "y:Room:Bob");
    assertEquals(List.of(), sent(), "a confirmation has no reply");
    tickAt(t0 + 100);
    // The original dropped confirmed players from later rounds; every round lists everyone else.
    assertEquals(List.of(
        to(HOST, "s:4001:Bob:10.0.0.2:4002;Cat:10.0.0.3:4003"),
        to(CAT, "s:4003:Hosty:10.0.0.1:4001;Bob:10.0.0.2:4002")), sent());
  }

  @Test
  void theSessionIsDeletedAtOnceWhenEveryPlayerConfirmed() {
    lobbyOf(3, "h:Room:Hosty:4");
    request(HOST, "s:Room:Hosty");
    request(HOST, "y:Room:Hosty");
    request(CAT, "y:Room:Cat");
    assertFalse(session.ended());
    request(BOB, "y:Room:Bob");
    assertTrue(session.ended());
  }

  @Test
  void kickingTheLastUnconfirmedPlayerWhileStartingEndsTheSession() {
    lobbyOf(3, "h:Room:Hosty:4");
    request(HOST, "s:Room:Hosty");
    request(HOST, "y:Room:Hosty");
    request(BOB, "y:Room:Bob");
    request(HOST, "k:Room:Cat");
    assertTrue(session.ended());
  }

  // --- y, checks in order: starting, player ---

  @Test
  void confirmBeforeStartIsToldTheSessionHasNotStarted() {
    request(BOB, "c:Room:Bob");
    request(BOB, "y:Room:Nobody");
    assertEquals(List.of(to(BOB, "error:session_not_started")), sent());
  }

  @Test
  void confirmOfAnUnknownOrAlreadyConfirmedPlayerIsRefused() {
    lobbyOf(3, "h:Room:Hosty:4");
    request(HOST, "s:Room:Hosty");
    request(BOB, "y:Room:Nobody");
    assertEquals(List.of(to(BOB, "error:non_existent_player")), sent());
    request(BOB, "y:Room:Bob");
    request(BOB, "y:Room:Bob");
    assertEquals(List.of(to(BOB, "error:non_existent_player")), sent());
  }

  // --- timers ---

  @Test
  void aPlayerSilentForMoreThanFiveSecondsIsRemovedToldThreeTimesAndTheOthersGetTheList() {
    lobbyOf(3, "h:Room:Hosty:4");
    long joined = now;
    now += 2_000;
    request(HOST, "p:Room:Hosty");
    request(CAT, "p:Room:Cat");
    assertEquals(joined + 5_001, session.nextDeadline(), "Bob's deadline comes first");
    tickAt(joined + 5_000);
    assertEquals(List.of(), sent(), "exactly 5 s is not more than 5 s");
    tickAt(joined + 5_001);
    assertEquals(List.of(
        to(BOB, "error:player_timeout"), to(BOB, "error:player_timeout") + " +50", to(BOB, "error:player_timeout") + " +100",
        to(HOST, "i:Hosty:Cat"), to(CAT, "i:Hosty:Cat")), sent());
    assertEquals(1, out.playerTimeouts());
    assertEquals(Map.of(LobbyError.PLAYER_TIMEOUT, 1), out.errors());
  }

  @Test
  void theHostTimingOutHandsTheSessionToTheNextPlayer() {
    request(BOB, "c:Room:Bob");
    now += 3_000;
    request(BOB, "p:Room:Bob");
    tickAt(now + 2_001);
    assertEquals(List.of("Bob"), session.playerNames());
    request(BOB, "h:Room:Bob:4");
    assertEquals(List.of(to(BOB, "i:Bob")), sent());
  }

  @Test
  void pingingKeepsAPlayerForeverAndTheLastPlayerTimingOutDeletesTheSession() {
    for (int i = 0; i < 40; i++) {
      now += 500;
      tickAt(now);
      request(HOST, "p:Room:Hosty");
      assertEquals(List.of(to(HOST, "i:Hosty")), sent());
    }
    tickAt(now + 5_001);
    assertEquals(3, sent().size());
    assertTrue(session.ended());
  }

  @Test
  void playersAreNotTimedOutWhileTheStartMessagesGoOut() {
    request(BOB, "c:Room:Bob");
    now += 4_950;
    request(HOST, "s:Room:Hosty");
    tickAt(now + 100);
    assertEquals(2, session.playerCount());
    assertEquals(2, sent().size(), "the second round, to both");
  }

  @Test
  void aSessionOlderThanFifteenMinutesIsDeletedAndEveryPlayerToldThreeTimes() {
    long created = now;
    request(BOB, "c:Room:Bob");
    for (long t = created; t <= created + 15 * 60_000; t += 1_000) {
      tickAt(t);
      request(HOST, "p:Room:Hosty");
      request(BOB, "p:Room:Bob");
    }
    assertFalse(session.ended());
    assertEquals(created + 15 * 60_000 + 1, session.nextDeadline());
    tickAt(created + 15 * 60_000 + 1);
    assertEquals(List.of(
        to(HOST, "error:session_timeout"), to(HOST, "error:session_timeout") + " +50", to(HOST, "error:session_timeout") + " +100",
        to(BOB, "error:session_timeout"), to(BOB, "error:session_timeout") + " +50", to(BOB, "error:session_timeout") + " +100"),
        sent());
    assertEquals(1, out.sessionTimeouts());
    assertTrue(session.ended());
  }

  @Test
  void endingASessionAtOnceTellsEveryPlayerAsATimeoutDoesAndCountsNoTimeout() {
    request(BOB, "c:Room:Bob");
    out.clear();
    session.endNow(out);
    assertEquals(List.of(
        to(HOST, "error:session_timeout"), to(HOST, "error:session_timeout") + " +50", to(HOST, "error:session_timeout") + " +100",
        to(BOB, "error:session_timeout"), to(BOB, "error:session_timeout") + " +50", to(BOB, "error:session_timeout") + " +100"),
        sent());
    assertEquals(0, out.sessionTimeouts(), "it did not run out of time");
    assertTrue(session.ended());
    assertEquals(Long.MAX_VALUE, session.nextDeadline());
    out.clear();
    session.endNow(out);
    assertEquals(List.of(), sent(), "ending twice tells nobody again");
  }

  @Test
  void configuredTimersAreHonoured() {
    LobbyTimers fast = new LobbyTimers(1_000, 60_000, 20, 10);
    out = new SessionOutput();
    session = LobbySession.create(command("h:Fast:Hosty:2"), HOST, now, fast, out);
    request(BOB, "c:Fast:Bob");
    tickAt(now + 1_001);
    assertEquals(List.of(
        to(HOST, "error:player_timeout"), to(HOST, "error:player_timeout") + " +10", to(HOST, "error:player_timeout") + " +20",
        to(BOB, "error:player_timeout"), to(BOB, "error:player_timeout") + " +10", to(BOB, "error:player_timeout") + " +20"),
        sent());
    assertTrue(session.ended());
  }

  // --- home nodes ---

  @Test
  void aPlayersHomeIsTheNodeThatLastReceivedItsDatagram() {
    request(BOB, "c:Room:Bob");
    Peer bobViaB = new Peer(BOB.ip(), BOB.port(), NODE_B);
    request(bobViaB, "p:Room:Bob");
    assertEquals(NODE_B, out.datagrams().get(0).to().home());
    request(CAT, "c:Room:Cat");
    for (SessionOutput.Datagram d : out.datagrams()) {
      assertEquals(d.to().sameAddress(BOB) ? NODE_B : NODE_A, d.to().home(), d.toString());
    }
    // Even a refused request proves the path: a kick attempt from Bob via node A moves Bob back.
    request(BOB, "k:Room:Cat");
    request(HOST, "k:Room:Cat");
    assertEquals(List.of(to(CAT, "error:kicked_by_host"), to(HOST, "i:Hosty:Bob"), to(BOB, "i:Hosty:Bob")), sent());
    assertEquals(NODE_A, out.datagrams().get(2).to().home());
  }

  @Test
  void anEndedSessionRefusesRequests() {
    request(HOST, "x:Room:Hosty");
    assertThrows(IllegalStateException.class, () -> request(HOST, "p:Room:Hosty"));
    tickAt(now + 10_000);
    assertEquals(List.of(), sent());
  }
}
