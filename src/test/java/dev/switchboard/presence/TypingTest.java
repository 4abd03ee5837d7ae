package dev.switchboard.presence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Typing indicators: relayed to the conversation's other subscribers, and always ended by the server when the
 * typist stops refreshing, unsubscribes or disconnects.
 *
 * <p>Servers by typing timeout: {@code quick} (300 ms) for expiry, {@code patient} (5 min, so within a test only
 * the cause under test can end an indicator). Refresh, explicit false and the exact moment of expiry are pinned
 * on a manual clock by {@link TypingTrackerTest}.
 */
class TypingTest {
    private static final Duration QUICK = Duration.ofMillis(300);

    private static TestServer quick;
    private static TestServer patient;
    private static long nextUser = 100;
    private static long nextConversation = 1000;

    private final List<WsClient> clients = new ArrayList<>();

    @BeforeAll
    static void startServers() {
        quick = TestServer.start(Map.of("TYPING_TIMEOUT", QUICK.toMillis() + "ms"));
        patient = TestServer.start(Map.of("TYPING_TIMEOUT", "5m"));
    }

    @AfterAll
    static void stopServers() {
        quick.close();
        patient.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(WsClient::close);
    }

    private static synchronized long user() {
        return ++nextUser;
    }

    private static synchronized long conversation() {
        return ++nextConversation;
    }

    private WsClient agent(TestServer server, long id, long... subscriptions) {
        WsClient client = server.agent(id);
        clients.add(client);
        for (long conversation : subscriptions) {
            client.subscribe(conversation);
        }
        return client;
    }

    private static void type(WsClient typist, long conversation, boolean isTyping) {
        typist.send("type", "typing", "conversation_id", conversation, "is_typing", isTyping);
    }

    private static JsonNode awaitTyping(WsClient observer, long conversation, long userId, boolean isTyping) {
        JsonNode frame = observer.awaitMatching(f -> "typing".equals(f.path("event").asText())
                && f.path("data").path("conversation_id").asLong() == conversation
                && f.path("data").path("user_id").asLong() == userId
                && f.path("data").path("is_typing").asBoolean() == isTyping,
                "typing " + isTyping + " of user " + userId + " in " + conversation);
        assertEquals(3, frame.path("data").size(), "typing data is exactly the PHP server's shape: " + frame);
        return frame;
    }

    private static List<JsonNode> typingFrames(List<JsonNode> frames) {
        return frames.stream().filter(f -> "typing".equals(f.path("event").asText())).collect(Collectors.toList());
    }

    // ---- relay ----

    @Test
    void typingIsRelayedToOtherSubscribersWithTheSendersUserId() {
        long conv = conversation();
        long typistId = user();
        WsClient typist = agent(patient, typistId, conv);
        WsClient observer = agent(patient, user(), conv);
        long contactId = user();
        WsClient contact = patient.contact(contactId, conv).subscribe(conv);
        clients.add(contact);

        type(typist, conv, true);
        awaitTyping(observer, conv, typistId, true);
        awaitTyping(contact, conv, typistId, true);
        assertTrue(typingFrames(typist.sync()).isEmpty(), "never back to the sender");

        type(contact, conv, true);
        awaitTyping(observer, conv, contactId, true);
        awaitTyping(typist, conv, contactId, true);
        assertTrue(typingFrames(contact.sync()).isEmpty(), "never back to the sender");
    }

    @Test
    void contactCannotTypeIntoAConversationItMayNotAccess() {
        long conv = conversation();
        WsClient observer = agent(patient, user(), conv);
        WsClient contact = patient.contact(user(), conversation());
        clients.add(contact);
        type(contact, conv, true);
        JsonNode error = contact.awaitError("forbidden");
        assertEquals("typing", error.path("request").asText());
        assertTrue(typingFrames(observer.sync()).isEmpty(), "a refused typing is not relayed");
        contact.sync(); // and the contact's connection stays open
    }

    // ---- the server always ends an indicator ----

    @Test
    void typingTrueIsEndedByServerAfterTimeout() {
        long conv = conversation();
        long typistId = user();
        WsClient typist = agent(quick, typistId, conv);
        WsClient observer = agent(quick, user(), conv);
        type(typist, conv, true);
        awaitTyping(observer, conv, typistId, true);
        awaitTyping(observer, conv, typistId, false);
        assertTrue(typingFrames(typist.sync()).isEmpty(), "the typist is not told about its own timeout");
    }

    @Test
    void senderUnsubscribingEndsItsTyping() {
        long conv = conversation();
        long typistId = user();
        WsClient typist = agent(patient, typistId, conv);
        WsClient observer = agent(patient, user(), conv);
        type(typist, conv, true);
        awaitTyping(observer, conv, typistId, true);
        typist.send("type", "unsubscribe", "conversation_id", conv);
        typist.await("unsubscribed");
        // The false was queued before the unsubscribe was confirmed; the 5 min timeout cannot have sent it.
        List<JsonNode> seen = typingFrames(observer.sync());
        assertEquals(1, seen.size(), seen.toString());
        assertFalse(seen.get(0).path("data").path("is_typing").asBoolean(true));
        assertEquals(typistId, seen.get(0).path("data").path("user_id").asLong());
    }

    @Test
    void senderClosingItsConnectionEndsItsTyping() {
        long conv = conversation();
        long typistId = user();
        WsClient typist = agent(patient, typistId, conv);
        WsClient observer = agent(patient, user(), conv);
        type(typist, conv, true);
        awaitTyping(observer, conv, typistId, true);
        typist.close();
        awaitTyping(observer, conv, typistId, false); // well before the 5 min timeout
    }

    @Test
    void senderDroppingItsConnectionEndsItsTyping() {
        long conv = conversation();
        long typistId = user();
        WsClient typist = agent(patient, typistId, conv);
        WsClient observer = agent(patient, user(), conv);
        type(typist, conv, true);
        awaitTyping(observer, conv, typistId, true);
        typist.abort();
        awaitTyping(observer, conv, typistId, false);
    }

    @Test
    void closingAnotherTabOfTheTypistEndsOnlyThatTabsTyping() {
        long conv = conversation();
        long otherConv = conversation();
        long typistId = user();
        WsClient typist = agent(patient, typistId, conv);
        WsClient otherTab = agent(patient, typistId, otherConv);
        WsClient observer = agent(patient, user(), conv, otherConv);
        type(typist, conv, true);
        awaitTyping(observer, conv, typistId, true);
        type(otherTab, otherConv, true);
        awaitTyping(observer, otherConv, typistId, true);
        otherTab.close();
        // The other tab's indicator ends: proof the server has handled that close...
        awaitTyping(observer, otherConv, typistId, false);
        // ...and the tab that is still open keeps its own.
        assertTrue(typingFrames(observer.sync()).isEmpty(), "another tab closing does not end the indicator");
    }

    // ---- typing from the app (realtime.notify_typing) ----

    @Test
    void sqlTypingIsRelayedAfterCommitAndNeverAfterRollback() throws Exception {
        long conv = conversation();
        WsClient observer = agent(patient, user(), conv);
        long rolledBack = user();
        long committed = user();

        SqlEvents.inTransaction(patient, false, "SELECT realtime.notify_typing(" + conv + ", " + rolledBack
                + ", true)");
        try (Connection c = patient.sql()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT realtime.notify_typing(" + conv + ", " + committed + ", true)");
                assertTrue(typingFrames(observer.sync()).isEmpty(), "nothing before COMMIT");
                c.commit();
            }
        }
        // Notifications arrive in commit order: had the rolled-back one been sent, it would come first.
        JsonNode first = observer.await("typing");
        assertEquals(committed, first.path("data").path("user_id").asLong(), "only the committed one: " + first);
        assertTrue(first.path("data").path("is_typing").asBoolean());
        assertFalse(first.has("id"), "typing is not durable: " + first);
    }

    @Test
    void sqlTypingExpiresLikeAClients() {
        long conv = conversation();
        WsClient observer = agent(quick, user(), conv);
        long typistId = user();
        WsClient typistTab = agent(quick, typistId, conv);
        SqlEvents.exec(quick, "SELECT realtime.notify_typing(" + conv + ", " + typistId + ", true)");
        awaitTyping(observer, conv, typistId, true);
        awaitTyping(observer, conv, typistId, false);
        assertTrue(typingFrames(typistTab.sync()).isEmpty(), "not relayed to the typist's own tabs");
    }

    @Test
    void sqlTypingFalseIsRelayed() {
        long conv = conversation();
        WsClient observer = agent(patient, user(), conv);
        long typistId = user();
        SqlEvents.exec(patient, "SELECT realtime.notify_typing(" + conv + ", " + typistId + ", true)",
                "SELECT realtime.notify_typing(" + conv + ", " + typistId + ", false)");
        awaitTyping(observer, conv, typistId, true);
        awaitTyping(observer, conv, typistId, false);
    }
}
