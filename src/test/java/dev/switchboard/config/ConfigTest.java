package dev.switchboard.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef-config-test-secret";

    static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }

    static List<String> problems(Map<String, String> env) {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.fromEnvironment(env),
                "expected a configuration error for " + env);
        return e.problems();
    }

    static void assertSingleProblem(String variable, Map<String, String> env) {
        List<String> problems = problems(env);
        assertEquals(1, problems.size(), "exactly one problem expected for " + env + ", got " + problems);
        assertTrue(problems.get(0).startsWith(variable + " "),
                "problem line must start with the variable's name: " + problems.get(0));
        assertFalse(problems.get(0).contains("\n"), "one line: " + problems.get(0));
    }

    private static String cachedPem;

    /** An RSA public key in PEM form ("-----BEGIN PUBLIC KEY-----" + base64 of getEncoded()), generated once. */
    static synchronized String publicKeyPem() throws Exception {
        if (cachedPem == null) {
            cachedPem = newPublicKeyPem();
        }
        return cachedPem;
    }

    static String newPublicKeyPem() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    @Test
    void emptyEnvironmentGivesDocumentedDefaultsAndEmbeddedDemo() {
        Config c = Config.fromEnvironment(Map.of());
        assertEquals("127.0.0.1", c.host());
        assertEquals(8080, c.port());
        assertTrue(c.embedded());
        assertNull(c.database());
        assertTrue(c.demo(), "DEMO defaults on for the embedded default");
        assertEquals(Path.of("data").toAbsolutePath().normalize(), c.dataDir());
        assertNull(c.jwtSecret());
        assertNull(c.jwtPublicKeyPem());
        assertTrue(c.allowedOrigins().isEmpty());
        assertFalse(c.allowAnyOrigin());
        assertTrue(c.nodeId().matches("[A-Za-z0-9_.-]{1,64}"), c.nodeId());
        assertEquals(65536, c.maxFrameBytes());
        assertEquals(1024, c.sendQueueLimit());
        assertEquals(20, c.rateLimitPerSecond());
        assertEquals(40, c.rateLimitBurst());
        assertEquals(Duration.ofSeconds(10), c.authTimeout());
        assertEquals(Duration.ofSeconds(6), c.typingTimeout());
        assertEquals(Duration.ofSeconds(5), c.presenceGrace());
        assertEquals(Duration.ofSeconds(30), c.pingInterval());
        assertEquals(Duration.ofSeconds(75), c.idleTimeout());
        assertEquals(10_000, c.maxConnections());
        assertEquals(Duration.ofDays(3), c.eventRetention());
        assertEquals(4, c.databasePoolSize());
        assertEquals(Duration.ofSeconds(8), c.shutdownTimeout());
    }

    @Test
    void blankValuesMeanDefault() {
        Config c = Config.fromEnvironment(env("PORT", "  ", "HOST", "", "DATABASE_URL", " "));
        assertEquals(8080, c.port());
        assertEquals("127.0.0.1", c.host());
        assertTrue(c.embedded());
    }

    @Test
    void twoDefaultNodeIdsDiffer() {
        assertFalse(Config.fromEnvironment(Map.of()).nodeId().equals(Config.fromEnvironment(Map.of()).nodeId()),
                "two processes on one host must not share a default node id");
    }

    @Test
    void databaseUrlTurnsDemoOffAndUsesTheDatabase() {
        Config c = Config.fromEnvironment(env("DATABASE_URL", "postgres://app:pw@db.internal:5433/helpdesk",
                "JWT_SECRET", SECRET));
        assertFalse(c.embedded());
        assertFalse(c.demo(), "DEMO defaults off with a DATABASE_URL");
        assertEquals("jdbc:postgresql://db.internal:5433/helpdesk", c.database().jdbcUrl());
        assertEquals("app", c.database().user());
        assertEquals("pw", c.database().password());
        assertEquals(SECRET, c.jwtSecret());
    }

    @Test
    void databaseUserAndPasswordOverrideTheUrl() {
        Config c = Config.fromEnvironment(env("DATABASE_URL", "postgres://app:pw@db/helpdesk",
                "DATABASE_USER", "other", "DATABASE_PASSWORD", "s3cret", "JWT_SECRET", SECRET));
        assertEquals("other", c.database().user());
        assertEquals("s3cret", c.database().password());
    }

    @Test
    void explicitValuesAreRead() {
        Config c = Config.fromEnvironment(env("HOST", "0.0.0.0", "PORT", "0", "NODE_ID", "node-a.1_x",
                "MAX_FRAME_BYTES", "2048", "RATE_LIMIT_PER_SECOND", "5", "RATE_LIMIT_BURST", "7",
                "AUTH_TIMEOUT", "2s", "PRESENCE_GRACE", "0s", "DEMO", "off", "ALLOWED_ORIGINS",
                " https://App.Example.com , http://localhost:3000,, "));
        assertEquals("0.0.0.0", c.host());
        assertEquals(0, c.port());
        assertEquals("node-a.1_x", c.nodeId());
        assertEquals(2048, c.maxFrameBytes());
        assertEquals(5, c.rateLimitPerSecond());
        assertEquals(7, c.rateLimitBurst());
        assertEquals(Duration.ofSeconds(2), c.authTimeout());
        assertEquals(Duration.ZERO, c.presenceGrace());
        assertFalse(c.demo());
        assertEquals(Set.of("https://app.example.com", "http://localhost:3000"), c.allowedOrigins());
        assertFalse(c.allowAnyOrigin());
    }

    @Test
    void starAllowsAnyOrigin() {
        Config c = Config.fromEnvironment(env("ALLOWED_ORIGINS", "*"));
        assertTrue(c.allowAnyOrigin());
    }

    @ParameterizedTest(name = "DEMO={0} -> {1}")
    @CsvSource({"true,true", "1,true", "yes,true", "ON,true", "false,false", "0,false", "no,false", "Off,false"})
    void demoAcceptsTheUsualBooleanSpellings(String value, boolean expected) {
        assertEquals(expected, Config.fromEnvironment(env("DEMO", value)).demo());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "500ms|PT0.5S",
            "10s|PT10S",
            "10 s|PT10S",
            "5m|PT5M",
            "2h|PT2H",
            "7d|PT168H",
            "PT10S|PT10S",
            "pt1m30s|PT1M30S",
            " 3S |PT3S"})
    void durationsAcceptShortFormsAndIso8601(String text, String iso) {
        assertEquals(Duration.parse(iso), EnvReader.parseDuration(text));
    }

    @Test
    void durationSettingsUseTheParsedValue() {
        Config c = Config.fromEnvironment(env("TYPING_TIMEOUT", "500ms", "PING_INTERVAL", "5m",
                "IDLE_TIMEOUT", "1h", "EVENT_RETENTION", "7d", "PRESENCE_GRACE", "PT10S"));
        assertEquals(Duration.ofMillis(500), c.typingTimeout());
        assertEquals(Duration.ofMinutes(5), c.pingInterval());
        assertEquals(Duration.ofHours(1), c.idleTimeout());
        assertEquals(Duration.ofDays(7), c.eventRetention());
        assertEquals(Duration.ofSeconds(10), c.presenceGrace());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "PORT|abc",
            "PORT|70000",
            "PORT|-1",
            "PORT|99999999999",
            "HOST|not a host!!",
            "NODE_ID|node one",
            "NODE_ID|ünïcode",
            "MAX_FRAME_BYTES|10",
            "SEND_QUEUE_LIMIT|1.5",
            "RATE_LIMIT_PER_SECOND|0",
            "AUTH_TIMEOUT|10 parsecs",
            "AUTH_TIMEOUT|10",
            "AUTH_TIMEOUT|-5s",
            "AUTH_TIMEOUT|PT-10S",
            "AUTH_TIMEOUT|1h",
            "TYPING_TIMEOUT|P",
            "PRESENCE_GRACE|soon",
            "EVENT_RETENTION|1s",
            "SHUTDOWN_TIMEOUT|1.5s",
            "DEMO|maybe",
            "ALLOWED_ORIGINS|https://app.example.com/path",
            "ALLOWED_ORIGINS|https://app.example.com/",
            "ALLOWED_ORIGINS|https://app.example.com?x=1",
            "ALLOWED_ORIGINS|app.example.com",
            "ALLOWED_ORIGINS|ftp://app.example.com",
            "JWT_SECRET|too-short",
            "JWT_PUBLIC_KEY|garbage",
            "JWT_PUBLIC_KEY|/definitely/not/a/file.pem",
            "JWT_PUBLIC_KEY|-----BEGIN PUBLIC KEY-----AAAA-----END PUBLIC KEY-----"})
    void eachBadValueIsExactlyOneProblemNamingItsVariable(String variable, String value) {
        assertSingleProblem(variable, env(variable, value));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql://x", "postgres://", "postgres://host", "postgres://host/",
            "postgres:///db", "http://host/db", "postgres://ho st/db"})
    void badDatabaseUrlIsOneProblem(String url) {
        assertSingleProblem("DATABASE_URL", env("DATABASE_URL", url, "JWT_SECRET", SECRET));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "AUTH_TIMEOUT|99999999999999999d",
            "TYPING_TIMEOUT|999999999999999999h",
            "PING_INTERVAL|9999999999999999999999s",
            "IDLE_TIMEOUT|PT99999999999999999999H"})
    void absurdlyLargeDurationIsOneProblemNotACrash(String variable, String value) {
        assertSingleProblem(variable, env(variable, value));
    }

    @Test
    void idleTimeoutMustExceedPingInterval() {
        assertSingleProblem("IDLE_TIMEOUT", env("PING_INTERVAL", "30s", "IDLE_TIMEOUT", "30s"));
        assertSingleProblem("IDLE_TIMEOUT", env("PING_INTERVAL", "30s", "IDLE_TIMEOUT", "10s"));
        assertSingleProblem("IDLE_TIMEOUT", env("PING_INTERVAL", "2m"));
        assertEquals(Duration.ofMillis(30_001), Config.fromEnvironment(
                env("PING_INTERVAL", "30s", "IDLE_TIMEOUT", "30001ms")).idleTimeout());
    }

    @Test
    void databaseUrlWithoutAnyJwtKeyIsAProblem() {
        assertSingleProblem("JWT_SECRET", env("DATABASE_URL", "postgres://u:p@db/helpdesk"));
    }

    @Test
    void databaseUrlWithOnlyAPublicKeyIsAccepted() throws Exception {
        String pem = publicKeyPem();
        Config c = Config.fromEnvironment(env("DATABASE_URL", "postgres://u:p@db/helpdesk", "JWT_PUBLIC_KEY", pem));
        assertNull(c.jwtSecret());
        assertEquals(pem.strip(), c.jwtPublicKeyPem().strip());
    }

    @Test
    void publicKeyIsAcceptedAsPemTextAndAsAFilePath(@TempDir Path dir) throws Exception {
        String pem = publicKeyPem();
        assertEquals(pem.strip(), Config.fromEnvironment(env("JWT_PUBLIC_KEY", pem)).jwtPublicKeyPem().strip());

        Path file = dir.resolve("web-app.pub.pem");
        Files.writeString(file, pem);
        assertEquals(pem.strip(), Config.fromEnvironment(env("JWT_PUBLIC_KEY", file.toString())).jwtPublicKeyPem().strip(),
                "a file path is replaced by the PEM text it holds");
    }

    @Test
    void publicKeyFileWithGarbageIsOneProblem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("not-a-key.pem");
        Files.writeString(file, "hello");
        assertSingleProblem("JWT_PUBLIC_KEY", env("JWT_PUBLIC_KEY", file.toString()));
    }

    @Test
    void secretOfExactlyThirtyTwoBytesIsAccepted() {
        String secret = "x".repeat(Config.MIN_SECRET_BYTES);
        assertEquals(secret, Config.fromEnvironment(env("JWT_SECRET", secret)).jwtSecret());
        assertSingleProblem("JWT_SECRET", env("JWT_SECRET", "x".repeat(Config.MIN_SECRET_BYTES - 1)));
    }

    @Test
    void everyBadValueIsReportedAtOnce() {
        List<String> problems = problems(env(
                "PORT", "abc",
                "HOST", "not a host!!",
                "DATABASE_URL", "mysql://x",
                "NODE_ID", "has spaces",
                "AUTH_TIMEOUT", "10 parsecs",
                "DEMO", "maybe",
                "ALLOWED_ORIGINS", "https://a.example/path",
                "JWT_PUBLIC_KEY", "garbage"));
        assertEquals(8, problems.size(), problems.toString());
        for (String variable : List.of("PORT", "HOST", "DATABASE_URL", "NODE_ID", "AUTH_TIMEOUT", "DEMO",
                "ALLOWED_ORIGINS", "JWT_PUBLIC_KEY")) {
            assertEquals(1, problems.stream().filter(p -> p.startsWith(variable + " ")).count(),
                    variable + " reported once in " + problems);
        }
    }

    @Test
    void exceptionMessageJoinsEveryProblem() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.fromEnvironment(env("PORT", "abc", "DEMO", "maybe")));
        assertTrue(e.getMessage().contains("PORT "), e.getMessage());
        assertTrue(e.getMessage().contains("DEMO "), e.getMessage());
    }

    @Test
    void toStringNeverShowsTheSecretOrTheDatabasePassword() throws Exception {
        String password = "hunter2-database-password";
        Config c = Config.fromEnvironment(env(
                "DATABASE_URL", "postgres://app:" + password + "@db/helpdesk?sslmode=require",
                "JWT_SECRET", SECRET));
        String text = c.toString();
        assertFalse(text.contains(SECRET), text);
        assertFalse(text.contains(password), text);
        assertTrue(text.contains("HS256"), text);

        Config jdbc = Config.fromEnvironment(env(
                "DATABASE_URL", "jdbc:postgresql://db/helpdesk?user=app&password=" + password,
                "DATABASE_PASSWORD", "override-" + password,
                "JWT_SECRET", SECRET, "JWT_PUBLIC_KEY", publicKeyPem()));
        String jdbcText = jdbc.toString();
        assertFalse(jdbcText.contains(SECRET), jdbcText);
        assertFalse(jdbcText.contains(password), jdbcText);
        assertFalse(jdbcText.contains("BEGIN PUBLIC KEY"), jdbcText);
        assertTrue(jdbcText.contains("RS256"), jdbcText);
    }

    @Test
    void withDatabaseKeepsEverythingElse() {
        Config c = Config.fromEnvironment(env("PORT", "9000", "NODE_ID", "n1"));
        DatabaseUrl db = DatabaseUrl.parse("jdbc:postgresql://localhost:5432/x");
        Config resolved = c.withDatabase(db, SECRET);
        assertEquals(db, resolved.database());
        assertEquals(SECRET, resolved.jwtSecret());
        assertEquals(9000, resolved.port());
        assertEquals("n1", resolved.nodeId());
        assertEquals(c.demo(), resolved.demo());
        assertNotNull(resolved.dataDir());
    }
}
