package dev.switchboard;

import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What supervisor sees on {@code stop}: the real jar, a real SIGTERM. */
class ShutdownIT {
    @Test
    void sigtermClosesEverySessionWith1001AndExitsZero() throws Exception {
        try (ServerProcess server = ServerProcess.start(TestDatabases.createDatabase(), Map.of())) {
            String token = new dev.switchboard.auth.TokenIssuer(TestServer.SECRET)
                    .issue(7, dev.switchboard.auth.Role.AGENT, "Ana", java.util.List.of(), Duration.ofHours(1));
            try (WsClient authenticated = WsClient.connect(server.port());
                 WsClient anonymous = WsClient.connect(server.port())) {
                authenticated.authenticate(token);
                authenticated.subscribe(1);

                server.terminate();

                assertEquals(1001, authenticated.awaitClose());
                assertEquals(1001, anonymous.awaitClose());
                // The watchdog guarantees the bound; this only waits for it.
                assertEquals(0, server.waitFor(Duration.ofSeconds(30)), server.output());
            }
            // What the operator reads in supervisor's log: the node drained its two sessions, then stopped.
            assertTrue(server.output().lines().anyMatch(l -> l.matches(
                    ".* INFO .* - event=node_draining node=proc sessions=2")), server.output());
            assertTrue(server.output().lines().anyMatch(l -> l.matches(".* INFO .* - event=node_stopped node=proc")),
                    server.output());
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", server.port()).close(),
                    "the port is released");
        }
    }
}
