package dev.switchboard.notifier;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.db.Database;
import dev.switchboard.routing.Target;
import dev.switchboard.testing.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The events table's audience names and {@link Target} must agree: this fails when the migration's
 * {@code events_audience} constraint or the Java type changes without the other.
 */
class AudienceSchemaTest {
    private static HikariDataSource pool;

    @BeforeAll
    static void migrate() {
        DatabaseUrl url = TestDatabases.createDatabase();
        pool = Database.pool(url, 2, "audience-test");
        Database.migrate(pool);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    @Test
    void theAudienceConstraintAllowsExactlyTheNamesTargetParses() throws SQLException {
        String definition;
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                     + " WHERE conname = 'events_audience' AND conrelid = 'realtime.events'::regclass");
             ResultSet rs = s.executeQuery()) {
            assertTrue(rs.next(), "constraint events_audience exists");
            definition = rs.getString(1);
        }
        List<String> allowed = new ArrayList<>();
        Matcher quoted = Pattern.compile("'([^']*)'").matcher(definition);
        while (quoted.find()) {
            allowed.add(quoted.group(1));
        }
        assertEquals(Target.AUDIENCES, allowed, "events_audience is " + definition);
    }

    @Test
    void aRowOfEveryAudienceIsReadBackAsItsTarget() throws SQLException {
        List<Target> expected = List.of(new Target.Conversation(7), new Target.ConversationAndStaff(8),
                Target.STAFF, new Target.User(9),
                new Target.Channels(List.of("orders", "presence-room"), java.util.Optional.of("1.2"),
                        java.util.Optional.empty()));
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement insert = c.prepareStatement(
                    "SELECT realtime.enqueue_event('test_event', ?, ?, ?, '{}'::jsonb)")) {
                insert(insert, "conversation", 7L, null);
                insert(insert, "conversation_and_staff", 8L, null);
                insert(insert, "staff", null, null);
                insert(insert, "user", null, 9L);
            }
            try (PreparedStatement broadcast = c.prepareStatement(
                    "SELECT realtime.broadcast(ARRAY['orders', 'presence-room'], 'test_event', '{}', '1.2')")) {
                broadcast.execute();
            }
            // No node runs on this database: number the committed rows as the sequencer would.
            try (PreparedStatement sequence = c.prepareStatement("SELECT realtime.sequence_events()")) {
                sequence.execute();
            }
            List<Target> read = new ArrayList<>();
            try (PreparedStatement fetch = c.prepareStatement(EventListener.FETCH)) {
                fetch.setLong(1, 0);
                try (ResultSet rs = fetch.executeQuery()) {
                    while (rs.next()) {
                        read.add(EventListener.read(rs).target());
                    }
                }
            }
            assertEquals(expected, read);
            assertEquals(Target.AUDIENCES.size(), expected.size(), "a row for every audience");
        }
    }

    private static void insert(PreparedStatement insert, String audience, Long conversationId, Long userId)
            throws SQLException {
        insert.setString(1, audience);
        insert.setObject(2, conversationId, java.sql.Types.BIGINT);
        insert.setObject(3, userId, java.sql.Types.BIGINT);
        insert.execute();
    }
}
