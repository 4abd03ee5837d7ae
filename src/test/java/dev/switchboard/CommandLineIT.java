package dev.switchboard;

import dev.switchboard.auth.Principal;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
    void unreachableDatabaseFailsTheStartWithAClearMessage() throws Exception {
        int closedPort = ServerProcess.freePort();
        try (ServerProcess server = ServerProcess.launch(Map.of("JWT_SECRET", TestServer.SECRET,
                "PORT", Integer.toString(ServerProcess.freePort()),
                "DATABASE_URL", "postgres://nobody@127.0.0.1:" + closedPort + "/nothing"), List.of())) {
            assertEquals(1, server.waitFor(Duration.ofSeconds(60)));
            assertTrue(server.output().contains("Switchboard failed to start"), server.output());
        }
    }
}
