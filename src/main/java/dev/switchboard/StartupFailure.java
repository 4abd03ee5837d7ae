package dev.switchboard;

import dev.switchboard.config.Config;

import java.net.BindException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.sql.SQLException;

/**
 * Why a node failed to start, in the words an operator acts on: which port is taken, which database address does
 * not answer. {@code Main} prints it as one line; the stack trace is only for {@code LOG_LEVEL=DEBUG}.
 *
 * @param reason  a fixed word for the log's {@code reason=} ({@code port_in_use}, {@code database_unreachable}, ...)
 * @param message one sentence, naming the port or address involved
 */
record StartupFailure(String reason, String message) {

    /** Reads what went wrong from {@code failure}, thrown by {@link Switchboard#start} for {@code config}. */
    static StartupFailure of(Throwable failure, Config config) {
        String top = String.valueOf(failure.getMessage());
        if (top.startsWith("EMBEDDED_DB_PORT")) {
            // Already names the port and what to do about it.
            return new StartupFailure("embedded_db_port_in_use", top);
        }
        if (find(failure, BindException.class) != null) {
            return new StartupFailure("port_in_use", "PORT " + config.listen().port() + " on "
                    + config.listen().host() + " is already in use (another Switchboard node?): stop it, or set"
                    + " PORT to a free port");
        }
        SQLException sql = find(failure, SQLException.class);
        if (sql != null) {
            String address = databaseAddress(config);
            if (find(failure, ConnectException.class) != null || find(failure, UnknownHostException.class) != null
                    || "08001".equals(sql.getSQLState())) {
                return new StartupFailure("database_unreachable", "the database at " + address
                        + " is unreachable: " + sql.getMessage());
            }
            return new StartupFailure("database_error", "the database at " + address + " refused: "
                    + sql.getMessage());
        }
        return new StartupFailure("error", rootMessage(failure));
    }

    /** {@code host:port} of the configured database, as written in its URL. */
    static String databaseAddress(Config config) {
        String jdbc = config.database().url().jdbcUrl();
        try {
            URI uri = URI.create(jdbc.substring("jdbc:".length()));
            return uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort());
        } catch (RuntimeException e) {
            return "(see DATABASE_URL)";
        }
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
    }
}
