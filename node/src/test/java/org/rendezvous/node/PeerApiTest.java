package org.rendezvous.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.rendezvous.testkit.RawHttp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The S2 REST peer registry (x20chat-compatible) against a running node over loopback HTTP: every
 * row of the SPEC S2 table, byte for byte, plus the FastAPI/pydantic error shapes and bad input.
 * Expected bodies are written with single quotes for readability ({@link #q}).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PeerApiTest {

  private static final String UUID_A = "a1b2c3d4-5678-90ab-cdef-1234567890ab";
  private static final String UUID_B = "b9c8d7e6-f5e4-d3c2-b1a0-9876543210ab";
  private static final String PEER_NOT_FOUND = q("{'detail':'Peer not found'}");
  private static final String PEER_OFFLINE = q("{'detail':'Peer is offline'}");
  private static final String UNREGISTERED = q("{'status':'success','message':'Peer unregistered'}");
  private static final String METHOD_NOT_ALLOWED = q("{'detail':'Method Not Allowed'}");
  private static final String NOT_FOUND = q("{'detail':'Not Found'}");
  private static final String TOO_LARGE = q("{'detail':'Request body too large'}");
  private static final String BODY_MISSING =
      q("{'detail':[{'type':'missing','loc':['body'],'msg':'Field required','input':null}]}");
  private static final Pattern LAST_SEEN = Pattern.compile("\"last_seen\":([^,}]*)");

  @TempDir
  Path dir;

  private RendezvousNode node;
  private int port;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void startNode() throws Exception {
    node = NodeFixture.start(NodeFixture.singleNode(dir));
    port = node.port("s2-http");
  }

  @AfterEach
  void stopNode() throws Exception {
    NodeFixture.stop(node);
  }

  // ---- GET / -------------------------------------------------------------------------------

  @Test
  void rootReportsTheServiceAndCountsOnlyOnlinePeers() throws Exception {
    assertJson(get("/"), 200, root(0));
    register(UUID_A, "Alice", 54321);
    register(UUID_B, "Bob", 54322);
    assertJson(get("/"), 200, root(2));
    delete("/peer/" + UUID_B);
    assertJson(get("/"), 200, root(1));
  }

  // ---- POST /register ----------------------------------------------------------------------

  @Test
  void registerAnswersSuccessWithTheConnectionAddressAsPublicIp() throws Exception {
    assertJson(post("/register", q("{'peer_id':'" + UUID_A + "','username':'Alice','port':54321}")), 200,
        registered(UUID_A, "127.0.0.1"));
    assertJson(get("/peer/" + UUID_A), 200, peer(UUID_A, "Alice", "127.0.0.1", 54321));
  }

  @Test
  void reRegisteringAnIdReplacesUsernameAndPortButKeepsItsRegistrationPlace() throws Exception {
    register("first", "Alice", 1000);
    register("second", "Bob", 2000);
    register("first", "Alicia", 1001);
    assertJson(get("/peer/first"), 200, peer("first", "Alicia", "127.0.0.1", 1001));
    assertEquals(q("{'peers':["
            + "{'peer_id':'first','username':'Alicia','ip':'127.0.0.1','port':1001,'online':true,'last_seen':T},"
            + "{'peer_id':'second','username':'Bob','ip':'127.0.0.1','port':2000,'online':true,'last_seen':T}"
            + "],'count':2}"),
        withoutLastSeen(get("/peers")));
    assertJson(get("/status"), 200, q("{'status':'running','total_peers':2,'online_peers':2,'peer_list':["
        + "{'peer_id':'first...','username':'Alicia','online':true},"
        + "{'peer_id':'second...','username':'Bob','online':true}]}"));
  }

  @Test
  void reRegisteringAnUnregisteredPeerBringsItBackOnline() throws Exception {
    register(UUID_A, "Alice", 54321);
    delete("/peer/" + UUID_A);
    assertJson(get("/peer/" + UUID_A), 404, PEER_OFFLINE);
    register(UUID_A, "Alice", 54399);
    assertJson(get("/peer/" + UUID_A), 200, peer(UUID_A, "Alice", "127.0.0.1", 54399));
    assertJson(get("/"), 200, root(1));
  }

  @Test
  void registerRefreshesLastSeenOnReRegistration() throws Exception {
    register(UUID_A, "Alice", 1);
    double first = lastSeens(get("/peers")).get(0);
    register(UUID_A, "Alice", 1);
    double second = lastSeens(get("/peers")).get(0);
    assertTrue(second > first, "last_seen " + first + " then " + second);
  }

  // ---- GET /peer/{id} ----------------------------------------------------------------------

  @Test
  void getPeerAnswersIdUsernameIpAndPortInThatOrder() throws Exception {
    register(UUID_B, "Bob", 54322);
    Reply r = get("/peer/" + UUID_B);
    assertJson(r, 200, peer(UUID_B, "Bob", "127.0.0.1", 54322));
  }

  @Test
  void getUnknownPeerIs404PeerNotFound() throws Exception {
    register(UUID_A, "Alice", 54321);
    assertJson(get("/peer/" + UUID_B), 404, PEER_NOT_FOUND);
  }

  @Test
  void getUnregisteredPeerIs404PeerIsOffline() throws Exception {
    register(UUID_A, "Alice", 54321);
    delete("/peer/" + UUID_A);
    assertJson(get("/peer/" + UUID_A), 404, PEER_OFFLINE);
  }

  // ---- GET /peers --------------------------------------------------------------------------

  @Test
  void peersIsAnEmptyListWhenNobodyIsOnline() throws Exception {
    assertJson(get("/peers"), 200, q("{'peers':[],'count':0}"));
    register("only", "Solo", 9);
    delete("/peer/only");
    assertJson(get("/peers"), 200, q("{'peers':[],'count':0}"));
  }

  @Test
  void peersListsOnlyOnlinePeersInRegistrationOrderWithTheirCount() throws Exception {
    register("zed", "Zed", 3000);
    register("amy", "Amy", 1000);
    register("max", "Max", 2000);
    delete("/peer/amy");
    assertEquals(q("{'peers':["
            + "{'peer_id':'zed','username':'Zed','ip':'127.0.0.1','port':3000,'online':true,'last_seen':T},"
            + "{'peer_id':'max','username':'Max','ip':'127.0.0.1','port':2000,'online':true,'last_seen':T}"
            + "],'count':2}"),
        withoutLastSeen(get("/peers")));
  }

  @Test
  void peersLastSeenIsAFloatNumberOfEpochSecondsAtRegistration() throws Exception {
    double before = System.currentTimeMillis() / 1000.0;
    register(UUID_A, "Alice", 54321);
    double after = System.currentTimeMillis() / 1000.0;
    Reply r = get("/peers");
    Matcher m = LAST_SEEN.matcher(r.text());
    assertTrue(m.find(), r.text());
    String token = m.group(1);
    assertTrue(token.matches("[0-9]+\\.[0-9]*[1-9]|[0-9]+\\.0"), "last_seen must be a float as Python prints it, got " + token);
    double lastSeen = Double.parseDouble(token);
    // Both clocks are this machine's; allow for the millisecond granularity of currentTimeMillis.
    assertTrue(lastSeen >= before - 0.002 && lastSeen <= after + 0.002,
        "last_seen " + token + " not within [" + before + ", " + after + "]");
  }

  // ---- DELETE /peer/{id} -------------------------------------------------------------------

  @Test
  void deleteAnswersSuccessAndMarksThePeerOfflineWithoutForgettingIt() throws Exception {
    register(UUID_A, "Alice", 54321);
    assertJson(delete("/peer/" + UUID_A), 200, UNREGISTERED);
    assertJson(get("/status"), 200, q("{'status':'running','total_peers':1,'online_peers':0,'peer_list':["
        + "{'peer_id':'a1b2c3d4-5678-90...','username':'Alice','online':false}]}"));
  }

  @Test
  void deletingAnAlreadyOfflinePeerAgainIsStill200() throws Exception {
    register(UUID_A, "Alice", 54321);
    assertJson(delete("/peer/" + UUID_A), 200, UNREGISTERED);
    assertJson(delete("/peer/" + UUID_A), 200, UNREGISTERED);
    assertJson(get("/"), 200, root(0));
  }

  @Test
  void deletingAnUnknownPeerIs404PeerNotFound() throws Exception {
    assertJson(delete("/peer/" + UUID_B), 404, PEER_NOT_FOUND);
  }

  // ---- GET /status -------------------------------------------------------------------------

  @Test
  void statusListsEveryPeerWithItsIdCutTo16CharactersPlusEllipsis() throws Exception {
    register(UUID_A, "Alice", 54321);
    register("bob", "Bob", 54322);
    register("exactly16chars!!", "Carol", 54323);
    register(UUID_B, "Dave", 54324);
    delete("/peer/bob");
    assertJson(get("/status"), 200, q("{'status':'running','total_peers':4,'online_peers':3,'peer_list':["
        + "{'peer_id':'a1b2c3d4-5678-90...','username':'Alice','online':true},"
        + "{'peer_id':'bob...','username':'Bob','online':false},"
        + "{'peer_id':'exactly16chars!!...','username':'Carol','online':true},"
        + "{'peer_id':'b9c8d7e6-f5e4-d3...','username':'Dave','online':true}]}"));
  }

  @Test
  void statusCutsIdsByCharactersNotBytesOrUtf16Units() throws Exception {
    String emoji = "\uD83C\uDF89"; // one character, two UTF-16 units, four UTF-8 bytes
    register(emoji.repeat(20), "Party", 1);
    assertJson(get("/status"), 200, "{\"status\":\"running\",\"total_peers\":1,\"online_peers\":1,\"peer_list\":["
        + "{\"peer_id\":\"" + emoji.repeat(16) + "...\",\"username\":\"Party\",\"online\":true}]}");
  }

  @Test
  void statusOfAnEmptyRegistryHasZeroTotals() throws Exception {
    assertJson(get("/status"), 200, q("{'status':'running','total_peers':0,'online_peers':0,'peer_list':[]}"));
  }

  // ---- 422 validation ----------------------------------------------------------------------

  @Test
  void registerWithMissingFieldsListsEachOneWithTheWholeBodyAsInput() throws Exception {
    assertJson(post("/register", q("{'peer_id':'p1'}")), 422, q("{'detail':["
        + "{'type':'missing','loc':['body','username'],'msg':'Field required','input':{'peer_id':'p1'}},"
        + "{'type':'missing','loc':['body','port'],'msg':'Field required','input':{'peer_id':'p1'}}]}"));
    assertJson(post("/register", "{}"), 422, q("{'detail':["
        + "{'type':'missing','loc':['body','peer_id'],'msg':'Field required','input':{}},"
        + "{'type':'missing','loc':['body','username'],'msg':'Field required','input':{}},"
        + "{'type':'missing','loc':['body','port'],'msg':'Field required','input':{}}]}"));
    assertJson(get("/status"), 200, q("{'status':'running','total_peers':0,'online_peers':0,'peer_list':[]}"));
  }

  @Test
  void registerWithNumbersForPeerIdAndUsernameIsStringType() throws Exception {
    assertJson(post("/register", q("{'peer_id':123,'username':4.5,'port':5000}")), 422, q("{'detail':["
        + "{'type':'string_type','loc':['body','peer_id'],'msg':'Input should be a valid string','input':123},"
        + "{'type':'string_type','loc':['body','username'],'msg':'Input should be a valid string','input':4.5}]}"));
  }

  @Test
  void registerWithANonNumericPortStringIsIntParsing() throws Exception {
    assertJson(post("/register", q("{'peer_id':'p','username':'u','port':'abc'}")), 422, q("{'detail':["
        + "{'type':'int_parsing','loc':['body','port'],"
        + "'msg':'Input should be a valid integer, unable to parse string as an integer','input':'abc'}]}"));
  }

  @Test
  void registerWithAFractionalPortIsIntFromFloat() throws Exception {
    assertJson(post("/register", q("{'peer_id':'p','username':'u','port':1.5}")), 422, q("{'detail':["
        + "{'type':'int_from_float','loc':['body','port'],"
        + "'msg':'Input should be a valid integer, got a number with a fractional part','input':1.5}]}"));
  }

  @Test
  void registerAcceptsANumericStringPortAndStoresItAsAnInteger() throws Exception {
    assertJson(post("/register", q("{'peer_id':'p','username':'u','port':'5000'}")), 200,
        registered("p", "127.0.0.1"));
    assertJson(get("/peer/p"), 200, peer("p", "u", "127.0.0.1", 5000));
  }

  @Test
  void registerAcceptsAnIntegralFloatPortAndStoresItAsAnInteger() throws Exception {
    assertJson(post("/register", q("{'peer_id':'p','username':'u','port':5000.0}")), 200,
        registered("p", "127.0.0.1"));
    assertJson(get("/peer/p"), 200, peer("p", "u", "127.0.0.1", 5000));
  }

  @Test
  void registerWithAJsonArrayBodyIsModelAttributesType() throws Exception {
    assertJson(post("/register", "[1,\"two\"]"), 422, q("{'detail':["
        + "{'type':'model_attributes_type','loc':['body'],"
        + "'msg':'Input should be a valid dictionary or object to extract fields from','input':[1,'two']}]}"));
  }

  @Test
  void registerWithInvalidJsonIsJsonInvalidWherePythonsDecoderStops() throws Exception {
    // Positions and messages are CPython's json.loads ones: characters, not bytes.
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"peer_id\": }", "12|Expecting value");
    cases.put("not json", "0|Expecting value");
    cases.put("{\"peer_id\":\"Zoë 🎉\",\"username\" \"u\"}", "30|Expecting ':' delimiter");
    cases.put("{\"peer_id\":\"p\" \"username\":\"u\"}", "15|Expecting ',' delimiter");
    cases.put("{\"peer_id\":\"p\",}", "15|Expecting property name enclosed in double quotes");
    cases.put("{\"peer_id\":\"p", "11|Unterminated string starting at");
    cases.put("{\"peer_id\":\"p\",\"username\":\"u\",\"port\":1} x", "40|Extra data");
    cases.put("{\"peer_id\":\"a\\qb\"}", "13|Invalid \\escape");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      String[] want = c.getValue().split("\\|");
      assertJson(post("/register", c.getKey()), 422, q("{'detail':["
          + "{'type':'json_invalid','loc':['body'," + want[0] + "],'msg':'JSON decode error','input':{},"
          + "'ctx':{'error':'") + want[1].replace("\\", "\\\\") + q("'}}]}"));
    }
  }

  @Test
  void registerWithAnEmptyBodyIsMissingBody() throws Exception {
    assertJson(post("/register", ""), 422,
        BODY_MISSING);
    Reply raw = raw("POST /register HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    assertJson(raw, 422, BODY_MISSING);
  }

  // ---- routing errors ----------------------------------------------------------------------

  @Test
  void unknownPathsAre404NotFound() throws Exception {
    for (String path : List.of("/nope", "/peer/", "/peer/a/b", "/peers/extra", "/registerx")) {
      assertJson(get(path), 404, NOT_FOUND);
    }
    assertJson(send("POST", "/nope", BodyPublishers.ofString("{}")), 404, NOT_FOUND);
  }

  @Test
  void wrongMethodIs405MethodNotAllowedWithAnAllowHeader() throws Exception {
    Reply putPeers = send("PUT", "/peers", BodyPublishers.ofString("{}"));
    assertJson(putPeers, 405, METHOD_NOT_ALLOWED);
    assertEquals("GET", putPeers.header("allow"));

    Reply getRegister = get("/register");
    assertJson(getRegister, 405, METHOD_NOT_ALLOWED);
    assertEquals("POST", getRegister.header("allow"));

    Reply postRoot = send("POST", "/", BodyPublishers.ofString("{}"));
    assertJson(postRoot, 405, METHOD_NOT_ALLOWED);
    assertEquals("GET", postRoot.header("allow"));

    // Starlette answers from the path's first route, GET /peer/{id} (DELETE is a second route)
    Reply postPeer = send("POST", "/peer/x", BodyPublishers.ofString("{}"));
    assertJson(postPeer, 405, METHOD_NOT_ALLOWED);
    assertEquals("GET", postPeer.header("allow"));

    // FastAPI's routes take no HEAD
    for (String path : List.of("/", "/peers", "/status", "/peer/x")) {
      Reply head = send("HEAD", path, BodyPublishers.noBody());
      assertEquals(405, head.status, path);
      assertEquals("GET", head.header("allow"), path);
      assertEquals(0, head.body.length, "no body on HEAD");
    }
  }

  @Test
  void aTrailingSlashRedirectsToThePathWithoutItAsStarletteDoes() throws Exception {
    for (String[] c : new String[][] {{"/peers/", "/peers"}, {"/status//", "/status"}, {"/peer/x/?a=1&b", "/peer/x?a=1&b"}}) {
      Reply r = raw(("GET " + c[0] + " HTTP/1.1\r\nHost: rendezvous.test:8000\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      assertEquals(307, r.status, c[0]);
      assertEquals("http://rendezvous.test:8000" + c[1], r.header("location"), c[0]);
      assertEquals(0, r.body.length);
    }
    assertJson(get("/nope/"), 404, NOT_FOUND);
    assertJson(get("//"), 404, NOT_FOUND);
  }

  @Test
  void aBodyThatIsNotJsonByItsContentTypeIsNotReadAsJson() throws Exception {
    String body = q("{'peer_id':'p','username':'u','port':1}");
    for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "application/jsonx", "json")) {
      Reply r = send("POST", "/register", BodyPublishers.ofString(body), "Content-Type", type);
      String expected = new JsonObject().put("detail", new JsonArray().add(new JsonObject()
          .put("type", "model_attributes_type").put("loc", new JsonArray().add("body"))
          .put("msg", "Input should be a valid dictionary or object to extract fields from").put("input", body))).encode();
      assertJson(r, 422, expected);
    }
    for (String type : List.of("application/json", "Application/JSON; charset=utf-8", "application/merge-patch+json")) {
      assertEquals(200, send("POST", "/register", BodyPublishers.ofString(body), "Content-Type", type).status, type);
    }
    assertEquals(200, send("POST", "/register", BodyPublishers.ofString(body)).status, "no content type: JSON");
    assertJson(post("/register", "null"), 422, BODY_MISSING);
  }

  @Test
  void bodiesInUtf16Or32AreReadAsPythonReadsThem() throws Exception {
    String body = q("{'peer_id':'wide','username':'W','port':9}");
    for (var cs : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16)) {
      assertEquals(200, send("POST", "/register", BodyPublishers.ofByteArray(body.getBytes(cs)),
          "Content-Type", "application/json").status, cs.name());
    }
    assertJson(get("/peer/wide"), 200, peer("wide", "W", "127.0.0.1", 9));
  }

  @Test
  void stringPortsWithADecimalPartOfZerosAndHugeFloats() throws Exception {
    assertEquals(200, post("/register", q("{'peer_id':'z','username':'u','port':'8000.0'}")).status);
    assertJson(get("/peer/z"), 200, peer("z", "u", "127.0.0.1", 8000));
    assertEquals(200, post("/register", q("{'peer_id':'z','username':'u','port':' 81. '}")).status);
    assertJson(get("/peer/z"), 200, peer("z", "u", "127.0.0.1", 81));
    assertJson(post("/register", q("{'peer_id':'z','username':'u','port':'8000.5'}")), 422,
        q("{'detail':[{'type':'int_parsing','loc':['body','port'],"
            + "'msg':'Input should be a valid integer, unable to parse string as an integer','input':'8000.5'}]}"));
    assertJson(post("/register", q("{'peer_id':'z','username':'u','port':1e20}")), 422,
        q("{'detail':[{'type':'int_parsing_size','loc':['body','port'],"
            + "'msg':'Unable to parse input string as an integer, exceeded maximum size','input':1.0E20}]}"));
  }

  @Test
  void aClientThatWaitsFor100ContinueGetsIt() throws Exception {
    HttpClient waiting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    var response = waiting.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/register"))
        .timeout(Duration.ofSeconds(10)).expectContinue(true).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString(q("{'peer_id':'c','username':'u','port':1}"))).build(), BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
  }

  // ---- X-Forwarded-For ---------------------------------------------------------------------

  @Test
  void forwardedForFromTheLoopbackProxyBecomesThePublicIp() throws Exception {
    String body = q("{'peer_id':'p','username':'u','port':7}");
    Reply r = send("POST", "/register", BodyPublishers.ofString(body), "X-Forwarded-For", "203.0.113.7");
    assertJson(r, 200, registered("p", "203.0.113.7"));
    assertJson(get("/peer/p"), 200, peer("p", "u", "203.0.113.7", 7));
  }

  @Test
  void forwardedForChainYieldsTheHopNearestTheTrustedProxy() throws Exception {
    String body = q("{'peer_id':'p','username':'u','port':7}");
    Reply r = send("POST", "/register", BodyPublishers.ofString(body), "X-Forwarded-For", "198.51.100.1, 203.0.113.9");
    assertJson(r, 200, registered("p", "203.0.113.9"));
  }

  @Test
  void forwardedForOverSeveralLinesIsOneListAndTheLastLineIsNearest() throws Exception {
    // a client's own line first, then the one its proxy added: the client cannot choose its address
    String body = q("{'peer_id':'p','username':'u','port':7}");
    Reply r = send("POST", "/register", BodyPublishers.ofString(body), "X-Forwarded-For", "6.6.6.6",
        "X-Forwarded-For", "203.0.113.7");
    assertJson(r, 200, registered("p", "203.0.113.7"));
  }

  @Test
  void forwardedForIsIgnoredWhenLoopbackIsNotATrustedProxy() throws Exception {
    JsonObject config = NodeFixture.singleNode(dir.resolve("untrusting"));
    config.getJsonObject("registry").put("trustedProxies", new JsonArray().add("10.9.9.9"));
    RendezvousNode untrusting = NodeFixture.start(config);
    try {
      int otherPort = untrusting.port("s2-http");
      String body = q("{'peer_id':'p','username':'u','port':7}");
      Reply r = send(otherPort, "POST", "/register", BodyPublishers.ofString(body), "X-Forwarded-For", "203.0.113.7");
      assertJson(r, 200, registered("p", "127.0.0.1"));
      assertJson(send(otherPort, "GET", "/peer/p", BodyPublishers.noBody()), 200, peer("p", "u", "127.0.0.1", 7));
    } finally {
      NodeFixture.stop(untrusting);
    }
  }

  // ---- bad input (SPEC §5) -----------------------------------------------------------------

  @Test
  void garbageBytesAsBodyAreA400AndTheNodeKeepsServing() throws Exception {
    byte[] garbage = new byte[512];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) (i * 131 + 7); // includes NUL, 0xFF and invalid UTF-8 sequences
    }
    // Python's json.loads(bytes) raises UnicodeDecodeError on them, and FastAPI answers 400
    String unreadable = q("{'detail':'There was an error parsing the body'}");
    assertJson(send("POST", "/register", BodyPublishers.ofByteArray(garbage)), 400, unreadable);
    byte[] binaryNoise = {(byte) 0xFF, (byte) 0xFE, 0, 0, (byte) 0xC3, 0x28, '{', (byte) 0x80}; // a UTF-32 mark, then no UTF-32
    assertJson(send("POST", "/register", BodyPublishers.ofByteArray(binaryNoise)), 400, unreadable);

    // Text that is not JSON is a JSON error
    Reply r = send("POST", "/register", BodyPublishers.ofString("{\"peer_id\": nope}"));
    assertEquals(422, r.status, r.text());
    JsonObject detail = new JsonObject(r.text()).getJsonArray("detail").getJsonObject(0);
    assertEquals("json_invalid", detail.getString("type"));
    assertEquals("JSON decode error", detail.getString("msg"));

    assertJson(get("/"), 200, root(0));
  }

  @Test
  void bodyOfExactlyMaxBodyBytesIsStillAccepted() throws Exception {
    String json = q("{'peer_id':'p','username':'u','port':7}");
    String padded = json + " ".repeat(65_536 - json.length());
    assertJson(post("/register", padded), 200, registered("p", "127.0.0.1"));
  }

  @Test
  void oversizeBodyIs413JsonAfterTheClientHasWrittenItAllThenTheConnectionCloses() throws Exception {
    // A client that writes its whole body before reading (as Python's requests does) must still get the 413.
    for (int size : new int[] {65_537, 1_000_000}) {
      byte[] body = new byte[size];
      Arrays.fill(body, (byte) ' ');
      byte[] head = ("POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(head);
        out.write(body);
        out.flush();
        InputStream in = s.getInputStream();
        Reply r = Reply.of(RawHttp.read(in));
        assertJson(r, 413, TOO_LARGE);
        assertEquals("close", r.header("connection"));
        assertEquals(-1, in.read(), "connection must be closed after 413 (size " + size + ")");
      }
    }
    assertJson(get("/"), 200, root(0));
  }

  @Test
  void bodyFarPastTheLimitIsCutOffAndTheNodeKeepsServing() throws Exception {
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) ' ');
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("POST /register HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      int written = 0;
      try {
        for (; written < 1_600; written++) { // 100 MiB, if the node never stopped reading
          out.write(chunk);
        }
      } catch (IOException cutOff) {
        // expected: the node drops a connection that keeps sending long past the limit
      }
      assertTrue(written < 1_600, "the node kept reading a 100 MB body");
    }
    assertJson(get("/"), 200, root(0));
  }

  @Test
  void oversizeChunkedBodyIs413AndTheNodeKeepsServing() throws Exception {
    byte[] body = new byte[200_000];
    Arrays.fill(body, (byte) ' ');
    // An InputStream publisher has no known length, so the body goes out chunked.
    Reply r = send("POST", "/register", BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
    assertJson(r, 413, TOO_LARGE);
    register(UUID_A, "Alice", 1);
    assertJson(get("/"), 200, root(1));
  }

  @Test
  void nonAsciiUsernameRoundTripsAsRawUtf8() throws Exception {
    String name = "Zoë 東京 \uD83C\uDF89";
    register("u1", name, 1);
    Reply r = get("/peer/u1");
    byte[] expected = ("{\"peer_id\":\"u1\",\"username\":\"" + name + "\",\"ip\":\"127.0.0.1\",\"port\":1}")
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(200, r.status);
    assertArrayEquals(expected, r.body, r.text());
    assertFalse(r.text().contains("\\u"), "must not be \\u-escaped: " + r.text());
    assertEquals(q("{'peers':[{'peer_id':'u1','username':'" + name
        + "','ip':'127.0.0.1','port':1,'online':true,'last_seen':T}],'count':1}"), withoutLastSeen(get("/peers")));
  }

  @Test
  void halfASurrogatePairIsRefusedRatherThanStoredChanged() throws Exception {
    // No UTF-8 text holds half a pair: stored, it would come back from SQLite as another id.
    assertJson(post("/register", "{\"peer_id\":\"s\\ud800x\",\"username\":\"ok \\ud83d\\ude00\",\"port\":1}"), 422,
        q("{'detail':[{'type':'string_unicode','loc':['body','peer_id'],"
            + "'msg':'Input should be a valid string, unable to parse raw data as a unicode string','input':'s\\uD800x'}]}"));
    assertJson(post("/register", "{\"peer_id\":\"s\",\"username\":\"a\\udc00\",\"port\":1}"), 422,
        q("{'detail':[{'type':'string_unicode','loc':['body','username'],"
            + "'msg':'Input should be a valid string, unable to parse raw data as a unicode string','input':'a\\uDC00'}]}"));
    assertEquals(404, get("/peer/s").status);
  }

  @Test
  void nonAsciiPeerIdIsFoundThroughAPercentEncodedPath() throws Exception {
    register("pëer", "u", 1);
    assertJson(get("/peer/p%C3%ABer"), 200, peer("pëer", "u", "127.0.0.1", 1));
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** A status, its headers (lower-case names) and the exact body bytes. */
  private record Reply(int status, Map<String, String> headers, byte[] body) {
    static Reply of(RawHttp.Response r) {
      return new Reply(r.status(), r.headers(), r.body());
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String contentType() {
      return header("content-type");
    }
  }

  /** The expected GET / body. */
  private static String root(int peersOnline) {
    return q("{'service':'P2P Chat Signaling Server','status':'running','peers_online':" + peersOnline + "}");
  }

  /** The expected GET /peer/{id} body. */
  private static String peer(String peerId, String username, String ip, long peerPort) {
    return q("{'peer_id':'" + peerId + "','username':'" + username + "','ip':'" + ip + "','port':" + peerPort + "}");
  }

  /** The expected POST /register success body. */
  private static String registered(String peerId, String publicIp) {
    return q("{'status':'success','message':'Peer registered successfully','peer_id':'" + peerId
        + "','public_ip':'" + publicIp + "'}");
  }

  /** Compact JSON written with single quotes. */
  private static String q(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private static void assertJson(Reply r, int status, String body) {
    assertEquals(status, r.status, r.text());
    assertEquals("application/json", r.contentType());
    assertEquals(body, r.text());
    assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), r.body);
  }

  /** The body with each last_seen value replaced by T, after checking it is 200 JSON. */
  private static String withoutLastSeen(Reply r) {
    assertEquals(200, r.status, r.text());
    assertEquals("application/json", r.contentType());
    return LAST_SEEN.matcher(r.text()).replaceAll("\"last_seen\":T");
  }

  private static List<Double> lastSeens(Reply r) {
    List<Double> out = new ArrayList<>();
    Matcher m = LAST_SEEN.matcher(r.text());
    while (m.find()) {
      out.add(Double.parseDouble(m.group(1)));
    }
    return out;
  }

  private static List<String> sortedMethods(String allow) {
    assertTrue(allow != null, "Allow header missing");
    return Arrays.stream(allow.split(",")).map(String::trim).sorted().toList();
  }

  private void register(String peerId, String username, int peerPort) throws Exception {
    String body = new JsonObject().put("peer_id", peerId).put("username", username).put("port", peerPort).encode();
    Reply r = post("/register", body);
    assertEquals(200, r.status, r.text());
  }

  private Reply get(String path) throws Exception {
    return send("GET", path, BodyPublishers.noBody());
  }

  private Reply post(String path, String body) throws Exception {
    return send("POST", path, BodyPublishers.ofString(body, StandardCharsets.UTF_8),
        "Content-Type", "application/json");
  }

  private Reply delete(String path) throws Exception {
    return send("DELETE", path, BodyPublishers.noBody());
  }

  private Reply send(String method, String path, BodyPublisher body, String... headers) throws Exception {
    return send(port, method, path, body, headers);
  }

  private Reply send(int toPort, String method, String path, BodyPublisher body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + toPort + path))
        .timeout(Duration.ofSeconds(10)).method(method, body);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    var response = http.send(b.build(), BodyHandlers.ofByteArray());
    Map<String, String> h = new LinkedHashMap<>();
    response.headers().map().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), String.join(", ", v)));
    return new Reply(response.statusCode(), h, response.body());
  }

  /** Sends exact bytes on a fresh connection and reads one response. */
  private Reply raw(byte[] request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      return Reply.of(RawHttp.read(s.getInputStream()));
    }
  }
}
