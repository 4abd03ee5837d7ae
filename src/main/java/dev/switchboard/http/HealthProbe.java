package dev.switchboard.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.util.function.BooleanSupplier;

/**
 * Checks the database in the background and keeps the latest result, so {@code GET /health} answers at once
 * from any thread and a database outage never ties up HTTP threads.
 */
public final class HealthProbe {
    private static final Logger log = LoggerFactory.getLogger(HealthProbe.class);

    private final DataSource dataSource;
    private final BooleanSupplier listenerHealthy;
    private volatile boolean databaseUp;
    private volatile boolean draining;

    /**
     * @param dataSource      the pool to test
     * @param listenerHealthy whether the LISTEN connection is up and caught up
     */
    public HealthProbe(DataSource dataSource, BooleanSupplier listenerHealthy) {
        this.dataSource = dataSource;
        this.listenerHealthy = listenerHealthy;
    }

    /** Runs one check; scheduled every couple of seconds on a maintenance thread (never a Grizzly thread). */
    public void check() {
        boolean up;
        try (Connection connection = dataSource.getConnection()) {
            up = connection.isValid(2);
        } catch (Exception e) {
            up = false;
        }
        if (up != databaseUp) {
            if (up) {
                log.info("Database is reachable");
            } else {
                log.warn("Database is unreachable");
            }
        }
        databaseUp = up;
    }

    public boolean databaseUp() {
        return databaseUp;
    }

    public boolean listenerUp() {
        return listenerHealthy.getAsBoolean();
    }

    /** The node is shutting down: it stops being ready at once, before it stops accepting. */
    public void drain() {
        draining = true;
    }

    /** Whether {@link #drain()} was called. */
    public boolean draining() {
        return draining;
    }

    /** Ready for new clients: healthy and not draining. */
    public boolean ready() {
        return !draining && healthy();
    }

    /** Healthy when both the pool and the LISTEN connection work. */
    public boolean healthy() {
        return databaseUp && listenerUp();
    }
}
