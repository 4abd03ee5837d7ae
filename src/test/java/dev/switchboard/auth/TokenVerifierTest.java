package dev.switchboard.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class TokenVerifierTest {
    static final String SECRET = "token-verifier-test-secret-of-at-least-32-bytes";

    static KeyPair rsa;
    static KeyPair otherRsa;
    static String rsaPublicPem;

    final TokenVerifier hsOnly = new TokenVerifier(SECRET, null);

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rsa = generator.generateKeyPair();
        otherRsa = generator.generateKeyPair();
        rsaPublicPem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(rsa.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    static RSAPublicKey publicKey() {
        return (RSAPublicKey) rsa.getPublic();
    }

    static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder()
                .subject("123")
                .claim("role", "agent")
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)));
    }

    static String sign(JWSAlgorithm alg, JWSSigner signer, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    static String hs256(JWTClaimsSet claims) throws Exception {
        return sign(JWSAlgorithm.HS256, new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), claims);
    }

    static String hs256(JWTClaimsSet.Builder claims) throws Exception {
        return hs256(claims.build());
    }

    static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Signs arbitrary JSON text as the payload, for claims the Nimbus builder would not produce. */
    static String hs256RawPayload(String payloadJson) throws Exception {
        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload(payloadJson));
        jws.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jws.serialize();
    }

    /** Asserts the token is refused with a message fit for a client, and returns that message. */
    static String rejected(TokenVerifier verifier, String token) {
        TokenRejectedException e = assertThrows(TokenRejectedException.class, () -> verifier.verify(token),
                "token should be refused: " + token);
        assertSafeMessage(e);
        return e.getMessage();
    }

    static void assertSafeMessage(TokenRejectedException e) {
        String message = e.getMessage();
        assertTrue(message != null && !message.isBlank(), "a reason is given");
        assertFalse(message.contains("\n"), "one line: " + message);
        assertFalse(message.contains("\tat "), "no stack trace: " + message);
        assertFalse(message.matches("(?s).*\\b(com|org|java|javax|net)\\.[a-z]+\\..*"), "no class names: " + message);
        assertFalse(message.contains("Exception"), "no exception names: " + message);
        assertEquals(0, e.getStackTrace().length, "no stack trace is even captured");
        assertNull(e.getCause(), "no cause carried");
    }

    @Test
    void validHs256TokenGivesThePrincipal() throws Exception {
        Instant exp = Instant.now().plusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Principal p = hsOnly.verify(hs256(claims().expirationTime(Date.from(exp)).claim("name", "Ana")));
        assertEquals(123, p.userId());
        assertEquals(Role.AGENT, p.role());
        assertEquals("Ana", p.name());
        assertEquals(Set.of(), p.conversations());
        assertEquals(exp, p.expiresAt());
    }

    @ParameterizedTest(name = "role {0}")
    @ValueSource(strings = {"agent", "admin", "contact"})
    void everyRoleIsAccepted(String role) throws Exception {
        assertEquals(Role.fromWire(role), hsOnly.verify(hs256(claims().claim("role", role))).role());
    }

    @Test
    void nameIsOptional() throws Exception {
        assertNull(hsOnly.verify(hs256(claims())).name());
        assertNull(hsOnly.verify(hs256(claims().claim("name", 42))).name(), "a non-string name is ignored");
    }

    /** An {@code exp} on a whole second, as JWTs carry it, far from the test machine's own time. */
    static final Instant EXP = Instant.parse("2031-05-04T10:00:00Z");

    static TokenVerifier verifierAt(Instant now) {
        return new TokenVerifier(SECRET, null, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void tokenExpiredWithinTheClockSkewIsStillAccepted() throws Exception {
        String token = hs256(claims().expirationTime(Date.from(EXP)));
        assertEquals(123, verifierAt(EXP.plusSeconds(20)).verify(token).userId());
        assertEquals(123, verifierAt(EXP.plus(TokenVerifier.CLOCK_SKEW).minusMillis(1)).verify(token).userId());
    }

    @Test
    void tokenExpiredBeyondTheClockSkewIsRefused() throws Exception {
        String token = hs256(claims().expirationTime(Date.from(EXP)));
        assertEquals("token has expired", rejected(verifierAt(EXP.plusSeconds(120)), token));
        assertEquals("token has expired", rejected(verifierAt(EXP.plus(TokenVerifier.CLOCK_SKEW)), token),
                "exp plus the skew is the first instant refused");
    }

    @Test
    void expiryIsJudgedByTheInjectedClockNotTheMachineTime() throws Exception {
        Instant longAgo = Instant.parse("2001-01-01T00:00:00Z");
        String expiredYearsAgo = hs256(claims().expirationTime(Date.from(longAgo)));
        assertEquals(123, verifierAt(longAgo.minusSeconds(3600)).verify(expiredYearsAgo).userId());
        String validForAnHour = hs256(claims());
        assertEquals("token has expired",
                rejected(verifierAt(Instant.now().plus(Duration.ofDays(1))), validForAnHour));
    }

    @Test
    void tokenNotYetValidIsRefused() throws Exception {
        String token = hs256(claims().notBeforeTime(Date.from(Instant.now().plusSeconds(600))));
        rejected(hsOnly, token);
    }

    @Test
    void notBeforeIsJudgedByTheInjectedClock() throws Exception {
        Instant nbf = EXP.minus(Duration.ofHours(1));
        String token = hs256(claims().expirationTime(Date.from(EXP)).notBeforeTime(Date.from(nbf)));
        assertTrue(rejected(verifierAt(nbf.minusSeconds(120)), token).startsWith("token claims are invalid"));
        assertEquals(123, verifierAt(nbf.minusSeconds(20)).verify(token).userId(), "nbf has the same skew");
        assertEquals(123, verifierAt(nbf.plusSeconds(60)).verify(token).userId());
    }

    @Test
    void tokenSignedWithAnotherSecretIsRefused() throws Exception {
        String token = sign(JWSAlgorithm.HS256,
                new MACSigner("another-secret-that-is-also-32-bytes-long!".getBytes(StandardCharsets.UTF_8)),
                claims().build());
        assertTrue(rejected(hsOnly, token).contains("signature"));
    }

    @Test
    void tamperedPayloadIsRefused() throws Exception {
        String[] parts = hs256(claims()).split("\\.");
        String admin = b64("{\"sub\":\"123\",\"role\":\"admin\",\"exp\":" + (Instant.now().getEpochSecond() + 3600) + "}");
        assertTrue(rejected(hsOnly, parts[0] + "." + admin + "." + parts[2]).contains("signature"));
    }

    @Test
    void algNoneIsRefused() throws Exception {
        String payload = b64("{\"sub\":\"123\",\"role\":\"admin\",\"exp\":" + (Instant.now().getEpochSecond() + 3600) + "}");
        rejected(hsOnly, b64("{\"alg\":\"none\"}") + "." + payload + ".");
        rejected(hsOnly, b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + ".");
        rejected(hsOnly, b64("{\"alg\":\"None\"}") + "." + payload + ".");
        rejected(hsOnly, b64("{\"alg\":\"HS256\"}") + "." + payload + ".");
        TokenVerifier both = new TokenVerifier(SECRET, publicKey());
        rejected(both, b64("{\"alg\":\"none\"}") + "." + payload + ".");
    }

    @Test
    void hs512IsRefusedEvenWithTheRightSecret() throws Exception {
        byte[] key = (SECRET + SECRET).getBytes(StandardCharsets.UTF_8);
        TokenVerifier verifier = new TokenVerifier(SECRET + SECRET, null);
        String token = sign(JWSAlgorithm.HS512, new MACSigner(key), claims().build());
        assertTrue(rejected(verifier, token).contains("HS512"));
        String hs384 = sign(JWSAlgorithm.HS384, new MACSigner(key), claims().build());
        rejected(verifier, hs384);
    }

    @Test
    void rs256IsAcceptedWhenThePublicKeyIsConfigured() throws Exception {
        String token = sign(JWSAlgorithm.RS256, new RSASSASigner(rsa.getPrivate()), claims().build());
        assertEquals(123, new TokenVerifier(null, publicKey()).verify(token).userId());
        assertEquals(123, new TokenVerifier(SECRET, publicKey()).verify(token).userId());
        assertEquals(123, new TokenVerifier(null, PemKeys.parseRsaPublicKey(rsaPublicPem)).verify(token).userId());
    }

    @Test
    void rs256IsRefusedWithoutAPublicKey() throws Exception {
        String token = sign(JWSAlgorithm.RS256, new RSASSASigner(rsa.getPrivate()), claims().build());
        assertTrue(rejected(hsOnly, token).contains("RS256"));
    }

    @Test
    void rs256SignedByAnotherKeyIsRefused() throws Exception {
        String token = sign(JWSAlgorithm.RS256, new RSASSASigner(otherRsa.getPrivate()), claims().build());
        rejected(new TokenVerifier(null, publicKey()), token);
    }

    @Test
    void otherRsaAlgorithmsAreRefused() throws Exception {
        String ps256 = sign(JWSAlgorithm.PS256, new RSASSASigner(rsa.getPrivate()), claims().build());
        rejected(new TokenVerifier(null, publicKey()), ps256);
        String rs512 = sign(JWSAlgorithm.RS512, new RSASSASigner(rsa.getPrivate()), claims().build());
        rejected(new TokenVerifier(null, publicKey()), rs512);
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused() throws Exception {
        // Algorithm confusion: an attacker who knows the public key signs HS256 with its bytes.
        for (byte[] key : List.of(publicKey().getEncoded(), rsaPublicPem.getBytes(StandardCharsets.UTF_8))) {
            String token = sign(JWSAlgorithm.HS256, new MACSigner(key), claims().claim("role", "admin").build());
            rejected(new TokenVerifier(null, publicKey()), token);
            rejected(new TokenVerifier(SECRET, publicKey()), token);
        }
    }

    @ParameterizedTest(name = "missing {0}")
    @ValueSource(strings = {"sub", "exp", "role"})
    void missingRequiredClaimIsRefused(String claim) throws Exception {
        JWTClaimsSet.Builder builder = claims();
        builder.claim(claim, null);
        assertTrue(rejected(hsOnly, hs256(builder)).contains(claim));
    }

    @ParameterizedTest(name = "sub \"{0}\"")
    @ValueSource(strings = {"abc", "0", "-5", "", " 12", "12.0", "99999999999999999999", "0x10", "+12", "12 ",
            "1234567890123456789"})
    void subThatIsNotAPositiveIdIsRefused(String sub) throws Exception {
        rejected(hsOnly, hs256(claims().subject(sub)));
    }

    @Test
    void numericSubClaimIsToleratedAsTheUserId() throws Exception {
        // The spec says sub is a string; web apps that emit a JSON number still name the same user.
        long exp = Instant.now().getEpochSecond() + 3600;
        assertEquals(123, hsOnly.verify(
                hs256RawPayload("{\"sub\":123,\"role\":\"agent\",\"exp\":" + exp + "}")).userId());
        rejected(hsOnly, hs256RawPayload("{\"sub\":-1,\"role\":\"agent\",\"exp\":" + exp + "}"));
        rejected(hsOnly, hs256RawPayload("{\"sub\":1.5,\"role\":\"agent\",\"exp\":" + exp + "}"));
    }

    @Test
    void nonNumericExpIsRefusedCleanly() throws Exception {
        rejected(hsOnly, hs256RawPayload("{\"sub\":\"123\",\"role\":\"agent\",\"exp\":\"tomorrow\"}"));
    }

    @Test
    void payloadThatIsNotJsonIsRefusedCleanly() throws Exception {
        rejected(hsOnly, hs256RawPayload("not json at all"));
        rejected(hsOnly, hs256RawPayload("[1,2,3]"));
    }

    @ParameterizedTest(name = "role {0}")
    @ValueSource(strings = {"superuser", "Agent", "", "agent "})
    void unknownRoleIsRefused(String role) throws Exception {
        assertTrue(rejected(hsOnly, hs256(claims().claim("role", role))).contains("role"));
    }

    @Test
    void nonStringRoleIsRefused() throws Exception {
        rejected(hsOnly, hs256(claims().claim("role", 1)));
        rejected(hsOnly, hs256(claims().claim("role", List.of("agent"))));
    }

    @Test
    void conversationsAcceptNumbersAndNumericStrings() throws Exception {
        Principal p = hsOnly.verify(hs256(claims().claim("role", "contact")
                .claim("conversations", List.of(1, 2L, "3", "4000000000"))));
        assertEquals(Set.of(1L, 2L, 3L, 4_000_000_000L), p.conversations());
        assertTrue(p.mayAccess(3));
        assertFalse(p.mayAccess(5));
    }

    @Test
    void conversationsAsJsonNumbersInARawPayloadAreAccepted() throws Exception {
        long exp = Instant.now().getEpochSecond() + 3600;
        Principal p = hsOnly.verify(hs256RawPayload("{\"sub\":\"9\",\"role\":\"contact\",\"exp\":" + exp
                + ",\"conversations\":[456, \"457\", 9007199254740993]}"));
        assertEquals(Set.of(456L, 457L, 9007199254740993L), p.conversations());
    }

    @Test
    void emptyConversationsAreAllowed() throws Exception {
        assertEquals(Set.of(), hsOnly.verify(hs256(claims().claim("conversations", List.of()))).conversations());
    }

    @Test
    void conversationsThatAreNotAnArrayAreRefused() throws Exception {
        assertTrue(rejected(hsOnly, hs256(claims().claim("conversations", "5"))).contains("conversations"));
        rejected(hsOnly, hs256(claims().claim("conversations", 5)));
        rejected(hsOnly, hs256(claims().claim("conversations", java.util.Map.of("id", 5))));
    }

    @Test
    void conversationsWithNonIdsAreRefused() throws Exception {
        rejected(hsOnly, hs256(claims().claim("conversations", List.of("abc"))));
        rejected(hsOnly, hs256(claims().claim("conversations", List.of(1.5))));
        rejected(hsOnly, hs256(claims().claim("conversations", List.of(true))));
        long exp = Instant.now().getEpochSecond() + 3600;
        rejected(hsOnly, hs256RawPayload("{\"sub\":\"9\",\"role\":\"contact\",\"exp\":" + exp
                + ",\"conversations\":[null]}"));
        rejected(hsOnly, hs256RawPayload("{\"sub\":\"9\",\"role\":\"contact\",\"exp\":" + exp
                + ",\"conversations\":[1e30]}"));
    }

    @Test
    void conversationIdsThatAreNotPositiveAreRefused() throws Exception {
        rejected(hsOnly, hs256(claims().claim("role", "contact").claim("conversations", List.of(0))));
        rejected(hsOnly, hs256(claims().claim("role", "contact").claim("conversations", List.of(4, -4))));
        rejected(hsOnly, hs256(claims().claim("role", "contact").claim("conversations", List.of("+4"))));
        rejected(hsOnly, hs256(claims().claim("role", "contact").claim("conversations", List.of(1.0))));
    }

    @Test
    void staffMayAccessAnyConversation() throws Exception {
        assertTrue(hsOnly.verify(hs256(claims())).mayAccess(987654));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "abc", "a.b", "a.b.c", "...", "a.b.c.d.e", "eyJhbGciOiJIUzI1NiJ9..", "Bearer x.y.z"})
    void garbageIsRefusedCleanly(String token) {
        rejected(hsOnly, token);
    }

    @Test
    void randomMutationsOfAValidTokenAreOnlyEverAcceptedOrRefused() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        String valid = hs256(claims().claim("conversations", List.of(1, 2)).claim("name", "Ana"));
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\"";
        for (int i = 0; i < 3000; i++) {
            StringBuilder token = new StringBuilder(valid);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits && token.length() > 0; e++) {
                int at = random.nextInt(token.length());
                switch (random.nextInt(3)) {
                    case 0: token.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length()))); break;
                    case 1: token.deleteCharAt(at); break;
                    default: token.insert(at, alphabet.charAt(random.nextInt(alphabet.length()))); break;
                }
            }
            try {
                hsOnly.verify(token.toString());
            } catch (TokenRejectedException e) {
                assertSafeMessage(e);
            } catch (RuntimeException e) {
                fail("seed " + seed + ", iteration " + i + ": " + e + " for token " + token, e);
            }
        }
    }

    @Test
    void verifierNeedsASecretOrAKey() {
        assertThrows(IllegalArgumentException.class, () -> new TokenVerifier(null, null));
    }

    @Test
    void shortSecretIsRefusedAtConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new TokenVerifier("short", null));
    }

    @Test
    void issuedTokenRoundTripsThroughTheVerifier() throws Exception {
        TokenIssuer issuer = new TokenIssuer(SECRET);
        Instant before = Instant.now();
        String token = issuer.issue(42, Role.CONTACT, "Ana Souza", List.of(7L, 8L), Duration.ofMinutes(30));
        Principal p = hsOnly.verify(token);
        assertEquals(42, p.userId());
        assertEquals(Role.CONTACT, p.role());
        assertEquals("Ana Souza", p.name());
        assertEquals(Set.of(7L, 8L), p.conversations());
        assertFalse(p.expiresAt().isBefore(before.plus(Duration.ofMinutes(30)).minusSeconds(1)), p.expiresAt().toString());
        assertFalse(p.expiresAt().isAfter(Instant.now().plus(Duration.ofMinutes(30)).plusSeconds(1)), p.expiresAt().toString());
        assertTrue(p.mayAccess(7));
        assertFalse(p.mayAccess(9));
    }

    @Test
    void issuedTokenWithoutNameOrConversationsRoundTrips() throws Exception {
        String token = new TokenIssuer(SECRET).issue(7, Role.ADMIN, null, List.of(), Duration.ofHours(1));
        Principal p = hsOnly.verify(token);
        assertEquals(7, p.userId());
        assertEquals(Role.ADMIN, p.role());
        assertNull(p.name());
        assertEquals(Set.of(), p.conversations());
        assertEquals(JWSAlgorithm.HS256, SignedJWT.parse(token).getHeader().getAlgorithm());
        assertEquals("7", SignedJWT.parse(token).getJWTClaimsSet().getSubject(), "sub is the id as a string");
    }

    @Test
    void issuedTokenIsRefusedByAVerifierWithAnotherSecret() throws Exception {
        String token = new TokenIssuer(SECRET).issue(7, Role.AGENT, null, null, Duration.ofHours(1));
        rejected(new TokenVerifier("a-completely-different-secret-of-32-bytes", null), token);
    }
}
