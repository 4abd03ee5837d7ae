package dev.switchboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's first command: no DATABASE_URL, so the jar runs its own PostgreSQL with data in DATA_DIR on the fixed
 * EMBEDDED_DB_PORT, prints how an app connects to it, keeps a development secret there, and serves the whole
 * protocol. Data, port and secret survive a restart, and {@code token} signs with that same secret.
 *
 * <p>Each test picks a free EMBEDDED_DB_PORT rather than the default, so it cannot clash with a developer's running
 * server or with another test.
 */
class EmbeddedDefaultIT {
    private static final Pattern JDBC = Pattern.compile("JDBC: +(jdbc:postgresql://127\\.0\\.0\\.1:(\\d+)/\\S+)");
    private static final Pattern POSTGRES = Pattern.compile("URL: +(postgres://\\S+)");
    private static final Pattern PDO = Pattern.compile(
            "PHP PDO: +new PDO\\('pgsql:host=127\\.0\\.0\\.1;port=(\\d+);dbname=switchboard', 'postgres', ''\\);");

    @Test
    void embeddedDefaultServesAndKeepsItsDataPortAndSecretAcrossRestarts(@TempDir Path dataDir) throws Exception {
        int databasePort = ServerProcess.freePort();
        Map<String, String> env = Map.of("DATA_DIR", dataDir.toString(),
                "PORT", Integer.toString(ServerProcess.freePort()),
                "EMBEDDED_DB_PORT", Integer.toString(databasePort));
        String token;
        long firstId;
        try (ServerProcess server = ServerProcess.start(null, env)) {
            assertTrue(Files.isRegularFile(dataDir.resolve("jwt-secret")));
            token = mintToken(dataDir);
            firstId = pushAndReceive(server, databasePort, token, "first run");
            server.terminate();
            assertEquals(0, server.waitFor(Duration.ofSeconds(30)), server.output());
        }
        try (ServerProcess server = ServerProcess.start(null, env)) {
            long secondId = pushAndReceive(server, databasePort, token, "second run");
            assertTrue(secondId > firstId, "the event table survived the restart");
            server.terminate();
            assertEquals(0, server.waitFor(Duration.ofSeconds(30)), server.output());
        }
    }

    @Test
    void aTakenEmbeddedDatabasePortStopsTheStartWithALineNamingIt(@TempDir Path dataDir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            try (ServerProcess server = ServerProcess.launch(Map.of("DATA_DIR", dataDir.toString(),
                    "PORT", Integer.toString(ServerProcess.freePort()),
                    "EMBEDDED_DB_PORT", Integer.toString(port)), List.of())) {
                assertNotEquals(0, server.waitFor(Duration.ofSeconds(60)), server.output());
                assertTrue(server.output().contains("EMBEDDED_DB_PORT " + port + " is already in use"),
                        server.output());
            }
        }
    }

    @Test
    void tokenRefusesToMintBeforeTheServerHasASecret(@TempDir Path dataDir) throws Exception {
        try (ServerProcess cli = ServerProcess.launch(Map.of("DATA_DIR", dataDir.toString()),
                List.of("token", "--user", "5", "--role", "agent"))) {
            assertEquals(2, cli.waitFor(Duration.ofSeconds(60)), cli.output());
            assertTrue(cli.output().contains("no JWT secret found"), cli.output());
            assertFalse(cli.output().lines().anyMatch(l -> l.startsWith("ey")), "no token: " + cli.output());
            assertFalse(Files.exists(dataDir.resolve("jwt-secret")), "no secret the server does not know");
        }
    }

    private static String mintToken(Path dataDir) throws Exception {
        try (ServerProcess cli = ServerProcess.launch(Map.of("DATA_DIR", dataDir.toString()),
                List.of("token", "--user", "5", "--role", "agent"))) {
            assertEquals(0, cli.waitFor(Duration.ofSeconds(60)), cli.output());
            return cli.output().lines().filter(l -> l.startsWith("ey")).findFirst().orElseThrow();
        }
    }

    /** Pushes an event through each connection line the server printed, as an app pasting it would. */
    private static long pushAndReceive(ServerProcess server, int databasePort, String token, String content)
            throws Exception {
        String output = server.output();
        Matcher jdbc = JDBC.matcher(output);
        Matcher postgres = POSTGRES.matcher(output);
        Matcher pdo = PDO.matcher(output);
        assertTrue(jdbc.find() && postgres.find() && pdo.find(), "the log says how to connect: " + output);
        assertEquals(databasePort, Integer.parseInt(jdbc.group(2)), "the configured EMBEDDED_DB_PORT");
        assertEquals(databasePort, Integer.parseInt(pdo.group(1)));
        DatabaseUrl fromPostgresUrl = DatabaseUrl.parse(postgres.group(1));
        try (WsClient client = WsClient.connect(server.port())) {
            assertEquals(5, client.authenticate(token).get("user_id").asLong());
            client.subscribe(9);
            try (Connection c = DriverManager.getConnection(jdbc.group(1)); Statement s = c.createStatement()) {
                s.execute("SELECT realtime.notify_new_message(9, jsonb_build_object('content', '" + content + "'))");
            }
            assertEquals(content, client.await("new_message").path("data").path("message").path("content").asText());
            try (Connection c = DriverManager.getConnection(fromPostgresUrl.jdbcUrl(), fromPostgresUrl.user(),
                    fromPostgresUrl.password()); Statement s = c.createStatement()) {
                s.execute("SELECT realtime.notify_new_message(9, jsonb_build_object('content', '" + content
                        + " again'))");
            }
            JsonNode event = client.await("new_message");
            assertEquals(content + " again", event.path("data").path("message").path("content").asText());
            return event.get("id").asLong();
        }
    }
}
