package dev.switchboard.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Pushes events the way the web app does: by calling the {@code realtime.notify_*} SQL functions. */
public final class SqlEvents {
    private SqlEvents() {
    }

    /** Runs each statement in its own autocommitted transaction. */
    public static void exec(TestServer server, String... statements) {
        try (Connection c = server.sql(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Runs every statement inside one transaction, then commits or rolls back. */
    public static void inTransaction(TestServer server, boolean commit, String... statements) {
        try (Connection c = server.sql()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String statement : statements) {
                    s.execute(statement);
                }
            }
            if (commit) {
                c.commit();
            } else {
                c.rollback();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Runs a query returning one number (e.g. a notify function's event key). */
    public static long queryLong(TestServer server, String query) {
        try (Connection c = server.sql(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            if (!rs.next()) {
                throw new IllegalStateException("no row from: " + query);
            }
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }
}
