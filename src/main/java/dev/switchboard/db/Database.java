package dev.switchboard.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.config.DatabaseUrl;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Connections to the team's PostgreSQL: the pool, the dedicated LISTEN connection, and the migrations. */
public final class Database {
    private Database() {
    }

    /**
     * The connection pool for everything but LISTEN. Fails fast when the database cannot be reached, so a
     * misconfigured node stops at start with a clear message instead of serving without events.
     */
    public static HikariDataSource pool(DatabaseUrl url, int size, String nodeId) {
        return pool(url, size, nodeId, null);
    }

    /**
     * The same, reporting the pool's usage and wait times as {@code hikaricp_*} meters in {@code meters}.
     *
     * @param meters where the pool's meters go; {@code null} for none
     */
    public static HikariDataSource pool(DatabaseUrl url, int size, String nodeId, MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        if (meters != null) {
            // Set before the pool starts: Hikari does not take a tracker on a running pool.
            config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        }
        config.setPoolName("switchboard");
        config.setJdbcUrl(url.jdbcUrl());
        if (url.user() != null) {
            config.setUsername(url.user());
        }
        if (url.password() != null) {
            config.setPassword(url.password());
        }
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(Math.min(1, size));
        config.setConnectionTimeout(5_000);
        config.setValidationTimeout(2_000);
        config.addDataSourceProperty("ApplicationName", "switchboard " + nodeId);
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(config);
    }

    /**
     * A connection outside the pool for LISTEN: it lives as long as the node and must never be handed to other
     * work. The socket timeout turns a silently dead database into an error the listener recovers from.
     */
    public static Connection openListenerConnection(DatabaseUrl url, String nodeId) throws SQLException {
        Properties props = new Properties();
        if (url.user() != null) {
            props.setProperty("user", url.user());
        }
        if (url.password() != null) {
            props.setProperty("password", url.password());
        }
        props.setProperty("ApplicationName", "switchboard " + nodeId + " listener");
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("socketTimeout", "30");
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url.jdbcUrl(), props);
    }

    /**
     * Installs or upgrades schema {@code realtime}. Safe when several nodes start at once: Flyway serialises
     * them with a PostgreSQL advisory lock. Touches nothing outside its schema.
     */
    public static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .schemas("realtime")
                .table("flyway_schema_history")
                .load()
                .migrate();
    }
}
