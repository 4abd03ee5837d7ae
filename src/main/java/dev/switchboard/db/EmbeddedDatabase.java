package dev.switchboard.db;

import dev.switchboard.config.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The embedded default: a real PostgreSQL run by the node itself when no {@code DATABASE_URL} is given, with its
 * data kept in the data folder across restarts. For development and demos; production points
 * {@code DATABASE_URL} at the team's own server.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    static final String DATABASE = "switchboard";
    /** The superuser initdb creates; the embedded server trusts it on loopback. */
    private static final String USER = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts PostgreSQL on loopback {@code port} with its files in {@code dataDir/postgres}, creating the
     * {@code switchboard} database on first use, and logs how an app connects to it.
     *
     * @param port the fixed port the web app is configured with, or 0 for any free port
     * @throws IOException naming the port when it is taken, or the data folder when PostgreSQL cannot start there
     */
    public static EmbeddedDatabase start(Path dataDir, int port) throws IOException {
        if (port != 0) {
            requireFree(port);
        }
        Path pgData = dataDir.resolve("postgres");
        Files.createDirectories(pgData);
        EmbeddedPostgres postgres;
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    // The default 10 s is too short for a first initdb on a busy two-core machine.
                    .setPGStartupWait(java.time.Duration.ofSeconds(60))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "100");
            if (port != 0) {
                builder.setPort(port);
            }
            postgres = builder.start();
        } catch (IllegalStateException e) {
            throw new IOException("cannot start the embedded PostgreSQL on 127.0.0.1:"
                    + (port == 0 ? "(any free port)" : port) + " in " + pgData
                    + " (is another Switchboard using this DATA_DIR?): " + e.getMessage(), e);
        }
        EmbeddedDatabase database = new EmbeddedDatabase(postgres);
        try {
            database.createDatabaseIfMissing();
        } catch (SQLException e) {
            database.close();
            throw new IOException("cannot create the embedded database: " + e.getMessage(), e);
        }
        // Ready to paste into the web app's configuration: nobody should have to assemble these from a port.
        log.info("Embedded PostgreSQL running on 127.0.0.1:{} with data in {}; point your app at it:",
                postgres.getPort(), pgData);
        log.info("  JDBC:    {}", database.jdbcUrl());
        log.info("  URL:     {}", database.postgresUrl());
        log.info("  PHP PDO: {}", database.phpPdo());
        return database;
    }

    /** Where this node connects. */
    public DatabaseUrl url() {
        return new DatabaseUrl("jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE, USER, null);
    }

    /** The loopback port PostgreSQL listens on. */
    public int port() {
        return postgres.getPort();
    }

    /** A JDBC URL with the user in it, for Java apps and database tools. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE + "?user=" + USER;
    }

    /** The {@code postgres://} URL that psql, Laravel's {@code DB_URL} and most drivers take. */
    public String postgresUrl() {
        return "postgres://" + USER + "@127.0.0.1:" + port() + "/" + DATABASE;
    }

    /** The PHP line that opens a PDO connection to it (loopback trust authentication: no password). */
    public String phpPdo() {
        return "new PDO('pgsql:host=127.0.0.1;port=" + port() + ";dbname=" + DATABASE + "', '" + USER + "', '');";
    }

    /**
     * Fails with the port's number while it is still cheap to: PostgreSQL's own complaint about a taken port ends up
     * in its log file after a startup wait, not in front of the operator.
     */
    private static void requireFree(int port) throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            // As PostgreSQL binds: connections lingering in TIME_WAIT from a previous run do not count as taken.
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        } catch (IOException e) {
            throw new IOException("EMBEDDED_DB_PORT " + port + " is already in use on 127.0.0.1 (another PostgreSQL"
                    + " or Switchboard?): stop it, or set EMBEDDED_DB_PORT to a free port (0 for any)", e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

    private void createDatabaseIfMissing() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection()) {
            boolean exists;
            try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                q.setString(1, DATABASE);
                try (ResultSet rs = q.executeQuery()) {
                    exists = rs.next();
                }
            }
            if (!exists) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + DATABASE);
                }
            }
        }
    }
}
