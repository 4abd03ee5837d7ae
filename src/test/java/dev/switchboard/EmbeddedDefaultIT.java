package dev.switchboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's first command: no DATABASE_URL, so the jar runs its own PostgreSQL with data in DATA_DIR, keeps a
 * development secret there, and serves the whole protocol. Data and secret survive a restart.
 */
class EmbeddedDefaultIT {
    private static final Pattern PG_PORT = Pattern.compile("Embedded PostgreSQL running on 127\\.0\\.0\\.1:(\\d+)");

    @Test
    void embeddedDefaultServesAndKeepsItsDataAndSecretAcrossRestarts(@TempDir Path dataDir) throws Exception {
        Map<String, String> env = Map.of("DATA_DIR", dataDir.toString(),
                "PORT", Integer.toString(ServerProcess.freePort()));
        String token = mintToken(dataDir);
        long firstId;
        try (ServerProcess server = ServerProcess.start(null, env)) {
            assertTrue(Files.isRegularFile(dataDir.resolve("jwt-secret")));
            firstId = pushAndReceive(server, token, "first run");
            server.terminate();
            assertEquals(0, server.waitFor(Duration.ofSeconds(30)), server.output());
        }
        try (ServerProcess server = ServerProcess.start(null, env)) {
            long secondId = pushAndReceive(server, token, "second run");
            assertTrue(secondId > firstId, "the event table survived the restart");
            server.terminate();
            assertEquals(0, server.waitFor(Duration.ofSeconds(30)), server.output());
        }
    }

    private static String mintToken(Path dataDir) throws Exception {
        try (ServerProcess cli = ServerProcess.launch(Map.of("DATA_DIR", dataDir.toString()),
                List.of("token", "--user", "5", "--role", "agent"))) {
            assertEquals(0, cli.waitFor(Duration.ofSeconds(60)), cli.output());
            return cli.output().lines().filter(l -> l.startsWith("ey")).findFirst().orElseThrow();
        }
    }

    private static long pushAndReceive(ServerProcess server, String token, String content) throws Exception {
        Matcher m = PG_PORT.matcher(server.output());
        assertTrue(m.find(), "the log names the embedded database: " + server.output());
        try (WsClient client = WsClient.connect(server.port())) {
            assertEquals(5, client.authenticate(token).get("user_id").asLong());
            client.subscribe(9);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + m.group(1)
                    + "/switchboard", "postgres", null); Statement s = c.createStatement()) {
                s.execute("SELECT realtime.notify_new_message(9, jsonb_build_object('content', '" + content + "'))");
            }
            JsonNode event = client.await("new_message");
            assertEquals(content, event.path("data").path("message").path("content").asText());
            return event.get("id").asLong();
        }
    }
}
