package dev.switchboard.demo;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/** Runs work on one pooled connection, either as one transaction or as plain reads. */
final class Transactions {
    /** Work on a connection; may throw {@link ApiError} to refuse the request. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;

    Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Runs {@code work} in one transaction: commits when it returns, rolls back when it throws anything
     * (an {@link ApiError} included), so a refused request leaves no row and no event behind.
     */
    <T> T inTransaction(Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return inOpenTransaction(connection, work);
        }
    }

    private static <T> T inOpenTransaction(Connection connection, Work<T> work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (Throwable e) {
            try {
                connection.rollback();
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /**
     * Runs read-only work in one REPEATABLE READ snapshot, so a list and the unread counts read after it agree
     * with each other.
     */
    <T> T read(Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setReadOnly(true);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                return inOpenTransaction(connection, work);
            } finally {
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                connection.setReadOnly(false);
            }
        }
    }
}
