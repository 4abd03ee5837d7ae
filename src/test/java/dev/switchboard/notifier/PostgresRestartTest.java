package dev.switchboard.notifier;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.ResumingClient;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * PostgreSQL itself is stopped and started again on the same data directory and port (its own instance, not the
 * one the other tests share): the node's LISTEN connection and pool die with it, {@code /health} turns 503, its
 * WebSocket clients stay connected, and once the database is back the node reconnects and delivers what was
 * committed after the restart and before it caught up, every id once and in order, on the same connections.
 */
class PostgresRestartTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aRestartedPostgresIsCaughtUpFromWithoutDroppingClientsOrEvents(@TempDir Path data) throws Exception {
        int port = ServerProcess.freePort();
        EmbeddedPostgres postgres = start(data, port);
        String jdbc = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (TestServer server = TestServer.start(new DatabaseUrl(jdbc, "postgres", null), Map.of());
             ResumingClient agent = ResumingClient.connect(server.port(), server.agentToken(41))) {
            push(jdbc, 1, 5);
            agent.awaitEventId(5);
            awaitHealth(server, 200);

            postgres.close();
            awaitHealth(server, 503);

            postgres = start(data, port);
            push(jdbc, 6, 30);
            agent.awaitEventId(30);
            awaitHealth(server, 200);
            assertFalse(agent.resumes() > 0, "never reconnected");
            agent.assertEveryIdOnceInOrder(1, 30);
        } finally {
            postgres.close();
        }
    }

    private static EmbeddedPostgres start(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    private static void push(String jdbc, int from, int to) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", null); Statement s = c.createStatement()) {
            for (int n = from; to >= n; n++) {
                s.execute("SELECT realtime.notify_new_message(400, '{\"n\":" + n + "}')");
            }
        }
    }

    private static void awaitHealth(TestServer server, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (java.io.IOException e) {
                last = -1;
            }
            if (last == status) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/health never answered " + status + " (last " + last + ")");
    }
}
