package dev.switchboard.pusher.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.db.Database;
import dev.switchboard.pusher.PusherPipeline;
import dev.switchboard.pusher.RecordingDirectory;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.time.TimeSource;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;

import java.util.List;

/**
 * The HTTP API on a real Grizzly listener and a real database, with one node's event pipeline behind it, so an
 * accepted event travels the whole way: INSERT, COMMIT, sequencer, listener, channel directory.
 */
final class ApiServer implements AutoCloseable {
    static final int MAX_BODY_BYTES = 512 * 1024;

    final HikariDataSource pool;
    final PusherPipeline pipeline;
    final RecordingDirectory directory;
    private final PusherHttpApi api;
    private final HttpServer server;
    final int port;

    ApiServer() throws Exception {
        DatabaseUrl url = TestDatabases.createDatabase();
        pool = Database.pool(url, 4, "pusher-api-test");
        Database.migrate(pool);
        pipeline = PusherPipeline.start(url, "api-node");
        directory = pipeline.directory;
        api = new PusherHttpApi(List.of(PusherPipeline.APP), directory, pool, new ObjectMapper(), TimeSource.SYSTEM,
                MAX_BODY_BYTES);
        server = new HttpServer();
        NetworkListener listener = new NetworkListener("pusher-api-test", "127.0.0.1", 0);
        server.addListener(listener);
        server.getServerConfiguration().addHttpHandler(api, PusherHttpApi.MAPPING);
        server.start();
        port = listener.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        api.close();
        pipeline.close();
        pool.close();
    }
}
