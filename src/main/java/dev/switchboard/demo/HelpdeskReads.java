package dev.switchboard.demo;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read side of the demo helpdesk: users, conversations in their list shape, messages. Every method runs on
 * the caller's connection, so the write operations build their event payloads inside their own transaction and
 * announce exactly what they are committing.
 */
final class HelpdeskReads {
    /** Longest list preview of the newest message, in characters. */
    static final int PREVIEW_CHARS = 140;
    /** Most recent messages returned with a conversation. */
    static final int MESSAGE_PAGE = 200;

    private static final String CONVERSATIONS = """
            SELECT c.id, c.contact_id, ct.name AS contact_name, c.agent_id, a.name AS agent_name, c.subject,
                   c.status, c.created_at, c.updated_at, c.last_message_at,
                   lm.id AS lm_id, lm.content AS lm_content, lm.sender_type AS lm_sender_type,
                   lm.sender_name AS lm_sender_name, lm.created_at AS lm_created_at
              FROM demo.conversations c
              JOIN demo.contacts ct ON ct.id = c.contact_id
              LEFT JOIN demo.agents a ON a.id = c.agent_id
              LEFT JOIN LATERAL (
                   SELECT m.id, left(m.content, %d) AS content, m.sender_type, m.created_at,
                          coalesce(ma.name, mc.name) AS sender_name
                     FROM demo.messages m
                     LEFT JOIN demo.agents ma ON m.sender_type = 'agent' AND ma.id = m.sender_id
                     LEFT JOIN demo.contacts mc ON m.sender_type = 'contact' AND mc.id = m.sender_id
                    WHERE m.conversation_id = c.id
                    ORDER BY m.id DESC
                    LIMIT 1) lm ON true
            """.formatted(PREVIEW_CHARS);

    // For each conversation, every agent and its contact: how many of the other side's messages lie after
    // that user's read mark.
    private static final String UNREAD = """
            SELECT c.id AS conversation_id, u.user_id,
                   (SELECT count(*)
                      FROM demo.messages m
                     WHERE m.conversation_id = c.id
                       AND m.sender_type <> u.side
                       AND m.id > coalesce((SELECT r.last_read_message_id
                                              FROM demo.conversation_reads r
                                             WHERE r.conversation_id = c.id AND r.user_id = u.user_id), 0)
                   ) AS unread
              FROM demo.conversations c
             CROSS JOIN LATERAL (SELECT a.id AS user_id, 'agent' AS side FROM demo.agents a
                                 UNION ALL
                                 SELECT c.contact_id, 'contact') u
             WHERE c.id = ANY (?)
            """;

    // A message is read once someone on the other side has read up to it.
    private static final String MESSAGES = """
            SELECT * FROM (
                SELECT m.id, m.content, m.sender_type, m.sender_id, coalesce(a.name, ct.name) AS sender_name,
                       m.created_at,
                       CASE WHEN m.sender_type = 'agent'
                            THEN EXISTS (SELECT 1 FROM demo.conversation_reads r
                                          WHERE r.conversation_id = c.id AND r.user_id = c.contact_id
                                            AND r.last_read_message_id >= m.id)
                            ELSE EXISTS (SELECT 1 FROM demo.conversation_reads r
                                           JOIN demo.agents ra ON ra.id = r.user_id
                                          WHERE r.conversation_id = c.id AND r.last_read_message_id >= m.id)
                       END AS read
                  FROM demo.messages m
                  JOIN demo.conversations c ON c.id = m.conversation_id
                  LEFT JOIN demo.agents a ON m.sender_type = 'agent' AND a.id = m.sender_id
                  LEFT JOIN demo.contacts ct ON m.sender_type = 'contact' AND ct.id = m.sender_id
                 WHERE m.conversation_id = ?
                 ORDER BY m.id DESC
                 LIMIT %d) newest
             ORDER BY id
            """.formatted(MESSAGE_PAGE);

    private HelpdeskReads() {
    }

    /** Every agent, then every contact, by id. */
    static List<DemoUser> users(Connection c) throws SQLException {
        List<DemoUser> users = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT id, name, email, role FROM demo.agents"
                        + " UNION ALL SELECT id, name, email, 'contact' FROM demo.contacts ORDER BY id");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                users.add(new DemoUser(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        return users;
    }

    /** The agent or contact with this id, or {@code null}. */
    static DemoUser user(Connection c, long id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT id, name, email, role FROM demo.agents WHERE id = ?"
                        + " UNION ALL SELECT id, name, email, 'contact' FROM demo.contacts WHERE id = ?")) {
            s.setLong(1, id);
            s.setLong(2, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? new DemoUser(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4))
                        : null;
            }
        }
    }

    /** The ids of a contact's conversations, oldest first: what its token's {@code conversations} claim lists. */
    static List<Long> conversationIdsOf(Connection c, long contactId) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT id FROM demo.conversations WHERE contact_id = ? ORDER BY id")) {
            s.setLong(1, contactId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    /** Conversation ids by contact, for the sign-in picker. */
    static Map<Long, List<Long>> conversationIdsByContact(Connection c) throws SQLException {
        Map<Long, List<Long>> byContact = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT contact_id, id FROM demo.conversations ORDER BY id");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                byContact.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getLong(2));
            }
        }
        return byContact;
    }

    /** One conversation, or {@code null} when there is none with this id. */
    static ConversationView conversation(Connection c, long id) throws SQLException {
        List<ConversationView> found = conversations(c, " WHERE c.id = ?", id);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Every conversation, most recently active first (the agent's inbox). */
    static List<ConversationView> allConversations(Connection c) throws SQLException {
        return conversations(c, "");
    }

    /** A contact's conversations, most recently active first. */
    static List<ConversationView> conversationsOf(Connection c, long contactId) throws SQLException {
        return conversations(c, " WHERE c.contact_id = ?", contactId);
    }

    /** The newest {@value #MESSAGE_PAGE} messages of a conversation, oldest first, with their read state. */
    static List<MessageView> messages(Connection c, long conversationId) throws SQLException {
        List<MessageView> messages = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(MESSAGES)) {
            s.setLong(1, conversationId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    messages.add(new MessageView(rs.getLong("id"), rs.getString("content"),
                            rs.getString("sender_type"), rs.getLong("sender_id"), rs.getString("sender_name"),
                            timestamp(rs, "created_at"), rs.getBoolean("read")));
                }
            }
        }
        return messages;
    }

    /** ISO-8601 in UTC with millisecond precision, which every browser's {@code Date} parses. */
    static String timestamp(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static List<ConversationView> conversations(Connection c, String where, long... args)
            throws SQLException {
        List<ConversationView> list = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                CONVERSATIONS + where + " ORDER BY c.updated_at DESC, c.id DESC")) {
            for (int i = 0; i < args.length; i++) {
                s.setLong(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    list.add(conversation(rs));
                }
            }
        }
        if (list.isEmpty()) {
            return list;
        }
        Map<Long, Map<Long, Integer>> unread = unread(c, list);
        List<ConversationView> withUnread = new ArrayList<>(list.size());
        for (ConversationView v : list) {
            withUnread.add(new ConversationView(v.id(), v.contactId(), v.contactName(), v.agentId(), v.agentName(),
                    v.subject(), v.status(), v.createdAt(), v.updatedAt(), v.lastMessageAt(), v.lastMessage(),
                    Collections.unmodifiableMap(unread.getOrDefault(v.id(), Map.of())), null));
        }
        return withUnread;
    }

    private static ConversationView conversation(ResultSet rs) throws SQLException {
        long agentId = rs.getLong("agent_id");
        Long agent = rs.wasNull() ? null : agentId;
        long lastId = rs.getLong("lm_id");
        ConversationView.LastMessage last = rs.wasNull() ? null : new ConversationView.LastMessage(lastId,
                rs.getString("lm_content"), rs.getString("lm_sender_type"), rs.getString("lm_sender_name"),
                timestamp(rs, "lm_created_at"));
        return new ConversationView(rs.getLong("id"), rs.getLong("contact_id"), rs.getString("contact_name"),
                agent, rs.getString("agent_name"), rs.getString("subject"), rs.getString("status"),
                timestamp(rs, "created_at"), timestamp(rs, "updated_at"), timestamp(rs, "last_message_at"), last,
                Map.of(), null);
    }

    private static Map<Long, Map<Long, Integer>> unread(Connection c, List<ConversationView> conversations)
            throws SQLException {
        Long[] ids = conversations.stream().map(ConversationView::id).toArray(Long[]::new);
        Map<Long, Map<Long, Integer>> unread = new HashMap<>();
        Array array = c.createArrayOf("bigint", ids);
        try (PreparedStatement s = c.prepareStatement(UNREAD)) {
            s.setArray(1, array);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    unread.computeIfAbsent(rs.getLong("conversation_id"), k -> new LinkedHashMap<>())
                            .put(rs.getLong("user_id"), rs.getInt("unread"));
                }
            }
        } finally {
            array.free();
        }
        return unread;
    }
}
