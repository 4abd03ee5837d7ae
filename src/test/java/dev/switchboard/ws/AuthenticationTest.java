package dev.switchboard.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static dev.switchboard.ws.ProtocolTest.assertCleanError;
import static dev.switchboard.ws.ProtocolTest.assertStillOpen;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may connect: HS256 tokens with the shared secret, RS256 with the web app's public key, nothing else. Every
 * refusal is an {@code unauthorized} error followed by close code 4001. Tokens are crafted with Nimbus JOSE.
 */
class AuthenticationTest {
    private static final String OTHER_SECRET = "another-secret-that-is-also-long-enough-for-hs256-xyz";

    private static final KeyPair KEYS = rsaKeyPair();

    /** HS256 only, the common setup. */
    private static TestServer server;
    /** RS256 only: the public key given as a file path, JWT_SECRET left blank. */
    private static TestServer rsaOnly;
    /** Both: the PEM text itself in JWT_PUBLIC_KEY, and the HS256 secret. */
    private static TestServer both;

    @BeforeAll
    static void startServers(@TempDir Path dir) throws Exception {
        server = TestServer.start();
        Path pemFile = dir.resolve("app-public.pem");
        Files.writeString(pemFile, pem(KEYS));
        rsaOnly = TestServer.start(Map.of("JWT_SECRET", "", "JWT_PUBLIC_KEY", pemFile.toString()));
        both = TestServer.start(Map.of("JWT_PUBLIC_KEY", pem(KEYS)));
    }

    @AfterAll
    static void stopServers() {
        server.close();
        rsaOnly.close();
        both.close();
    }

    // ---- token crafting ----

    /** Claims of a valid agent token for {@code sub}; tests change what they need. */
    static JWTClaimsSet.Builder claims(String sub, String role) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
        if (sub != null) {
            builder.subject(sub);
        }
        if (role != null) {
            builder.claim("role", role);
        }
        return builder;
    }

    static String sign(JWSAlgorithm alg, JWSSigner signer, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    static String hs256(String secret, JWTClaimsSet claims) {
        try {
            return sign(JWSAlgorithm.HS256, new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hs256(JWTClaimsSet claims) {
        return hs256(TestServer.SECRET, claims);
    }

    static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(KeyPair keys) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keys.getPublic().getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    static String rs256(KeyPair keys, JWTClaimsSet claims) {
        return sign(JWSAlgorithm.RS256, new RSASSASigner(keys.getPrivate()), claims);
    }

    /** Sends auth with the token and expects the refusal: an unauthorized error, then close 4001. */
    static JsonNode assertRefused(TestServer target, String token) {
        try (WsClient client = target.connect()) {
            client.send("type", "auth", "token", token);
            JsonNode error = assertCleanError(client.awaitError("unauthorized"), "unauthorized", "auth");
            assertEquals(4001, client.awaitClose());
            return error;
        }
    }

    static JsonNode assertAccepted(TestServer target, String token, long userId) {
        try (WsClient client = target.connect()) {
            JsonNode data = client.authenticate(token);
            assertEquals(userId, data.path("user_id").asLong());
            assertStillOpen(client);
            return data;
        }
    }

    // ---- HS256 ----

    @Test
    void validHs256TokenIsAccepted() {
        JsonNode data = assertAccepted(server, hs256(claims("501", "agent").claim("name", "Ana").build()), 501);
        assertEquals("agent", data.path("role").asText());
    }

    @Test
    void tokenWithoutOptionalNameIsAccepted() {
        assertAccepted(server, hs256(claims("502", "contact").build()), 502);
    }

    @Test
    void userIdMatchingTheSubjectIsAccepted() {
        try (WsClient client = server.connect()) {
            client.send("type", "auth", "token", hs256(claims("503", "agent").build()), "user_id", 503);
            assertEquals(503, client.await("authenticated").path("data").path("user_id").asLong());
        }
        try (WsClient client = server.connect()) {
            // PHP pages often print ids as strings.
            client.send("type", "auth", "token", hs256(claims("503", "agent").build()), "user_id", "503");
            assertEquals(503, client.await("authenticated").path("data").path("user_id").asLong());
        }
    }

    @Test
    void mismatchedUserIdIsUnauthorizedThenClose4001() {
        try (WsClient client = server.connect()) {
            client.send("type", "auth", "token", hs256(claims("504", "agent").build()), "user_id", 505);
            assertCleanError(client.awaitError("unauthorized"), "unauthorized", "auth");
            assertEquals(4001, client.awaitClose());
        }
    }

    @Test
    void expiredTokenIsRefused() {
        Instant past = Instant.now().minus(Duration.ofMinutes(10));
        JsonNode error = assertRefused(server, hs256(claims("506", "agent")
                .issueTime(Date.from(past.minus(Duration.ofHours(1))))
                .expirationTime(Date.from(past)).build()));
        assertTrue(error.path("message").asText().contains("expired"), error.toString());
    }

    @Test
    void tokenWithoutExpiryIsRefused() {
        assertRefused(server, hs256(new JWTClaimsSet.Builder().subject("507").claim("role", "agent").build()));
    }

    @Test
    void tokenNotYetValidIsRefused() {
        assertRefused(server, hs256(claims("508", "agent")
                .notBeforeTime(Date.from(Instant.now().plus(Duration.ofMinutes(30)))).build()));
    }

    @Test
    void tokenSignedWithAnotherSecretIsRefused() {
        assertRefused(server, hs256(OTHER_SECRET, claims("509", "agent").build()));
    }

    @Test
    void tokenWithTamperedPayloadIsRefused() {
        String token = hs256(claims("510", "contact").build());
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + base64Url("{\"sub\":\"510\",\"role\":\"admin\",\"exp\":"
                + (Instant.now().getEpochSecond() + 3600) + "}") + "." + parts[2];
        assertRefused(server, forged);
    }

    @Test
    void unsignedAlgNoneTokenIsRefused() {
        String payload = base64Url("{\"sub\":\"511\",\"role\":\"admin\",\"exp\":"
                + (Instant.now().getEpochSecond() + 3600) + "}");
        for (String alg : List.of("none", "None", "NONE")) {
            String header = base64Url("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}");
            assertRefused(server, header + "." + payload + ".");
            // Same, with the real signature of another token attached.
            String stolenSignature = hs256(claims("511", "admin").build()).split("\\.")[2];
            assertRefused(server, header + "." + payload + "." + stolenSignature);
        }
    }

    @Test
    void rs256TokenIsRefusedWhenOnlyHs256IsConfigured() {
        JsonNode error = assertRefused(server, rs256(rsaKeyPair(), claims("512", "agent").build()));
        assertTrue(error.path("message").asText().contains("RS256"), error.toString());
    }

    @Test
    void otherHmacAlgorithmsAreRefusedEvenWithTheRightSecret() throws Exception {
        byte[] longSecret = (TestServer.SECRET + TestServer.SECRET).getBytes(StandardCharsets.UTF_8);
        assertRefused(server, sign(JWSAlgorithm.HS384, new MACSigner(longSecret), claims("513", "agent").build()));
        assertRefused(server, sign(JWSAlgorithm.HS512, new MACSigner(longSecret), claims("513", "agent").build()));
    }

    @Test
    void garbageTokensAreRefused() {
        for (String token : List.of("garbage", "a.b.c", "a.b", "....", "eyJhbGciOiJIUzI1NiJ9.e30.",
                base64Url("{\"alg\":\"HS256\"}") + "." + base64Url("not json") + ".sig", "x".repeat(5_000))) {
            assertRefused(server, token);
        }
    }

    @Test
    void tokenWithoutRoleIsRefused() {
        assertRefused(server, hs256(claims("514", null).build()));
    }

    @Test
    void tokenWithUnknownRoleIsRefused() {
        assertRefused(server, hs256(claims("515", "superuser").build()));
        assertRefused(server, hs256(claims("515", "AGENT ").build()));
        assertRefused(server, hs256(claims("515", null).claim("role", 1).build()));
        assertRefused(server, hs256(claims("515", null).claim("role", List.of("admin")).build()));
    }

    @Test
    void tokenWithNonNumericSubjectIsRefused() {
        JsonNode error = assertRefused(server, hs256(claims("alice", "agent").build()));
        assertTrue(error.path("message").asText().contains("sub"), error.toString());
        assertRefused(server, hs256(claims("12abc", "agent").build()));
        assertRefused(server, hs256(claims("0", "agent").build()));
        assertRefused(server, hs256(claims("-3", "agent").build()));
        assertRefused(server, hs256(claims("99999999999999999999999", "agent").build()));
        assertRefused(server, hs256(claims(null, "agent").build()));
    }

    @Test
    void contactConversationsMustBeAListOfIds() {
        assertRefused(server, hs256(claims("516", "contact").claim("conversations", "1,2").build()));
        assertRefused(server, hs256(claims("516", "contact").claim("conversations", List.of("one")).build()));
        assertRefused(server, hs256(claims("516", "contact").claim("conversations", List.of(1.5)).build()));
        assertAccepted(server, hs256(claims("516", "contact").claim("conversations", List.of(1, "2")).build()), 516);
    }

    // ---- re-authentication on a live connection ----

    @Test
    void reAuthWithAFreshTokenForTheSameUserKeepsTheConnectionAndItsSubscriptions() {
        try (WsClient contact = server.connect()) {
            String first = hs256(claims("520", "contact").claim("conversations", List.of(40)).build());
            String connectionId = contact.authenticate(first).path("connection_id").asText();
            contact.subscribe(40);
            String fresh = hs256(claims("520", "contact").claim("conversations", List.of(40))
                    .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(2)))).build());
            JsonNode again = contact.authenticate(fresh);
            assertEquals(520, again.path("user_id").asLong());
            assertEquals(connectionId, again.path("connection_id").asText());
            SqlEvents.exec(server, "SELECT realtime.notify_message_read(40, 1, 9)");
            assertEquals(40, contact.await("message_read").path("data").path("conversation_id").asLong());
            assertStillOpen(contact);
        }
    }

    @Test
    void reAuthDropsConversationsTheFreshTokenNoLongerGrants() {
        try (WsClient contact = server.connect()) {
            contact.authenticate(hs256(claims("521", "contact").claim("conversations", List.of(41, 42)).build()));
            contact.subscribe(41).subscribe(42);
            contact.send("type", "auth", "token",
                    hs256(claims("521", "contact").claim("conversations", List.of(41)).build()));
            assertEquals(42, contact.await("unsubscribed").path("data").path("conversation_id").asLong());
            contact.await("authenticated");
            SqlEvents.exec(server, "SELECT realtime.notify_message_read(42, 1, 9)",
                    "SELECT realtime.notify_message_read(41, 2, 9)");
            JsonNode read = contact.await("message_read");
            assertEquals(41, read.path("data").path("conversation_id").asLong(), "42 is no longer delivered");
            contact.send("type", "subscribe", "conversation_id", 42);
            assertCleanError(contact.awaitError("forbidden"), "forbidden", "subscribe");
        }
    }

    @Test
    void reAuthAsAnotherUserIsUnauthorizedThenClose4001() {
        try (WsClient client = server.connect()) {
            client.authenticate(hs256(claims("522", "agent").build()));
            client.send("type", "auth", "token", hs256(claims("523", "agent").build()));
            assertCleanError(client.awaitError("unauthorized"), "unauthorized", "auth");
            assertEquals(4001, client.awaitClose());
        }
    }

    @Test
    void reAuthWithAnotherRoleIsUnauthorizedThenClose4001() {
        try (WsClient client = server.connect()) {
            client.authenticate(hs256(claims("524", "contact").build()));
            client.send("type", "auth", "token", hs256(claims("524", "admin").build()));
            assertCleanError(client.awaitError("unauthorized"), "unauthorized", "auth");
            assertEquals(4001, client.awaitClose());
        }
    }

    @Test
    void reAuthWithABadTokenClosesTheLiveConnection() {
        try (WsClient client = server.connect()) {
            client.authenticate(hs256(claims("525", "agent").build()));
            client.send("type", "auth", "token", hs256(OTHER_SECRET, claims("525", "agent").build()));
            assertCleanError(client.awaitError("unauthorized"), "unauthorized", "auth");
            assertEquals(4001, client.awaitClose());
        }
    }

    @Test
    void refusedConnectionNeverJoinsRouting() {
        try (TestServer fresh = TestServer.start(); WsClient agent = fresh.connect()) {
            agent.send("type", "auth", "token", hs256(OTHER_SECRET, claims("526", "agent").build()));
            agent.awaitError("unauthorized");
            assertEquals(0, fresh.node().authenticatedConnections(), "a refused connection is never routed to");
            assertEquals(4001, agent.awaitClose());
            assertEquals(0, fresh.node().authenticatedConnections());
        }
    }

    // ---- AUTH_TIMEOUT ----

    @Test
    void noAuthWithinTheTimeoutClosesWith4001() {
        try (TestServer quick = TestServer.start(Map.of("AUTH_TIMEOUT", "300ms"));
             WsClient silent = quick.connect();
             WsClient authenticated = quick.connect()) {
            authenticated.authenticate(quick.agentToken(530));
            assertEquals(4001, silent.awaitClose());
            JsonNode error = silent.await("error").path("data");
            assertEquals("unauthorized", error.path("code").asText());
            // The timer is per connection: the one that authenticated in time is still served.
            assertStillOpen(authenticated);
        }
    }

    // ---- RS256 ----

    @Test
    void rs256TokenSignedWithTheConfiguredKeyIsAccepted() {
        JsonNode data = assertAccepted(rsaOnly, rs256(KEYS, claims("600", "admin").build()), 600);
        assertEquals("admin", data.path("role").asText());
        assertAccepted(both, rs256(KEYS, claims("601", "agent").build()), 601);
    }

    @Test
    void hs256StillWorksWhenBothAreConfigured() {
        assertAccepted(both, hs256(claims("602", "agent").build()), 602);
    }

    @Test
    void hs256IsRefusedWhenOnlyRs256IsConfigured() {
        assertRefused(rsaOnly, hs256(claims("603", "agent").build()));
    }

    @Test
    void rs256TokenSignedWithAnotherKeyIsRefused() {
        assertRefused(rsaOnly, rs256(rsaKeyPair(), claims("604", "agent").build()));
        assertRefused(both, rs256(rsaKeyPair(), claims("604", "agent").build()));
    }

    @Test
    void hs256SignedWithThePublicKeyAsSecretIsRefused() throws Exception {
        // The classic key-confusion attack: the public key is public, so an attacker can HMAC with it.
        for (byte[] secret : List.of(pem(KEYS).getBytes(StandardCharsets.US_ASCII), KEYS.getPublic().getEncoded())) {
            String forged = sign(JWSAlgorithm.HS256, new MACSigner(secret), claims("605", "admin").build());
            assertRefused(rsaOnly, forged);
            assertRefused(both, forged);
        }
    }

    @Test
    void expiredRs256TokenIsRefused() {
        Instant past = Instant.now().minus(Duration.ofMinutes(10));
        assertRefused(rsaOnly, rs256(KEYS, claims("606", "agent")
                .issueTime(Date.from(past.minus(Duration.ofHours(1)))).expirationTime(Date.from(past)).build()));
    }

    @Test
    void beforeAuthEvenAMalformedOrUnknownMessageIsAnsweredUnauthenticated() {
        try (WsClient client = server.connect()) {
            client.send("type", "subscribe");
            assertEquals("subscribe", client.awaitError("unauthenticated").get("request").asText());
            client.send("type", "shout");
            assertEquals("shout", client.awaitError("unauthenticated").get("request").asText());
            client.sendRaw("[1,2]");
            client.awaitError("invalid_json"); // no type to speak of
        }
    }

    // ---- a connection never outlives its token ----

    /**
     * A token 58 s past exp still passes (60 s clock skew), so the connection has about 2 s left. Re-auth before
     * expiry and the exact moment of the close are pinned on a manual clock by {@link ClientSessionTest}.
     */
    private static String nearlyExpiredToken(long userId) {
        return new dev.switchboard.auth.TokenIssuer(TestServer.SECRET).issue(userId, dev.switchboard.auth.Role.CONTACT,
                "Soon gone", java.util.List.of(77L), java.time.Duration.ofSeconds(-58));
    }

    @Test
    void connectionIsClosedWith4002WhenItsTokenExpires() {
        try (WsClient client = server.connect()) {
            client.authenticate(nearlyExpiredToken(880));
            client.subscribe(77);
            assertEquals(4002, client.awaitClose());
        }
    }
}
