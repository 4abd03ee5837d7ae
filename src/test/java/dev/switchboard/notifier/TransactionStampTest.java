package dev.switchboard.notifier;

import dev.switchboard.testing.TestDatabases;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commit-time stamp the sequencer orders batches by: one row per committed event-writing transaction, however
 * many events it wrote, in every transaction of a session (the once-per-transaction guard must not outlive its
 * transaction), none for a rollback, and later commits draw larger numbers. No sequencer runs here, so the stamps
 * stay to be looked at.
 */
class TransactionStampTest {
    @Test
    void eachCommittedTransactionOfASessionIsStampedOnceInCommitOrderAndARollbackNot() throws Exception {
        String database = TestDatabases.databaseName(TestDatabases.migratedDatabase(null));
        try (Connection app = TestDatabases.superuser(database); Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            List<String> xids = new ArrayList<>();
            for (int events : new int[] {3, 1, 2}) {
                for (int i = 0; i < events; i++) {
                    s.execute("SELECT realtime.notify_new_message(1, '{}')");
                }
                xids.add(currentXid(s));
                app.commit();
            }
            s.execute("SELECT realtime.notify_new_message(1, '{}')");
            String rolledBack = currentXid(s);
            app.rollback();

            List<String> stamped = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT xid::text FROM realtime.event_commits ORDER BY commit_order")) {
                while (rs.next()) {
                    stamped.add(rs.getString(1));
                }
            }
            app.commit();
            assertEquals(xids, stamped, "one stamp per committed transaction, in commit order");
            assertTrue(!stamped.contains(rolledBack), "no stamp for a rollback");
        }
    }

    private static String currentXid(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT pg_current_xact_id()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
