package dev.switchboard.cli;

import dev.switchboard.auth.DevSecret;
import dev.switchboard.auth.Principal;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenRejectedException;
import dev.switchboard.auth.TokenVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenCommandTest {
    static final String SECRET = "token-command-test-secret-with-32-bytes-or-more";

    @TempDir
    Path dataDir;

    /** One run of the command: its exit status and what it printed. */
    record Run(int status, String out, String err) {
        String token() {
            assertEquals(0, status, "exit status; stderr: " + err);
            String[] lines = out.strip().split("\n");
            assertEquals(1, lines.length, "exactly one line on stdout: " + out);
            assertEquals("", err, "nothing on stderr");
            return lines[0];
        }
    }

    Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", dataDir.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }

    static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = TokenCommand.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Principal verify(String secret, String token) throws TokenRejectedException {
        return new TokenVerifier(secret, null).verify(token);
    }

    static String firstLine(Run run) {
        return run.err().lines().findFirst().orElse("");
    }

    static void assertUsageError(Run run) {
        assertEquals(2, run.status(), "exit status 2; stdout: " + run.out() + " stderr: " + run.err());
        assertEquals("", run.out(), "no token on stdout");
        assertTrue(run.err().startsWith("switchboard token: "), run.err());
        assertTrue(run.err().contains("usage: switchboard token --user ID --role"), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void printsATokenTheVerifierAcceptsWithEveryClaim() throws Exception {
        Instant before = Instant.now();
        String token = run(env("JWT_SECRET", SECRET), "--user", "123", "--role", "contact", "--ttl", "2h",
                "--name", "Ana Souza", "--conversations", "4, 5,,6").token();
        Instant after = Instant.now();
        Principal p = verify(SECRET, token);
        assertEquals(123, p.userId());
        assertEquals(Role.CONTACT, p.role());
        assertEquals("Ana Souza", p.name());
        assertEquals(Set.of(4L, 5L, 6L), p.conversations());
        assertFalse(p.expiresAt().isBefore(before.plus(Duration.ofHours(2)).minusSeconds(1)), p.expiresAt().toString());
        assertFalse(p.expiresAt().isAfter(after.plus(Duration.ofHours(2)).plusSeconds(1)), p.expiresAt().toString());
        assertFalse(Files.exists(dataDir.resolve("jwt-secret")), "a configured secret never creates a dev secret");
    }

    @Test
    void ttlDefaultsToOneHourAndNameIsOptional() throws Exception {
        Instant before = Instant.now();
        Principal p = verify(SECRET, run(env("JWT_SECRET", SECRET), "--role", "agent", "--user", "7").token());
        assertEquals(7, p.userId());
        assertEquals(Role.AGENT, p.role());
        assertNull(p.name());
        assertEquals(Set.of(), p.conversations());
        long seconds = Duration.between(before, p.expiresAt()).toSeconds();
        assertTrue(seconds >= 3599 - 1 && seconds <= 3600 + 1, "exp about an hour from now: " + seconds);
    }

    @ParameterizedTest(name = "--ttl {0}")
    @ValueSource(strings = {"30s", "15m", "1h", "7d", "90D"})
    void ttlUnits(String ttl) throws Exception {
        long expected = switch (ttl.toLowerCase().charAt(ttl.length() - 1)) {
            case 's' -> Long.parseLong(ttl.substring(0, ttl.length() - 1));
            case 'm' -> 60 * Long.parseLong(ttl.substring(0, ttl.length() - 1));
            case 'h' -> 3600 * Long.parseLong(ttl.substring(0, ttl.length() - 1));
            default -> 86400 * Long.parseLong(ttl.substring(0, ttl.length() - 1));
        };
        Instant before = Instant.now();
        Principal p = verify(SECRET, run(env("JWT_SECRET", SECRET), "--user", "1", "--role", "admin",
                "--ttl", ttl).token());
        long seconds = Duration.between(before, p.expiresAt()).toSeconds();
        assertTrue(Math.abs(seconds - expected) <= 1, ttl + " gave " + seconds + " s");
    }

    @ParameterizedTest(name = "--ttl {0}")
    @ValueSource(strings = {"1 h", "PT1H", "60m", "3600000ms", "pt60m"})
    void ttlIsReadLikeEveryDurationSetting(String ttl) throws Exception {
        Instant before = Instant.now();
        Principal p = verify(SECRET, run(env("JWT_SECRET", SECRET), "--user", "1", "--role", "admin",
                "--ttl", ttl).token());
        long seconds = Duration.between(before, p.expiresAt()).toSeconds();
        assertTrue(Math.abs(seconds - 3600) <= 1, ttl + " gave " + seconds + " s");
    }

    @Test
    void tokenIsSignedWithTheConfiguredSecretOnly() {
        String token = run(env("JWT_SECRET", SECRET), "--user", "1", "--role", "agent").token();
        try {
            verify("a-different-secret-that-is-32-bytes-long!!", token);
            throw new AssertionError("a token must not verify with another secret");
        } catch (TokenRejectedException expected) {
            // signed with JWT_SECRET
        }
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        Run run = run(env("JWT_SECRET", SECRET), "--help");
        assertEquals(0, run.status());
        assertTrue(run.out().startsWith("usage: switchboard token"), run.out());
        assertEquals(0, run(env(), "-h").status());
    }

    @Test
    void missingUserIsAUsageError() {
        assertUsageError(run(env("JWT_SECRET", SECRET), "--role", "agent"));
    }

    @Test
    void missingRoleIsAUsageError() {
        assertUsageError(run(env("JWT_SECRET", SECRET), "--user", "1"));
    }

    @Test
    void noArgumentsIsAUsageError() {
        assertUsageError(run(env("JWT_SECRET", SECRET)));
    }

    @ParameterizedTest(name = "--role {0}")
    @ValueSource(strings = {"superuser", "Agent", "AGENT", "", "contacts"})
    void badRoleIsAUsageError(String role) {
        Run run = run(env("JWT_SECRET", SECRET), "--user", "1", "--role", role);
        assertUsageError(run);
        assertTrue(firstLine(run).contains("--role"), run.err());
    }

    @ParameterizedTest(name = "--ttl [{0}]")
    @ValueSource(strings = {"0s", "0h", "1w", "abc", "-1h", "1.5h", "h", "500ms", "PT-1H", "",
            "99999999999999999999d", "999999999999999999d", "100000000000000d", "9999999999999m"})
    void badTtlIsAUsageError(String ttl) {
        Run run = run(env("JWT_SECRET", SECRET), "--user", "1", "--role", "agent", "--ttl", ttl);
        assertUsageError(run);
        assertTrue(firstLine(run).contains("--ttl"), "the reason names --ttl: " + run.err());
    }

    @ParameterizedTest(name = "--user [{0}]")
    @ValueSource(strings = {"abc", "0", "-5", "1.5", "", "99999999999999999999", "+5", " 5"})
    void badUserIsAUsageError(String user) {
        assertUsageError(run(env("JWT_SECRET", SECRET), "--user", user, "--role", "agent"));
    }

    @Test
    void badConversationIdIsAUsageError() {
        assertUsageError(run(env("JWT_SECRET", SECRET), "--user", "1", "--role", "contact", "--conversations", "4,x"));
    }

    @ParameterizedTest(name = "--conversations [{0}]")
    @ValueSource(strings = {"0", "4,-5", "+4", "4;5", "1.5", "99999999999999999999"})
    void conversationIdsThatAreNotPositiveWholeNumbersAreAUsageError(String list) {
        Run run = run(env("JWT_SECRET", SECRET), "--user", "1", "--role", "contact", "--conversations", list);
        assertUsageError(run);
        assertTrue(firstLine(run).contains("--conversations"), run.err());
    }

    @Test
    void unknownFlagIsAUsageError() {
        Run run = run(env("JWT_SECRET", SECRET), "--user", "1", "--role", "agent", "--admin", "yes");
        assertUsageError(run);
        assertTrue(firstLine(run).contains("--admin"), run.err());
    }

    @Test
    void flagWithoutValueIsAUsageError() {
        Run run = run(env("JWT_SECRET", SECRET), "--role", "agent", "--user");
        assertUsageError(run);
        assertTrue(firstLine(run).contains("--user"), run.err());
    }

    @Test
    void invalidConfigurationIsReportedByVariable() {
        Run run = run(env("JWT_SECRET", "short"), "--user", "1", "--role", "agent");
        assertEquals(2, run.status());
        assertEquals("", run.out());
        assertTrue(run.err().contains("JWT_SECRET"), run.err());
    }

    @Test
    void databaseUrlWithoutSecretIsAnError() {
        Run run = run(env("DATABASE_URL", "postgres://u:p@db/helpdesk"), "--user", "1", "--role", "agent");
        assertEquals(2, run.status());
        assertEquals("", run.out());
        assertTrue(run.err().contains("JWT_SECRET"), run.err());
        assertFalse(Files.exists(dataDir.resolve("jwt-secret")), "no dev secret outside the embedded default");
    }

    @Test
    void embeddedModeSignsWithTheSecretTheServerKeptInDataDir() throws Exception {
        String secret = DevSecret.loadOrCreate(dataDir);
        Path file = dataDir.resolve("jwt-secret");
        String first = run(env(), "--user", "5", "--role", "agent").token();
        assertEquals(5, verify(secret, first).userId());
        String second = run(env(), "--user", "6", "--role", "admin").token();
        assertEquals(6, verify(secret, second).userId());
        assertEquals(secret, Files.readString(file).trim(), "the server's secret is left as it was");
    }

    @Test
    void embeddedModeRefusesRatherThanCreateASecretTheServerDoesNotKnow() {
        Path elsewhere = dataDir.resolve("not-the-server's");
        Run run = run(Map.of("DATA_DIR", elsewhere.toString()), "--user", "5", "--role", "agent");
        assertEquals(2, run.status(), run.err());
        assertEquals("", run.out(), "no token on stdout");
        String line = firstLine(run);
        assertTrue(line.startsWith("switchboard token: no JWT secret found"), run.err());
        assertTrue(line.contains(elsewhere.resolve("jwt-secret").toString()), "names where it looked: " + line);
        assertTrue(line.contains("JWT_SECRET"), line);
        assertFalse(Files.exists(elsewhere), "creates nothing: " + elsewhere);
    }

    @Test
    void embeddedModeRefusesAShortSecretFileRatherThanReplaceIt() throws Exception {
        Files.writeString(dataDir.resolve("jwt-secret"), "too-short\n");
        Run run = run(env(), "--user", "5", "--role", "agent");
        assertEquals(2, run.status(), run.err());
        assertTrue(firstLine(run).startsWith("switchboard token: no JWT secret found"), run.err());
        assertEquals("too-short\n", Files.readString(dataDir.resolve("jwt-secret")));
    }

    @Test
    void embeddedModeUsesJwtSecretWhenGiven() throws Exception {
        String token = run(env("JWT_SECRET", SECRET), "--user", "5", "--role", "agent").token();
        assertEquals(5, verify(SECRET, token).userId());
        assertFalse(Files.exists(dataDir.resolve("jwt-secret")));
    }
}
