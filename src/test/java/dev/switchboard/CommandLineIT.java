package dev.switchboard;

import dev.switchboard.auth.Principal;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jar's command line as an operator types it. */
class CommandLineIT {
    @Test
    void tokenCommandMintsATokenTheServerAccepts() throws Exception {
        try (ServerProcess cli = ServerProcess.launch(Map.of("JWT_SECRET", TestServer.SECRET,
                "DATABASE_URL", "postgres://x@localhost/x"),
                List.of("token", "--user", "123", "--role", "agent", "--ttl", "1h", "--name", "Ana"))) {
            assertEquals(0, cli.waitFor(Duration.ofSeconds(60)), cli.output());
            String token = cli.output().lines().filter(l -> l.startsWith("ey")).findFirst().orElseThrow();
            Principal p = new TokenVerifier(TestServer.SECRET, null).verify(token);
            assertEquals(123, p.userId());
            assertEquals(Role.AGENT, p.role());
            assertEquals("Ana", p.name());
        }
    }

    @Test
    void invalidConfigurationExitsWithOneLinePerBadVariable() throws Exception {
        try (ServerProcess server = ServerProcess.launch(Map.of("PORT", "eighty", "HOST", "0.0.0.0",
                "DATABASE_URL", "mysql://db/app", "JWT_SECRET", "short", "MAX_FRAME_BYTES", "12"), List.of())) {
            assertEquals(2, server.waitFor(Duration.ofSeconds(60)));
            List<String> lines = server.output().lines().filter(l -> l.startsWith("switchboard:")).toList();
            assertEquals(4, lines.size(), server.output());
            for (String variable : List.of("PORT", "DATABASE_URL", "JWT_SECRET", "MAX_FRAME_BYTES")) {
                assertTrue(lines.stream().anyMatch(l -> l.startsWith("switchboard: invalid configuration: "
                        + variable + " ")), variable + " in " + lines);
            }
            assertTrue(!server.output().contains("Exception"), "no stack trace: " + server.output());
        }
    }

    @Test
    void unreachableDatabaseFailsTheStartWithOneLineNamingItsAddress() throws Exception {
        int closedPort = ServerProcess.freePort();
        try (ServerProcess server = ServerProcess.launch(Map.of("JWT_SECRET", TestServer.SECRET,
                "PORT", Integer.toString(ServerProcess.freePort()),
                "DATABASE_URL", "postgres://nobody@127.0.0.1:" + closedPort + "/nothing"), List.of())) {
            assertEquals(1, server.waitFor(Duration.ofSeconds(60)), server.output());
            assertOneFailureLineWithoutStackTrace(server.output(), "database_unreachable",
                    "the database at 127.0.0.1:" + closedPort + " is unreachable");
        }
    }

    @Test
    void portInUseFailsTheStartWithOneLineNamingThePort() throws Exception {
        DatabaseUrl database = TestDatabases.createDatabase();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             ServerProcess server = ServerProcess.launch(Map.of("JWT_SECRET", TestServer.SECRET,
                     "HOST", "127.0.0.1", "PORT", Integer.toString(taken.getLocalPort()),
                     "DATABASE_URL", database.jdbcUrl(), "DATABASE_USER", database.user()), List.of())) {
            assertEquals(1, server.waitFor(Duration.ofSeconds(90)), server.output());
            assertOneFailureLineWithoutStackTrace(server.output(), "port_in_use",
                    "PORT " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
        }
    }

    @Test
    void jsonLogFormatPrintsOneJsonObjectPerLine() throws Exception {
        int closedPort = ServerProcess.freePort();
        try (ServerProcess server = ServerProcess.launch(Map.of("JWT_SECRET", TestServer.SECRET,
                "LOG_FORMAT", "json", "PORT", Integer.toString(ServerProcess.freePort()),
                "DATABASE_URL", "postgres://nobody@127.0.0.1:" + closedPort + "/nothing"), List.of())) {
            assertEquals(1, server.waitFor(Duration.ofSeconds(60)), server.output());
            ObjectMapper mapper = new ObjectMapper();
            List<JsonNode> lines = new ArrayList<>();
            for (String line : server.output().lines().toList()) {
                lines.add(mapper.readTree(line));
            }
            JsonNode failure = lines.stream().filter(l -> l.path("event").asText().equals("startup_failed"))
                    .findFirst().orElseThrow(() -> new AssertionError(server.output()));
            assertEquals("ERROR", failure.get("level").asText());
            assertEquals("database_unreachable", failure.get("reason").asText());
            assertTrue(failure.get("message").asText().contains("127.0.0.1:" + closedPort), failure.toString());
        }
    }

    @Test
    void debugLevelShowsTheStackTraceOfAFailedStart() throws Exception {
        int closedPort = ServerProcess.freePort();
        try (ServerProcess server = ServerProcess.launch(Map.of("JWT_SECRET", TestServer.SECRET,
                "LOG_LEVEL", "DEBUG", "PORT", Integer.toString(ServerProcess.freePort()),
                "DATABASE_URL", "postgres://nobody@127.0.0.1:" + closedPort + "/nothing"), List.of())) {
            assertEquals(1, server.waitFor(Duration.ofSeconds(60)), server.output());
            assertTrue(server.output().contains("\tat dev.switchboard."), server.output());
            assertTrue(server.output().lines().filter(l -> l.contains(" DEBUG "))
                            .allMatch(l -> l.matches("\\S+ DEBUG \\[[^]]*] (dev\\.switchboard|d\\.switchboard|d\\.s)\\..*")),
                    "DEBUG is Switchboard's own, not the JDBC driver's: " + server.output());
        }
    }

    /** The one line an operator needs, and no stack trace at the default level. */
    private static void assertOneFailureLineWithoutStackTrace(String output, String reason, String says) {
        List<String> failures = output.lines().filter(l -> l.contains("event=startup_failed")).toList();
        assertEquals(1, failures.size(), output);
        assertTrue(failures.get(0).contains(" ERROR ") && failures.get(0).contains(" reason=" + reason + " ")
                && failures.get(0).contains("Switchboard failed to start: " + says), output);
        assertTrue(output.lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")),
                "no stack trace: " + output);
    }
}
