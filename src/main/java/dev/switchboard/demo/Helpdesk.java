package dev.switchboard.demo;

import dev.switchboard.notifier.Notifier;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the demo helpdesk does, for a signed-in user: the operations of a helpdesk web app (send a message,
 * assign, close, reopen, start a conversation, mark read) and the reads the pages need.
 *
 * <p><b>The integration pattern to copy.</b> Every write is ONE database transaction that writes its rows AND
 * calls the {@link Notifier} on the same connection. The events are rows in that transaction: Switchboard
 * delivers them after COMMIT and never after a ROLLBACK, so a browser can never see a message that was not
 * saved, nor miss one that was. There is no second step ("save, then push") that could fail halfway.
 *
 * <p>Each write first locks its conversation row ({@code SELECT ... FOR UPDATE}), so writers of one
 * conversation take turns and its events commit in the order its rows do.
 */
final class Helpdesk {
    /** A posted message and the conversation after it. */
    record Posted(MessageView message, ConversationView conversation) {
    }

    /** A conversation a contact started, its first message, and every conversation id the contact now has. */
    record Started(ConversationView conversation, MessageView message, List<Long> contactConversations) {
    }

    /** The outcome of marking read: {@code advanced} is false when the user had already read that far. */
    record ReadMark(long conversationId, long messageId, boolean advanced, ConversationView conversation) {
    }

    /** A conversation with its newest messages. */
    record Detail(ConversationView conversation, List<MessageView> messages) {
    }

    private final Transactions transactions;
    private final Notifier notifier;

    Helpdesk(Transactions transactions, Notifier notifier) {
        this.transactions = transactions;
        this.notifier = notifier;
    }

    // ------------------------------------------------------------------ reads

    /** Agents: every conversation; contacts: their own. Each with the caller's unread count. */
    List<ConversationView> conversations(DemoUser caller) throws SQLException {
        return transactions.read(c -> (caller.isStaff()
                ? HelpdeskReads.allConversations(c)
                : HelpdeskReads.conversationsOf(c, caller.id()))
                .stream().map(v -> v.forUser(caller.id())).toList());
    }

    /** One conversation and its messages, if the caller may see it. */
    Detail conversation(DemoUser caller, long conversationId) throws SQLException {
        return transactions.read(c -> {
            ConversationView conversation = HelpdeskReads.conversation(c, conversationId);
            if (conversation == null) {
                throw ApiError.notFound("conversation " + conversationId + " does not exist");
            }
            requireAccess(caller, conversationId, conversation.contactId());
            return new Detail(conversation.forUser(caller.id()), HelpdeskReads.messages(c, conversationId));
        });
    }

    // ----------------------------------------------------------------- writes

    /**
     * Posts a message as an agent or as the conversation's contact: {@code new_message} and
     * {@code conversation_updated}. A contact writing into a closed conversation reopens it, as customers
     * expect; agents must reopen it first.
     */
    Posted postMessage(DemoUser sender, long conversationId, String content) throws SQLException {
        return transactions.inTransaction(c -> {
            Locked conversation = lock(c, conversationId);
            requireAccess(sender, conversationId, conversation.contactId());
            if (sender.isStaff() && conversation.closed()) {
                throw ApiError.conflict("conversation " + conversationId + " is closed; reopen it first");
            }
            MessageView message = insertMessage(c, conversationId, sender, content);
            touch(c, conversationId, message, "open");
            ConversationView updated = HelpdeskReads.conversation(c, conversationId);

            // Same connection, same transaction: these events commit with the message, or not at all.
            notifier.newMessage(c, conversationId, message);
            notifier.conversationUpdated(c, conversationId, updated);
            return new Posted(message, updated.forUser(sender.id()));
        });
    }

    /** A contact starts a conversation with its first message: {@code new_conversation} and {@code new_message}. */
    Started startConversation(DemoUser contact, String subject, String content) throws SQLException {
        if (contact.isStaff()) {
            throw ApiError.forbidden("only contacts start conversations");
        }
        return transactions.inTransaction(c -> {
            long conversationId;
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO demo.conversations (contact_id, subject) VALUES (?, ?) RETURNING id")) {
                s.setLong(1, contact.id());
                s.setString(2, subject);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    conversationId = rs.getLong(1);
                }
            }
            MessageView message = insertMessage(c, conversationId, contact, content);
            touch(c, conversationId, message, "open");
            ConversationView created = HelpdeskReads.conversation(c, conversationId);

            // Same transaction as the inserts above: agents hear of the conversation only once it exists.
            notifier.newConversation(c, created);
            notifier.newMessage(c, conversationId, message);
            return new Started(created.forUser(contact.id()), message,
                    HelpdeskReads.conversationIdsOf(c, contact.id()));
        });
    }

    /**
     * Assigns a conversation to an agent: {@code conversation_updated} to everyone concerned, and the custom
     * event {@code conversation_assigned} to the assignee's connections only.
     */
    ConversationView assign(DemoUser agent, long conversationId, long assigneeId) throws SQLException {
        requireStaff(agent, "assign conversations");
        return transactions.inTransaction(c -> {
            lock(c, conversationId);
            DemoUser assignee = HelpdeskReads.user(c, assigneeId);
            if (assignee == null || !assignee.isStaff()) {
                throw ApiError.badRequest("agent_id " + assigneeId + " is not an agent");
            }
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE demo.conversations SET agent_id = ?, updated_at = clock_timestamp() WHERE id = ?")) {
                s.setLong(1, assigneeId);
                s.setLong(2, conversationId);
                s.executeUpdate();
            }
            ConversationView updated = HelpdeskReads.conversation(c, conversationId);

            // Both events join this transaction, like every write of the helpdesk.
            notifier.conversationUpdated(c, conversationId, updated);
            Map<String, Object> assigned = new LinkedHashMap<>();
            assigned.put("conversation_id", conversationId);
            assigned.put("conversation", updated);
            assigned.put("assigned_by", Map.of("id", agent.id(), "name", agent.name()));
            notifier.user(c, assigneeId, "conversation_assigned", assigned);
            return updated.forUser(agent.id());
        });
    }

    /**
     * Closes ({@code "closed"}) or reopens ({@code "open"}) a conversation: {@code conversation_updated}.
     * Asking for the status it already has changes nothing and announces nothing.
     */
    ConversationView setStatus(DemoUser agent, long conversationId, String status) throws SQLException {
        requireStaff(agent, "close or reopen conversations");
        return transactions.inTransaction(c -> {
            Locked conversation = lock(c, conversationId);
            if (conversation.status().equals(status)) {
                return HelpdeskReads.conversation(c, conversationId).forUser(agent.id());
            }
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE demo.conversations SET status = ?, updated_at = clock_timestamp() WHERE id = ?")) {
                s.setString(1, status);
                s.setLong(2, conversationId);
                s.executeUpdate();
            }
            ConversationView updated = HelpdeskReads.conversation(c, conversationId);
            notifier.conversationUpdated(c, conversationId, updated); // commits with the status change
            return updated.forUser(agent.id());
        });
    }

    /**
     * Records that {@code reader} has read the conversation up to {@code messageId}: {@code message_read} (the
     * other side's read receipts) and {@code conversation_updated} (the unread counts). Marks only move
     * forward; marking an older message announces nothing.
     */
    ReadMark markRead(DemoUser reader, long conversationId, long messageId) throws SQLException {
        return transactions.inTransaction(c -> {
            Locked conversation = lock(c, conversationId);
            requireAccess(reader, conversationId, conversation.contactId());
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT 1 FROM demo.messages WHERE id = ? AND conversation_id = ?")) {
                s.setLong(1, messageId);
                s.setLong(2, conversationId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiError.badRequest("message " + messageId + " is not in conversation "
                                + conversationId);
                    }
                }
            }
            boolean advanced;
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO demo.conversation_reads (conversation_id, user_id, last_read_message_id)
                    VALUES (?, ?, ?)
                    ON CONFLICT (conversation_id, user_id) DO UPDATE
                       SET last_read_message_id = excluded.last_read_message_id, read_at = clock_timestamp()
                     WHERE demo.conversation_reads.last_read_message_id < excluded.last_read_message_id
                    """)) {
                s.setLong(1, conversationId);
                s.setLong(2, reader.id());
                s.setLong(3, messageId);
                advanced = s.executeUpdate() > 0;
            }
            ConversationView updated = HelpdeskReads.conversation(c, conversationId);
            if (advanced) {
                // Announced in the same transaction as the read mark it reports.
                notifier.messageRead(c, conversationId, messageId, reader.id());
                notifier.conversationUpdated(c, conversationId, updated);
            }
            return new ReadMark(conversationId, messageId, advanced, updated.forUser(reader.id()));
        });
    }

    // ---------------------------------------------------------------- helpers

    /** The locked conversation's owner and status. */
    private record Locked(long contactId, String status) {
        boolean closed() {
            return "closed".equals(status);
        }
    }

    private static Locked lock(Connection c, long conversationId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT contact_id, status FROM demo.conversations WHERE id = ? FOR UPDATE")) {
            s.setLong(1, conversationId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ApiError.notFound("conversation " + conversationId + " does not exist");
                }
                return new Locked(rs.getLong(1), rs.getString(2));
            }
        }
    }

    private static void requireAccess(DemoUser caller, long conversationId, long contactId) {
        if (!caller.isStaff() && caller.id() != contactId) {
            throw ApiError.forbidden("conversation " + conversationId + " is not yours");
        }
    }

    private static void requireStaff(DemoUser caller, String what) {
        if (!caller.isStaff()) {
            throw ApiError.forbidden("only agents may " + what);
        }
    }

    private static MessageView insertMessage(Connection c, long conversationId, DemoUser sender, String content)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO demo.messages (conversation_id, sender_type, sender_id, content)
                VALUES (?, ?, ?, ?)
                RETURNING id, created_at
                """)) {
            s.setLong(1, conversationId);
            s.setString(2, sender.senderType());
            s.setLong(3, sender.id());
            s.setString(4, content);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                OffsetDateTime createdAt = rs.getObject(2, OffsetDateTime.class);
                return new MessageView(rs.getLong(1), content, sender.senderType(), sender.id(), sender.name(),
                        createdAt.toInstant().truncatedTo(ChronoUnit.MILLIS).toString(), null);
            }
        }
    }

    private static void touch(Connection c, long conversationId, MessageView message, String status)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE demo.conversations
                   SET updated_at = m.created_at, last_message_at = m.created_at, status = ?
                  FROM demo.messages m
                 WHERE demo.conversations.id = ? AND m.id = ?
                """)) {
            s.setString(1, status);
            s.setLong(2, conversationId);
            s.setLong(3, message.id());
            s.executeUpdate();
        }
    }
}
