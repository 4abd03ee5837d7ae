package dev.switchboard.bench;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Map;

/**
 * The PostgreSQL a database benchmark runs against: the embedded server the tests use, started afresh in its own
 * data folder (emptied first, so no earlier run's tables or statistics remain), with each variant in a database of
 * its own migrated to the schema version it compares.
 */
final class BenchPostgres implements AutoCloseable {
    private final EmbeddedPostgres postgres;

    private BenchPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts a server in {@code dataDir} with fsync on plus the given settings. */
    static BenchPostgres start(Path dataDir, Map<String, String> settings) throws IOException {
        deleteRecursively(dataDir);
        Files.createDirectories(dataDir);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(true)
                .setServerConfig("fsync", "on");
        settings.forEach(builder::setServerConfig);
        return new BenchPostgres(builder.start());
    }

    /** Migrates schema {@code realtime} of {@code db} to {@code target}, or to the latest version when null. */
    void migrate(String db, String target) {
        TestDatabases.migrate(new DatabaseUrl(url(db), "postgres", null), target);
    }

    String url(String db) {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + db;
    }

    Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(url(db), "postgres", null);
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
