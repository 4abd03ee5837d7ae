package dev.switchboard.notifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/**
 * The Java side of the notifier, for web apps on the JVM: the same operations as the {@code realtime.notify_*}
 * SQL functions (and the PHP helpers of the Ratchet server), run on the caller's own JDBC connection so they join its
 * transaction. Clients see the event only after that transaction commits, never after a rollback.
 *
 * <pre>{@code
 * try (Connection c = dataSource.getConnection()) {
 *     c.setAutoCommit(false);
 *     long messageId = insertMessage(c, ...);
 *     notifier.newMessage(c, conversationId, Map.of("id", messageId, "content", text));
 *     c.commit();                      // delivered now, to every node
 * }
 * }</pre>
 *
 * <p>Payload objects are serialised with Jackson (maps, records, {@code JsonNode}s...). Thread-safe.
 * Durable operations return the event's key in {@code realtime.events}; the {@code id} clients see is assigned
 * after the transaction commits, in commit order, by the cluster's {@link Sequencer}. No call takes a lock or sends
 * a NOTIFY in the caller's transaction.
 */
public final class Notifier {
    private final ObjectMapper mapper;

    public Notifier(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** {@code new_message} to the conversation's subscribers and every agent. */
    public long newMessage(Connection connection, long conversationId, Object message) throws SQLException {
        return call(connection, "SELECT realtime.notify_new_message(?, ?::jsonb)", conversationId, json(message));
    }

    /** {@code conversation_updated} to the conversation's subscribers and every agent. */
    public long conversationUpdated(Connection connection, long conversationId, Object conversation)
            throws SQLException {
        return call(connection, "SELECT realtime.notify_conversation_updated(?, ?::jsonb)", conversationId,
                json(conversation));
    }

    /** {@code new_conversation} to every agent. */
    public long newConversation(Connection connection, Object conversation) throws SQLException {
        return call(connection, "SELECT realtime.notify_new_conversation(?::jsonb)", json(conversation));
    }

    /** {@code agent_status} (online, offline, away or busy) to every agent. */
    public long agentStatus(Connection connection, long agentId, String status) throws SQLException {
        return call(connection, "SELECT realtime.notify_agent_status(?, ?)", agentId, status);
    }

    /** {@code typing} to the conversation's subscribers except the typist; transient, not stored. */
    public void typing(Connection connection, long conversationId, long userId, boolean isTyping)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT realtime.notify_typing(?, ?, ?)")) {
            statement.setLong(1, conversationId);
            statement.setLong(2, userId);
            statement.setBoolean(3, isTyping);
            statement.execute();
        }
    }

    /** {@code message_read} to the conversation's subscribers. */
    public long messageRead(Connection connection, long conversationId, long messageId, long userId)
            throws SQLException {
        return call(connection, "SELECT realtime.notify_message_read(?, ?, ?)", conversationId, messageId, userId);
    }

    /** A custom event to every connection of one user. */
    public long user(Connection connection, long userId, String event, Object data) throws SQLException {
        return call(connection, "SELECT realtime.notify_user(?, ?, ?::jsonb)", userId, event, json(data));
    }

    private String json(Object value) throws SQLException {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new SQLException("payload cannot be written as JSON: " + e.getOriginalMessage(), "22023", e);
        }
    }

    private static long call(Connection connection, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                Object arg = args[i];
                if (arg instanceof Long) {
                    statement.setLong(i + 1, (Long) arg);
                } else if (arg == null) {
                    statement.setNull(i + 1, Types.VARCHAR);
                } else {
                    statement.setString(i + 1, arg.toString());
                }
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
