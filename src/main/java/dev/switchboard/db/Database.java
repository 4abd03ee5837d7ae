package dev.switchboard.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.config.DatabaseUrl;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Connections to the team's PostgreSQL: the pool, the dedicated LISTEN, sequencer and cluster connections, and
 * the migrations.
 */
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
        Properties props = properties(url, "switchboard " + nodeId + " listener");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection(url.jdbcUrl(), props);
    }

    /**
     * A connection outside the pool for the event sequencer: its session holds the leader lock, so it lives as
     * long as the node. Server-side TCP keepalives end the session (and free the lead for another node) about
     * 15 s after this host vanishes without closing its socket; a crash or a stop frees it at once. Commits are
     * always synchronous here, whatever the database's default: an id a reader has seen must survive a crash.
     * No socket timeout: after a long outage one batch may legitimately run for a while. Generic plans only: the
     * batch's statements are written to be planned without their values (every lookup an index probe or a range
     * bounded on both sides), and left to choose, PostgreSQL kept re-planning some of them on every batch, about
     * an eighth of the batch's CPU.
     */
    public static Connection openSequencerConnection(DatabaseUrl url, String nodeId) throws SQLException {
        Properties props = properties(url, "switchboard " + nodeId + " sequencer");
        props.setProperty("options", "-c synchronous_commit=on -c plan_cache_mode=force_generic_plan"
                + " -c tcp_keepalives_idle=5 -c tcp_keepalives_interval=3 -c tcp_keepalives_count=3"
                + " -c statement_timeout=0");
        return DriverManager.getConnection(url.jdbcUrl(), props);
    }

    /**
     * A connection outside the pool for the cluster bus: it sends the node's presence and typing notifications and
     * renews its lease, so it must never wait for a pooled connection the app's work holds. The socket timeout
     * turns a silently dead database into an error the bus recovers from.
     */
    public static Connection openClusterConnection(DatabaseUrl url, String nodeId) throws SQLException {
        Properties props = properties(url, "switchboard " + nodeId + " cluster");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection(url.jdbcUrl(), props);
    }

    private static Properties properties(DatabaseUrl url, String applicationName) {
        Properties props = new Properties();
        if (url.user() != null) {
            props.setProperty("user", url.user());
        }
        if (url.password() != null) {
            props.setProperty("password", url.password());
        }
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("connectTimeout", "5");
        return props;
    }

    /**
     * Installs or upgrades schema {@code realtime}. Safe when several nodes start at once: Flyway serialises
     * them with a PostgreSQL advisory lock. Touches nothing outside its schema.
     */
    public static void migrate(DataSource dataSource) {
        migrations().dataSource(dataSource).load().migrate();
    }

    /**
     * Flyway set up for schema {@code realtime} (its migrations, its schema, its history table), without a data
     * source: what {@link #migrate} runs, and what an upgrade test starts from when it stops at an older version.
     */
    public static FluentConfiguration migrations() {
        return Flyway.configure()
                .locations("classpath:db/migration")
                .schemas("realtime")
                .table("flyway_schema_history");
    }
}
