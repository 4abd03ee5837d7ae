package dev.switchboard.pusher.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.db.Database;
import dev.switchboard.pusher.PusherPipeline;
import dev.switchboard.pusher.RecordingDirectory;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.time.TimeSource;
import dev.switchboard.http.WebServer;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.ws.OriginPolicy;
import dev.switchboard.ws.TyrusContainer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP API on the node's own web server (its add-ons and handler wrapping) and a real database, with one node's event pipeline behind it, so an
 * accepted event travels the whole way: INSERT, COMMIT, sequencer, listener, channel directory.
 */
final class ApiServer implements AutoCloseable {
    static final int MAX_BODY_BYTES = 512 * 1024;

    final HikariDataSource pool;
    final PusherPipeline pipeline;
    final RecordingDirectory directory;
    /** The threads the API asked for a connection on. */
    final java.util.Set<String> jdbcThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final PusherHttpApi api;
    private final WebServer server;
    final int port;

    ApiServer() throws Exception {
        DatabaseUrl url = TestDatabases.createDatabase();
        pool = Database.pool(url, 4, "pusher-api-test");
        Database.migrate(pool);
        pipeline = PusherPipeline.start(url, "api-node");
        directory = pipeline.directory;
        javax.sql.DataSource watched = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        jdbcThreads.add(Thread.currentThread().getName());
                    }
                    try {
                        return method.invoke(pool, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        api = new PusherHttpApi(List.of(PusherPipeline.APP), directory, watched, new ObjectMapper(), TimeSource.SYSTEM,
                MAX_BODY_BYTES);
        NodeMetrics metrics = NodeMetrics.detached();
        server = WebServer.create("127.0.0.1", 0, new TyrusContainer(64 * 1024, 100, Duration.ofSeconds(10), metrics),
                new OriginPolicy(Set.of(), false), Map.of(PusherHttpApi.MAPPING, api), metrics);
        port = server.start();
    }

    @Override
    public void close() {
        server.stop();
        api.close();
        pipeline.close();
        pool.close();
    }
}
