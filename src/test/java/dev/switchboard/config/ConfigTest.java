package dev.switchboard.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.RecordComponent;
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
        assertEquals("127.0.0.1", c.listen().host());
        assertEquals(8080, c.listen().port());
        assertTrue(c.database().embedded());
        assertNull(c.database().url());
        assertTrue(c.demo().enabled(), "DEMO defaults on for the embedded default");
        assertEquals(Path.of("data").toAbsolutePath().normalize(), c.database().dataDir());
        assertNull(c.jwt().secret());
        assertNull(c.jwt().publicKeyPem());
        assertTrue(c.listen().allowedOrigins().isEmpty());
        assertFalse(c.listen().allowAnyOrigin());
        assertTrue(c.node().id().matches("[A-Za-z0-9_.-]{1,64}"), c.node().id());
        assertEquals(65536, c.limits().maxFrameBytes());
        assertEquals(1024, c.limits().sendQueueLimit());
        assertEquals(20, c.limits().rateLimitPerSecond());
        assertEquals(40, c.limits().rateLimitBurst());
        assertEquals(Duration.ofSeconds(10), c.timeouts().auth());
        assertEquals(Duration.ofSeconds(6), c.timeouts().typing());
        assertEquals(Duration.ofSeconds(5), c.timeouts().presenceGrace());
        assertEquals(Duration.ofSeconds(30), c.timeouts().pingInterval());
        assertEquals(Duration.ofSeconds(75), c.timeouts().idle());
        assertEquals(10_000, c.limits().maxConnections());
        assertEquals(10_000, c.limits().maxResumeEvents());
        assertEquals(Duration.ofDays(3), c.retention().events());
        assertEquals(4, c.database().poolSize());
        assertEquals(Duration.ofSeconds(8), c.timeouts().shutdown());
    }

    @Test
    void embeddedDatabasePortIsFixedByDefaultAndZeroMeansAnyFreePort() {
        assertEquals(25432, Config.fromEnvironment(Map.of()).database().embeddedPort());
        assertEquals(15433, Config.fromEnvironment(env("EMBEDDED_DB_PORT", "15433")).database().embeddedPort());
        assertEquals(0, Config.fromEnvironment(env("EMBEDDED_DB_PORT", "0")).database().embeddedPort());
    }

    @Test
    void blankValuesMeanDefault() {
        Config c = Config.fromEnvironment(env("PORT", "  ", "HOST", "", "DATABASE_URL", " "));
        assertEquals(8080, c.listen().port());
        assertEquals("127.0.0.1", c.listen().host());
        assertTrue(c.database().embedded());
    }

    @Test
    void twoDefaultNodeIdsDiffer() {
        assertFalse(Config.fromEnvironment(Map.of()).node().id()
                        .equals(Config.fromEnvironment(Map.of()).node().id()),
                "two processes on one host must not share a default node id");
    }

    @Test
    void databaseUrlTurnsDemoOffAndUsesTheDatabase() {
        Config c = Config.fromEnvironment(env("DATABASE_URL", "postgres://app:pw@db.internal:5433/helpdesk",
                "JWT_SECRET", SECRET));
        assertFalse(c.database().embedded());
        assertFalse(c.demo().enabled(), "DEMO defaults off with a DATABASE_URL");
        assertEquals("jdbc:postgresql://db.internal:5433/helpdesk", c.database().url().jdbcUrl());
        assertEquals("app", c.database().url().user());
        assertEquals("pw", c.database().url().password());
        assertEquals(SECRET, c.jwt().secret());
    }

    @Test
    void databaseUserAndPasswordOverrideTheUrl() {
        Config c = Config.fromEnvironment(env("DATABASE_URL", "postgres://app:pw@db/helpdesk",
                "DATABASE_USER", "other", "DATABASE_PASSWORD", "s3cret", "JWT_SECRET", SECRET));
        assertEquals("other", c.database().url().user());
        assertEquals("s3cret", c.database().url().password());
    }

    @Test
    void explicitValuesAreRead() {
        Config c = Config.fromEnvironment(env("HOST", "0.0.0.0", "PORT", "0", "NODE_ID", "node-a.1_x",
                "MAX_FRAME_BYTES", "2048", "RATE_LIMIT_PER_SECOND", "5", "RATE_LIMIT_BURST", "7",
                "AUTH_TIMEOUT", "2s", "PRESENCE_GRACE", "0s", "DEMO", "off", "ALLOWED_ORIGINS",
                " https://App.Example.com , http://localhost:3000,, "));
        assertEquals("0.0.0.0", c.listen().host());
        assertEquals(0, c.listen().port());
        assertEquals("node-a.1_x", c.node().id());
        assertEquals(2048, c.limits().maxFrameBytes());
        assertEquals(5, c.limits().rateLimitPerSecond());
        assertEquals(7, c.limits().rateLimitBurst());
        assertEquals(Duration.ofSeconds(2), c.timeouts().auth());
        assertEquals(Duration.ZERO, c.timeouts().presenceGrace());
        assertFalse(c.demo().enabled());
        assertEquals(Set.of("https://app.example.com", "http://localhost:3000"), c.listen().allowedOrigins());
        assertFalse(c.listen().allowAnyOrigin());
    }

    @Test
    void starAllowsAnyOrigin() {
        Config c = Config.fromEnvironment(env("ALLOWED_ORIGINS", "*"));
        assertTrue(c.listen().allowAnyOrigin());
    }

    @ParameterizedTest(name = "DEMO={0} -> {1}")
    @CsvSource({"true,true", "1,true", "yes,true", "ON,true", "false,false", "0,false", "no,false", "Off,false"})
    void demoAcceptsTheUsualBooleanSpellings(String value, boolean expected) {
        assertEquals(expected, Config.fromEnvironment(env("DEMO", value)).demo().enabled());
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
        assertEquals(Duration.parse(iso), Durations.parse(text));
    }

    @Test
    void durationSettingsUseTheParsedValue() {
        Config c = Config.fromEnvironment(env("TYPING_TIMEOUT", "500ms", "PING_INTERVAL", "5m",
                "IDLE_TIMEOUT", "1h", "EVENT_RETENTION", "7d", "PRESENCE_GRACE", "PT10S"));
        assertEquals(Duration.ofMillis(500), c.timeouts().typing());
        assertEquals(Duration.ofMinutes(5), c.timeouts().pingInterval());
        assertEquals(Duration.ofHours(1), c.timeouts().idle());
        assertEquals(Duration.ofDays(7), c.retention().events());
        assertEquals(Duration.ofSeconds(10), c.timeouts().presenceGrace());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "PORT|abc",
            "PORT|70000",
            "PORT|-1",
            "PORT|99999999999",
            "EMBEDDED_DB_PORT|65536",
            "EMBEDDED_DB_PORT|five",
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
                env("PING_INTERVAL", "30s", "IDLE_TIMEOUT", "30001ms")).timeouts().idle());
    }

    @Test
    void databaseUrlWithoutAnyJwtKeyIsAProblem() {
        assertSingleProblem("JWT_SECRET", env("DATABASE_URL", "postgres://u:p@db/helpdesk"));
    }

    @Test
    void databaseUrlWithOnlyAPublicKeyIsAccepted() throws Exception {
        String pem = publicKeyPem();
        Config c = Config.fromEnvironment(env("DATABASE_URL", "postgres://u:p@db/helpdesk", "JWT_PUBLIC_KEY", pem));
        assertNull(c.jwt().secret());
        assertEquals(pem.strip(), c.jwt().publicKeyPem().strip());
    }

    @Test
    void publicKeyIsAcceptedAsPemTextAndAsAFilePath(@TempDir Path dir) throws Exception {
        String pem = publicKeyPem();
        assertEquals(pem.strip(), Config.fromEnvironment(env("JWT_PUBLIC_KEY", pem)).jwt().publicKeyPem().strip());

        Path file = dir.resolve("web-app.pub.pem");
        Files.writeString(file, pem);
        assertEquals(pem.strip(), Config.fromEnvironment(env("JWT_PUBLIC_KEY", file.toString())).jwt().publicKeyPem().strip(),
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
        String secret = "x".repeat(JwtConfig.MIN_SECRET_BYTES);
        assertEquals(secret, Config.fromEnvironment(env("JWT_SECRET", secret)).jwt().secret());
        assertSingleProblem("JWT_SECRET", env("JWT_SECRET", "x".repeat(JwtConfig.MIN_SECRET_BYTES - 1)));
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
    void toStringNamesEverySettingOfEveryGroup() {
        Config c = Config.fromEnvironment(env("NODE_ID", "n1"));
        String text = c.toString();
        for (RecordComponent group : Config.class.getRecordComponents()) {
            assertTrue(group.getType().isRecord(), "Config holds only groups, each a record: " + group.getName());
            assertTrue(text.contains(group.getName() + "=" + group.getType().getSimpleName() + "["),
                    group.getName() + " missing from " + text);
            for (RecordComponent setting : group.getType().getRecordComponents()) {
                assertTrue(text.contains(setting.getName() + "="),
                        group.getName() + "." + setting.getName() + " missing from " + text);
            }
        }
        assertTrue(text.contains("shutdown=PT8S"), "the setting once left out is there: " + text);
    }

    /**
     * Groups print themselves with the record's own toString, which shows every value: a new component that holds a
     * secret must be hidden by its group's toString (as {@link JwtConfig} does) and then listed here.
     */
    @Test
    void onlyTheHiddenComponentsLookLikeSecrets() {
        Set<String> secretLooking = new java.util.TreeSet<>();
        for (RecordComponent group : Config.class.getRecordComponents()) {
            for (RecordComponent c : group.getType().getRecordComponents()) {
                if (c.getName().matches("(?i).*(secret|password|token|credential|private).*")) {
                    secretLooking.add(group.getName() + "." + c.getName());
                }
            }
        }
        assertEquals(Set.of("jwt.secret"), secretLooking);
    }

    @Test
    void toStringHidesTheSecretTheEmbeddedDefaultResolved() {
        Config resolved = Config.fromEnvironment(Map.of())
                .withDatabase(DatabaseUrl.parse("postgres://app:hunter2-embedded@localhost:5432/x"), SECRET);
        String text = resolved.toString();
        assertFalse(text.contains(SECRET), text);
        assertFalse(text.contains("hunter2-embedded"), text);
        assertTrue(text.contains("jdbc:postgresql://localhost:5432/x"), text);
    }

    @Test
    void withDatabaseKeepsEverythingElse() {
        Config c = Config.fromEnvironment(env("PORT", "9000", "NODE_ID", "n1"));
        DatabaseUrl db = DatabaseUrl.parse("jdbc:postgresql://localhost:5432/x");
        Config resolved = c.withDatabase(db, SECRET);
        assertEquals(db, resolved.database().url());
        assertEquals(SECRET, resolved.jwt().secret());
        assertEquals(9000, resolved.listen().port());
        assertEquals("n1", resolved.node().id());
        assertEquals(c.demo().enabled(), resolved.demo().enabled());
        assertNotNull(resolved.database().dataDir());
        assertEquals(new Config(c.listen(), c.database().withUrl(db), c.jwt().withSecret(SECRET), c.node(), c.limits(),
                c.timeouts(), c.retention(), c.demo(), c.pusher()), resolved, "only the database and the secret change");
    }

    @Test
    void maxResumeEventsIsReadAndAZeroIsRefused() {
        assertEquals(250, Config.fromEnvironment(Map.of("MAX_RESUME_EVENTS", "250")).limits().maxResumeEvents());
        assertSingleProblem("MAX_RESUME_EVENTS", Map.of("MAX_RESUME_EVENTS", "0"));
    }
}
