package dev.switchboard.notifier;

import dev.switchboard.testing.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flat notify functions of migration 10 behave exactly like the helper chains of migration 9 they replace: every
 * call below, valid or not, runs in a database migrated to version 9 and in one migrated to the latest, and each
 * must store the same rows and return their key, or raise the same SQLSTATE, message, detail and hint. Calls with
 * several faults at once pin the order of the checks; the payload cap is probed byte by byte around its limit, with
 * multi-byte characters, escapes and a number whose text is far longer than its stored form.
 */
class NotifyFunctionsEquivalenceTest {
    private static final String[] FUNCTIONS = {
        "realtime.notify_new_message(bigint, jsonb)",
        "realtime.notify_conversation_updated(bigint, jsonb)",
        "realtime.notify_new_conversation(jsonb)",
        "realtime.notify_agent_status(bigint, text)",
        "realtime.notify_typing(bigint, bigint, boolean)",
        "realtime.notify_message_read(bigint, bigint, bigint)",
        "realtime.notify_user(bigint, text, jsonb)",
        "realtime.broadcast(text[], text, jsonb, text, text)",
        "realtime.broadcast(text, text, jsonb)",
    };

    private static Connection v9;
    private static Connection latest;

    @BeforeAll
    static void migrate() throws SQLException {
        v9 = migrated("9");
        latest = migrated(null);
    }

    @AfterAll
    static void close() throws SQLException {
        v9.close();
        latest.close();
    }

    /** One call, with the payload cap the session has set (null: unset). */
    private record Call(String sql, String cap) {
        @Override
        public String toString() {
            return (cap == null ? "" : "[max_payload_bytes=" + cap + "] ") + sql;
        }
    }

    @Test
    void latestFunctionsAreTheFlatOnesNotTheChainsTheyReplace() throws SQLException {
        // Otherwise the comparisons below would compare version 9 with itself.
        assertEquals("sql", language(v9, "realtime.notify_new_message(bigint, jsonb)"));
        for (String function : FUNCTIONS) {
            assertEquals("plpgsql", language(latest, function), function);
        }
    }

    @Test
    void everyFunctionKeepsItsSignatureSecurityAndGrants() throws SQLException {
        for (String function : FUNCTIONS) {
            String sql = "SELECT p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),"
                    + " p.prosecdef, p.proconfig::text, p.provolatile, p.proisstrict, p.proacl::text,"
                    + " obj_description(p.oid, 'pg_proc')"
                    + " FROM pg_proc p WHERE p.oid = '" + function + "'::regprocedure";
            assertEquals(rows(v9, sql), rows(latest, sql), function);
        }
    }

    @Test
    void notifyNewMessageStoresAndRefusesExactlyAsBefore() throws SQLException {
        assertSameOutcomes(payloadCalls("realtime.notify_new_message(41, %s)",
                List.of("realtime.notify_new_message(NULL, '{\"a\": 1}')",
                        "realtime.notify_new_message(41, NULL)",
                        "realtime.notify_new_message(41, 'null')",
                        "realtime.notify_new_message(NULL, NULL)",
                        "realtime.notify_new_message(41, '[]')",
                        "realtime.notify_new_message(41, '\"text\"')",
                        "realtime.notify_new_message(conversation_id => 42, message => '{\"b\": 2}')")));
    }

    @Test
    void notifyConversationUpdatedStoresAndRefusesExactlyAsBefore() throws SQLException {
        assertSameOutcomes(payloadCalls("realtime.notify_conversation_updated(43, %s)",
                List.of("realtime.notify_conversation_updated(NULL, '{}')",
                        "realtime.notify_conversation_updated(43, NULL)",
                        "realtime.notify_conversation_updated(43, 'null')",
                        "realtime.notify_conversation_updated(NULL, 'null')")));
    }

    @Test
    void notifyNewConversationStoresAndRefusesExactlyAsBefore() throws SQLException {
        assertSameOutcomes(payloadCalls("realtime.notify_new_conversation(%s)",
                List.of("realtime.notify_new_conversation(NULL)",
                        "realtime.notify_new_conversation('null')",
                        "realtime.notify_new_conversation('0')")));
    }

    @Test
    void notifyUserStoresAndRefusesExactlyAsBefore() throws SQLException {
        List<String> more = new ArrayList<>(List.of(
                "realtime.notify_user(9, NULL, '{}')",
                "realtime.notify_user(9, 'Invoice.Paid', '{}')",
                "realtime.notify_user(9, '', '{}')",
                "realtime.notify_user(9, 'a" + "b".repeat(64) + "', '{}')",
                "realtime.notify_user(9, 'a" + "b".repeat(63) + "', '{}')",
                "realtime.notify_user(NULL, 'invoice.paid', '{}')",
                "realtime.notify_user(9, 'invoice.paid', NULL)",
                "realtime.notify_user(9, 'invoice.paid', 'null')",
                "realtime.notify_user(NULL, 'invoice.paid', NULL)",
                "realtime.notify_user(NULL, 'new_message', NULL)",
                "realtime.notify_user(NULL, 'Bad', NULL)",
                "realtime.notify_user(event => 'app.x', data => '[1]', user_id => 10)"));
        for (String name : List.of("new_message", "conversation_updated", "new_conversation", "agent_status",
                "typing", "message_read", "authenticated", "subscribed", "unsubscribed", "pong", "error",
                "presence", "resync_required")) {
            more.add("realtime.notify_user(9, '" + name + "', '{}')");
        }
        assertSameOutcomes(payloadCalls("realtime.notify_user(9, 'report.ready', %s)", more));
    }

    @Test
    void notifyAgentStatusTypingAndMessageReadStoreAndRefuseExactlyAsBefore() throws SQLException {
        List<Call> calls = new ArrayList<>();
        for (String sql : List.of(
                "realtime.notify_agent_status(5, 'online')", "realtime.notify_agent_status(5, 'offline')",
                "realtime.notify_agent_status(5, 'away')", "realtime.notify_agent_status(5, 'busy')",
                "realtime.notify_agent_status(5, 'Online')", "realtime.notify_agent_status(5, NULL)",
                "realtime.notify_agent_status(NULL, 'online')", "realtime.notify_agent_status(NULL, NULL)",
                "realtime.notify_typing(6, 7, true)", "realtime.notify_typing(6, 7, false)",
                "realtime.notify_typing(6, 7, NULL)", "realtime.notify_typing(NULL, 7, true)",
                "realtime.notify_typing(6, NULL, true)", "realtime.notify_typing(NULL, NULL, NULL)",
                "realtime.notify_typing(NULL, NULL, true)",
                "realtime.notify_message_read(6, 70, 7)", "realtime.notify_message_read(NULL, 70, 7)",
                "realtime.notify_message_read(6, NULL, 7)", "realtime.notify_message_read(6, 70, NULL)",
                "realtime.notify_message_read(NULL, NULL, NULL)", "realtime.notify_message_read(6, NULL, NULL)")) {
            calls.add(new Call(sql, null));
        }
        // The cap does not apply to these small fixed shapes, before or after; a broken setting does not stop them.
        calls.add(new Call("realtime.notify_agent_status(5, 'online')", "lots"));
        calls.add(new Call("realtime.notify_message_read(6, 70, 7)", "lots"));
        calls.add(new Call("realtime.notify_typing(6, 7, true)", "lots"));
        assertSameOutcomes(calls);
    }

    @Test
    void broadcastStoresAndRefusesExactlyAsBefore() throws SQLException {
        String hundred = "ARRAY[" + String.join(", ", java.util.Collections.nCopies(100, "'c'")) + "]";
        String hundredOne = "ARRAY[" + String.join(", ", java.util.Collections.nCopies(101, "'c'")) + "]";
        List<String> more = List.of(
                "realtime.broadcast(ARRAY['private-chat.1', 'presence-room;2'], 'App\\Events\\Sent', '{\"a\": 1}')",
                "realtime.broadcast(ARRAY['a'], 'e', '{}', '1234.5678', 'app-1')",
                "realtime.broadcast(ARRAY['#server-to-user-42'], 'e', '{}')",
                "realtime.broadcast(" + hundred + ", 'e', '{}')",
                "realtime.broadcast(" + hundredOne + ", 'e', '{}')",
                "realtime.broadcast(ARRAY[]::text[], 'e', '{}')",
                "realtime.broadcast(NULL::text[], 'e', '{}')",
                "realtime.broadcast(ARRAY['ok', NULL], 'e', '{}')",
                "realtime.broadcast(ARRAY['ok', 'not ok'], 'e', '{}')",
                "realtime.broadcast(ARRAY['ok', ''], 'e', '{}')",
                "realtime.broadcast(ARRAY['" + "c".repeat(200) + "'], 'e', '{}')",
                "realtime.broadcast(ARRAY['" + "c".repeat(201) + "'], 'e', '{}')",
                "realtime.broadcast(ARRAY['#server-to-user-'], 'e', '{}')",
                "realtime.broadcast(ARRAY['a'], NULL, '{}')",
                "realtime.broadcast(ARRAY['a'], '', '{}')",
                "realtime.broadcast(ARRAY['a'], '" + "é".repeat(200) + "', '{}')",
                "realtime.broadcast(ARRAY['a'], '" + "e".repeat(201) + "', '{}')",
                "realtime.broadcast(ARRAY['a'], E'two\\nlines', '{}')",
                "realtime.broadcast(ARRAY['a'], 'pusher:subscribe', '{}')",
                "realtime.broadcast(ARRAY['a'], 'pusher_internal:member_added', '{}')",
                "realtime.broadcast(ARRAY['a'], 'pusherXinternal:x', '{}')",
                "realtime.broadcast(ARRAY['a'], 'e', '{}', 'socket', NULL)",
                "realtime.broadcast(ARRAY['a'], 'e', '{}', '1.2.3', NULL)",
                "realtime.broadcast(ARRAY['a'], 'e', '{}', NULL, '')",
                "realtime.broadcast(ARRAY['a'], 'e', '{}', NULL, '" + "a".repeat(201) + "')",
                "realtime.broadcast(ARRAY['a'], 'e', NULL)",
                "realtime.broadcast(ARRAY['a'], 'e', 'null')",
                "realtime.broadcast(ARRAY['a'], 'e', '\"a string\"')",
                "realtime.broadcast(ARRAY['a'], 'pusher:x', NULL, 'bad', '')",
                "realtime.broadcast(ARRAY['bad channel'], NULL, NULL)",
                "realtime.broadcast(channels => ARRAY['a'], event => 'e', data => '{}', app_id => 'x')",
                "realtime.broadcast('private-chat.1', 'App\\Events\\Sent', '{\"a\": 1}')",
                "realtime.broadcast('bad channel', 'e', '{}')",
                "realtime.broadcast(NULL::text, 'e', '{}')",
                "realtime.broadcast('a', 'pusher:x', '{}')",
                "realtime.broadcast('a', 'e', NULL)",
                "realtime.broadcast(channel => 'a', event => 'e', data => '{}')");
        List<Call> calls = payloadCalls("realtime.broadcast(ARRAY['chat'], 'App\\Sent', %s)", more);
        calls.addAll(payloadCalls("realtime.broadcast('chat', 'App\\Sent', %s)", List.of()));
        assertSameOutcomes(calls);
    }

    /**
     * The given calls, plus the payload cases for one function whose data is {@code %s}: under the default cap and
     * set ones, around the limit byte by byte, and with every form of broken setting.
     */
    private static List<Call> payloadCalls(String template, List<String> more) {
        List<Call> calls = new ArrayList<>();
        for (String sql : more) {
            calls.add(new Call(sql, null));
        }
        String small = "'{\"content\": \"hello\"}'";
        calls.add(new Call(String.format(template, small), null));
        for (String cap : List.of("lots", "1023", "1073741824", "99999999999", "-2048", "2048.0", "", "  ",
                " 4096 ", "1024", "1073741823", "0x800")) {
            calls.add(new Call(String.format(template, small), cap));
        }
        // Around the limit, in ASCII, in two-byte characters and in escapes that take six bytes of text each.
        for (int n = 960; n <= 1030; n++) {
            calls.add(new Call(String.format(template, "jsonb_build_object('content', repeat('x', " + n + "))"),
                    "1024"));
        }
        for (int n = 470; n <= 520; n++) {
            calls.add(new Call(String.format(template, "jsonb_build_object('content', repeat('é', " + n + "))"),
                    "1024"));
        }
        for (int n = 155; n <= 175; n++) {
            calls.add(new Call(String.format(template, "jsonb_build_object('content', repeat(chr(1), " + n + "))"),
                    "1024"));
        }
        calls.add(new Call(String.format(template, "'{\"n\": 1e1000}'"), "1024"));
        calls.add(new Call(String.format(template, "'{\"n\": 1e900}'"), "1024"));
        calls.add(new Call(String.format(template, "jsonb_build_object('content', repeat('x', 262100))"), null));
        calls.add(new Call(String.format(template, "jsonb_build_object('content', repeat('x', 262200))"), null));
        // A broken setting and too much data at once: the setting is reported.
        calls.add(new Call(String.format(template, "jsonb_build_object('content', repeat('x', 5000))"), "lots"));
        return calls;
    }

    private static void assertSameOutcomes(List<Call> calls) throws SQLException {
        int stored = 0;
        int refused = 0;
        for (Call call : calls) {
            String expected = outcome(v9, call);
            String actual = outcome(latest, call);
            assertEquals(expected, actual, call.toString());
            if (expected.startsWith("stored")) {
                stored++;
            } else {
                refused++;
            }
        }
        assertTrue(stored > 0 && refused > 0, "the calls must include both accepted and refused ones");
    }

    /** What one call does, in words that do not depend on the database: the rows it stored, or its error. */
    private static String outcome(Connection c, Call call) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            if (call.cap != null) {
                s.execute("SET LOCAL realtime.max_payload_bytes = '" + call.cap + "'");
            }
            String returned;
            try (ResultSet rs = s.executeQuery("SELECT " + call.sql + "::text")) {
                rs.next();
                returned = rs.getString(1);
            } catch (PSQLException e) {
                ServerErrorMessage m = e.getServerErrorMessage();
                return "refused " + e.getSQLState() + ": " + (m == null ? e.getMessage()
                        : m.getMessage() + " | detail " + m.getDetail() + " | hint " + m.getHint());
            }
            List<String> events = rows(c, "SELECT event_key::text = " + (returned == null ? "NULL" : "'" + returned
                    + "'") + " AS returned_key, event, audience, conversation_id, user_id, data::text, channels::text,"
                    + " except_socket_id, app_id, id FROM realtime.events WHERE xid = pg_current_xact_id()"
                    + " ORDER BY event_key");
            List<String> transients = rows(c, "SELECT payload FROM realtime.transient_events ORDER BY seq");
            return "stored " + events + " transient " + transients + (returned == null ? " returned null" : "");
        } finally {
            c.rollback();
        }
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                StringBuilder row = new StringBuilder("(");
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.append(i > 1 ? ", " : "").append(meta.getColumnLabel(i)).append('=').append(rs.getString(i));
                }
                rows.add(row.append(')').toString());
            }
        }
        return rows;
    }

    private static String language(Connection c, String function) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT l.lanname FROM pg_proc p"
                + " JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = '" + function + "'::regprocedure")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Connection migrated(String target) throws SQLException {
        return TestDatabases.superuser(TestDatabases.databaseName(TestDatabases.migratedDatabase(target)));
    }
}
