package dev.switchboard.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.auth.Role;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The routing rules (README's event table), with real clients: who receives which event, exactly once, in every tab.
 *
 * <p>"Did not receive" is checked deterministically: after the events under test, a {@code marker} event is sent
 * to each client's user with {@code notify_user}. The notifier dispatches events one at a time in id order, so
 * once a client has its marker, the events before it have been fully routed, and whatever the client got before
 * the marker is everything it will ever get from them.
 */
class RoutingTest {
    private static TestServer server;
    private static long nextUser = 100;
    private static long nextConversation = 1000;

    /** Every client of the running test and the user it authenticated as. */
    private final Map<WsClient, Long> users = new IdentityHashMap<>();

    @BeforeAll
    static void startServer() {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @AfterEach
    void closeClients() {
        users.keySet().forEach(WsClient::close);
    }

    private static synchronized long user() {
        return ++nextUser;
    }

    private static synchronized long conversation() {
        return ++nextConversation;
    }

    private WsClient agent(long userId) {
        WsClient client = server.agent(userId);
        users.put(client, userId);
        return client;
    }

    private WsClient admin(long userId) {
        WsClient client = server.connect();
        users.put(client, userId);
        client.authenticate(server.token(userId, Role.ADMIN, "Admin " + userId, List.of()));
        client.await("presence");
        return client;
    }

    private WsClient contact(long userId, Long... conversations) {
        WsClient client = server.contact(userId, conversations);
        users.put(client, userId);
        return client;
    }

    private static void sql(String... statements) {
        SqlEvents.exec(server, statements);
    }

    /** Sends a marker to each client's user (once per user); call after the events under test. */
    private void markers() {
        Set<Long> distinct = new LinkedHashSet<>(users.values());
        sql(distinct.stream().map(id -> "SELECT realtime.notify_user(" + id + ", 'marker', '{}')")
                .toArray(String[]::new));
    }

    /** Every frame the client received before its marker. */
    private static List<JsonNode> framesBeforeMarker(WsClient client) {
        List<JsonNode> frames = new ArrayList<>();
        client.awaitMatching(f -> {
            boolean marker = "marker".equals(f.path("event").asText());
            if (!marker) {
                frames.add(f);
            }
            return marker;
        }, "marker");
        return frames;
    }

    private static List<JsonNode> named(List<JsonNode> frames, String event) {
        return frames.stream().filter(f -> event.equals(f.path("event").asText())).collect(Collectors.toList());
    }

    /** Every frame named {@code event} the client received before its marker. */
    private static List<JsonNode> receivedBeforeMarker(WsClient client, String event) {
        return named(framesBeforeMarker(client), event);
    }

    private static JsonNode assertReceivedOnce(WsClient client, String event, String who) {
        List<JsonNode> got = receivedBeforeMarker(client, event);
        assertEquals(1, got.size(), who + " receives " + event + " exactly once: " + got);
        return got.get(0);
    }

    private static void assertReceivedNothing(WsClient client, String event, String who) {
        List<JsonNode> got = receivedBeforeMarker(client, event);
        assertTrue(got.isEmpty(), who + " must not receive " + event + ": " + got);
    }

    // ---- new_message, conversation_updated: subscribers and every agent/admin ----

    @Test
    void newMessageReachesSubscribersAndEveryAgentAndAdminButNoOtherContact() {
        long conv = conversation();
        long other = conversation();
        WsClient subscribedAgent = agent(user()).subscribe(conv);
        WsClient idleAgent = agent(user());
        WsClient idleAdmin = admin(user());
        WsClient subscribedContact = contact(user(), conv).subscribe(conv);
        WsClient allowedButNotSubscribed = contact(user(), conv);
        WsClient contactElsewhere = contact(user(), other).subscribe(other);

        sql("SELECT realtime.notify_new_message(" + conv + ", '{\"id\":1,\"content\":\"oi\",\"sender_id\":5}')");
        markers();

        JsonNode frame = assertReceivedOnce(subscribedAgent, "new_message", "a subscribed agent");
        assertEquals(conv, frame.path("data").path("conversation_id").asLong());
        assertEquals("oi", frame.path("data").path("message").path("content").asText());
        assertReceivedOnce(idleAgent, "new_message", "an agent not subscribed (inbox)");
        assertReceivedOnce(idleAdmin, "new_message", "an admin not subscribed (inbox)");
        assertReceivedOnce(subscribedContact, "new_message", "a subscribed contact");
        assertReceivedNothing(allowedButNotSubscribed, "new_message", "a contact not subscribed");
        assertReceivedNothing(contactElsewhere, "new_message", "a contact of another conversation");
    }

    @Test
    void conversationUpdatedReachesSubscribersAndEveryAgentAndAdminButNoOtherContact() {
        long conv = conversation();
        WsClient subscribedAgent = agent(user()).subscribe(conv);
        WsClient idleAgent = agent(user());
        WsClient idleAdmin = admin(user());
        WsClient subscribedContact = contact(user(), conv).subscribe(conv);
        WsClient allowedButNotSubscribed = contact(user(), conv);

        sql("SELECT realtime.notify_conversation_updated(" + conv + ", '{\"id\":" + conv + ",\"status\":\"closed\"}')");
        markers();

        JsonNode frame = assertReceivedOnce(subscribedAgent, "conversation_updated", "a subscribed agent");
        assertEquals("closed", frame.path("data").path("conversation").path("status").asText());
        assertEquals(conv, frame.path("data").path("conversation_id").asLong());
        assertReceivedOnce(idleAgent, "conversation_updated", "an agent not subscribed");
        assertReceivedOnce(idleAdmin, "conversation_updated", "an admin not subscribed");
        assertReceivedOnce(subscribedContact, "conversation_updated", "a subscribed contact");
        assertReceivedNothing(allowedButNotSubscribed, "conversation_updated", "a contact not subscribed");
    }

    // ---- new_conversation, agent_status: every agent/admin, never contacts ----

    @Test
    void newConversationReachesEveryAgentAndAdminButNoContact() {
        long conv = conversation();
        WsClient agent = agent(user());
        WsClient subscribedAgent = agent(user()).subscribe(conv);
        WsClient admin = admin(user());
        WsClient contact = contact(user(), conv).subscribe(conv);

        sql("SELECT realtime.notify_new_conversation('{\"id\":" + conv + ",\"contact_name\":\"João Silva\"}')");
        markers();

        JsonNode frame = assertReceivedOnce(agent, "new_conversation", "an agent");
        assertEquals("João Silva", frame.path("data").path("conversation").path("contact_name").asText());
        assertReceivedOnce(subscribedAgent, "new_conversation", "an agent subscribed to that conversation");
        assertReceivedOnce(admin, "new_conversation", "an admin");
        assertReceivedNothing(contact, "new_conversation", "a contact");
    }

    @Test
    void agentStatusFromTheAppReachesEveryAgentAndAdminButNoContact() {
        long conv = conversation();
        long subject = user();
        WsClient agent = agent(user());
        WsClient admin = admin(user());
        WsClient contact = contact(user(), conv).subscribe(conv);

        sql("SELECT realtime.notify_agent_status(" + subject + ", 'busy')");
        markers();

        for (WsClient staff : List.of(agent, admin)) {
            List<JsonNode> got = receivedBeforeMarker(staff, "agent_status").stream()
                    .filter(f -> f.path("data").path("agent_id").asLong() == subject).collect(Collectors.toList());
            assertEquals(1, got.size(), "staff receive agent_status once: " + got);
            assertEquals("busy", got.get(0).path("data").path("status").asText());
            assertTrue(got.get(0).path("id").isIntegralNumber(), "durable agent_status has an id: " + got);
        }
        assertReceivedNothing(contact, "agent_status", "a contact");
    }

    // ---- typing, message_read: subscribers only ----

    @Test
    void messageReadReachesOnlySubscribers() {
        long conv = conversation();
        WsClient subscribedAgent = agent(user()).subscribe(conv);
        WsClient idleAgent = agent(user());
        WsClient idleAdmin = admin(user());
        WsClient subscribedContact = contact(user(), conv).subscribe(conv);
        WsClient allowedButNotSubscribed = contact(user(), conv);

        sql("SELECT realtime.notify_message_read(" + conv + ", 789, 5)");
        markers();

        JsonNode frame = assertReceivedOnce(subscribedAgent, "message_read", "a subscribed agent");
        assertEquals(conv, frame.path("data").path("conversation_id").asLong());
        assertEquals(789, frame.path("data").path("message_id").asLong());
        assertEquals(5, frame.path("data").path("user_id").asLong());
        assertReceivedOnce(subscribedContact, "message_read", "a subscribed contact");
        assertReceivedNothing(idleAgent, "message_read", "an agent not subscribed");
        assertReceivedNothing(idleAdmin, "message_read", "an admin not subscribed");
        assertReceivedNothing(allowedButNotSubscribed, "message_read", "a contact not subscribed");
    }

    @Test
    void clientTypingReachesOnlyOtherSubscribersNeverTheSenderNorItsOtherTabs() {
        long conv = conversation();
        long typistId = user();
        WsClient typist = agent(typistId).subscribe(conv);
        WsClient typistOtherTab = agent(typistId).subscribe(conv);
        WsClient subscribedAgent = agent(user()).subscribe(conv);
        WsClient subscribedContact = contact(user(), conv).subscribe(conv);
        WsClient idleAgent = agent(user());

        typist.send("type", "typing", "conversation_id", conv, "is_typing", true);
        typist.sync(); // the typing message has been handled and relayed
        markers();

        JsonNode frame = assertReceivedOnce(subscribedAgent, "typing", "another subscribed agent");
        assertEquals(typistId, frame.path("data").path("user_id").asLong());
        assertEquals(conv, frame.path("data").path("conversation_id").asLong());
        assertTrue(frame.path("data").path("is_typing").asBoolean());
        assertFalse(frame.has("id"), "typing is not durable and has no id: " + frame);
        assertReceivedOnce(subscribedContact, "typing", "a subscribed contact");
        assertReceivedNothing(typist, "typing", "the typist");
        assertReceivedNothing(typistOtherTab, "typing", "the typist's other tab");
        assertReceivedNothing(idleAgent, "typing", "an agent not subscribed");
    }

    @Test
    void appTypingReachesOnlySubscribersOtherThanTheTypist() {
        long conv = conversation();
        long typistId = user();
        WsClient typist = agent(typistId).subscribe(conv);
        WsClient subscribed = contact(user(), conv).subscribe(conv);
        WsClient idleAgent = agent(user());

        sql("SELECT realtime.notify_typing(" + conv + ", " + typistId + ", true)");
        JsonNode frame = subscribed.await("typing");
        assertEquals(typistId, frame.path("data").path("user_id").asLong());
        markers();

        assertReceivedNothing(subscribed, "typing", "a subscribed contact, after the one relay");
        assertReceivedNothing(typist, "typing", "the typist");
        assertReceivedNothing(idleAgent, "typing", "an agent not subscribed");
    }

    // ---- custom events: every connection of one user ----

    @Test
    void notifyUserReachesEveryConnectionOfThatUserOnly() {
        long target = user();
        WsClient firstTab = agent(target);
        WsClient secondTab = agent(target);
        WsClient otherAgent = agent(user());
        long contactId = user();
        WsClient contact = contact(contactId);

        sql("SELECT realtime.notify_user(" + target + ", 'ticket_assigned', '{\"ticket\":42}')",
                "SELECT realtime.notify_user(" + contactId + ", 'survey', '{\"url\":\"/s/1\"}')");
        markers();

        for (WsClient tab : List.of(firstTab, secondTab)) {
            JsonNode frame = assertReceivedOnce(tab, "ticket_assigned", "a tab of the target user");
            assertEquals(42, frame.path("data").path("ticket").asLong());
            assertTrue(frame.path("id").isIntegralNumber(), frame.toString());
        }
        assertReceivedNothing(otherAgent, "ticket_assigned", "another agent");
        // Custom events reach contacts too: the audience is the user, whatever its role.
        List<JsonNode> contactFrames = framesBeforeMarker(contact);
        assertTrue(named(contactFrames, "ticket_assigned").isEmpty(), contactFrames.toString());
        assertEquals(1, named(contactFrames, "survey").size(), contactFrames.toString());
    }

    // ---- once only, multi-tab, unsubscribe, unauthenticated ----

    @Test
    void subscribedAgentReceivesNewMessageExactlyOnce() {
        long conv = conversation();
        WsClient agent = agent(user()).subscribe(conv);
        WsClient admin = admin(user()).subscribe(conv);

        sql("SELECT realtime.notify_new_message(" + conv + ", '{\"id\":1}')");
        JsonNode first = agent.await("new_message");
        List<JsonNode> rest = agent.sync();
        assertTrue(rest.stream().noneMatch(f -> "new_message".equals(f.path("event").asText())),
                "inbox rule and subscription rule both match, yet it arrives once: " + first + " then " + rest);
        admin.await("new_message");
        assertTrue(admin.sync().stream().noneMatch(f -> "new_message".equals(f.path("event").asText())));
    }

    @Test
    void userWithTwoTabsGetsEveryEventInBoth() {
        long conv = conversation();
        long agentId = user();
        WsClient tab1 = agent(agentId).subscribe(conv);
        WsClient tab2 = agent(agentId).subscribe(conv);
        long otherId = user();
        WsClient other = agent(otherId).subscribe(conv);
        long contactId = user();
        WsClient contactTab1 = contact(contactId, conv).subscribe(conv);
        WsClient contactTab2 = contact(contactId, conv).subscribe(conv);

        sql("SELECT realtime.notify_new_message(" + conv + ", '{\"id\":1}')",
                "SELECT realtime.notify_conversation_updated(" + conv + ", '{\"status\":\"open\"}')",
                "SELECT realtime.notify_new_conversation('{\"id\":2}')",
                "SELECT realtime.notify_agent_status(" + otherId + ", 'away')",
                "SELECT realtime.notify_message_read(" + conv + ", 1, " + otherId + ")",
                "SELECT realtime.notify_user(" + agentId + ", 'custom', '{}')",
                "SELECT realtime.notify_user(" + contactId + ", 'custom', '{}')");
        other.send("type", "typing", "conversation_id", conv, "is_typing", true);
        other.sync();
        markers();

        List<String> staffEvents = List.of("new_message", "conversation_updated", "new_conversation", "agent_status",
                "message_read", "custom", "typing");
        List<String> contactEvents = List.of("new_message", "conversation_updated", "message_read", "custom",
                "typing");
        // The client's typing may overtake the SQL events, so compare what arrived, not in which order.
        for (WsClient tab : List.of(tab1, tab2)) {
            assertEquals(sorted(staffEvents), sorted(namesBeforeMarker(tab)), "agent tab");
        }
        for (WsClient tab : List.of(contactTab1, contactTab2)) {
            assertEquals(sorted(contactEvents), sorted(namesBeforeMarker(tab)), "contact tab");
        }
    }

    private static List<String> sorted(List<String> names) {
        return names.stream().sorted().collect(Collectors.toList());
    }

    /** Event names received before the marker, in order, leaving out derived presence of other tests' agents. */
    private static List<String> namesBeforeMarker(WsClient client) {
        List<String> names = new ArrayList<>();
        client.awaitMatching(f -> {
            String name = f.path("event").asText();
            boolean derivedPresence = "agent_status".equals(name) && !f.has("id");
            if (!"marker".equals(name) && !derivedPresence && !"presence".equals(name)) {
                names.add(name);
            }
            return "marker".equals(name);
        }, "marker");
        return names;
    }

    @Test
    void afterUnsubscribeNothingMoreArrivesForThatConversation() {
        long left = conversation();
        long kept = conversation();
        WsClient contact = contact(user(), left, kept).subscribe(left).subscribe(kept);
        WsClient agent = agent(user()).subscribe(left).subscribe(kept);
        for (WsClient client : List.of(contact, agent)) {
            client.send("type", "unsubscribe", "conversation_id", left);
            client.await("unsubscribed");
        }

        sql("SELECT realtime.notify_message_read(" + left + ", 1, 9)",
                "SELECT realtime.notify_new_message(" + left + ", '{\"id\":2}')",
                "SELECT realtime.notify_message_read(" + kept + ", 3, 9)");

        for (WsClient client : List.of(contact, agent)) {
            // The later event on the conversation still subscribed is the marker.
            List<JsonNode> before = new ArrayList<>();
            client.awaitMatching(f -> {
                before.add(f);
                return "message_read".equals(f.path("event").asText());
            }, "message_read of the kept conversation");
            JsonNode marker = before.remove(before.size() - 1);
            assertEquals(kept, marker.path("data").path("conversation_id").asLong());
            assertTrue(before.stream().noneMatch(f -> "message_read".equals(f.path("event").asText())), before.toString());
            if (client == contact) {
                assertTrue(before.stream().noneMatch(f -> "new_message".equals(f.path("event").asText())),
                        "the contact no longer receives the conversation: " + before);
            } else {
                assertEquals(1, before.stream().filter(f -> "new_message".equals(f.path("event").asText())).count(),
                        "an agent still has the conversation in its inbox: " + before);
            }
        }
    }

    @Test
    void unauthenticatedConnectionsGetNothing() {
        long conv = conversation();
        long witnessId = user();
        WsClient witness = agent(witnessId).subscribe(conv);
        try (WsClient anonymous = server.connect()) {
            sql("SELECT realtime.notify_new_message(" + conv + ", '{\"id\":1}')",
                    "SELECT realtime.notify_conversation_updated(" + conv + ", '{}')",
                    "SELECT realtime.notify_new_conversation('{}')",
                    "SELECT realtime.notify_agent_status(1, 'online')",
                    "SELECT realtime.notify_message_read(" + conv + ", 1, 1)",
                    "SELECT realtime.notify_user(" + witnessId + ", 'custom', '{}')");
            markers(); // the witness's marker comes after every event above
            List<String> witnessed = namesBeforeMarker(witness);
            assertEquals(List.of("new_message", "conversation_updated", "new_conversation", "agent_status",
                    "message_read", "custom"), witnessed);
            // Every event has been routed; the anonymous connection's only frame is the answer to its ping.
            anonymous.send("type", "ping");
            JsonNode first = anonymous.next();
            assertEquals("error", first.path("event").asText(), "nothing but the reply arrives: " + first);
            assertEquals("unauthenticated", first.path("data").path("code").asText());
        }
    }

    // ---- ids ----

    @Test
    void everyDurableEventCarriesAnIncreasingNumericId() {
        long conv = conversation();
        long agentId = user();
        WsClient agent = agent(agentId).subscribe(conv);
        sql("SELECT realtime.notify_new_message(" + conv + ", '{\"id\":1}')",
                "SELECT realtime.notify_conversation_updated(" + conv + ", '{}')",
                "SELECT realtime.notify_new_conversation('{}')",
                "SELECT realtime.notify_agent_status(" + agentId + ", 'busy')",
                "SELECT realtime.notify_message_read(" + conv + ", 1, 1)",
                "SELECT realtime.notify_user(" + agentId + ", 'custom', '{}')",
                "SELECT realtime.notify_new_message(" + conv + ", '{\"id\":2}')");
        SqlEvents.inTransaction(server, true,
                "SELECT realtime.notify_new_message(" + conv + ", '{\"id\":3}')",
                "SELECT realtime.notify_new_message(" + conv + ", '{\"id\":4}')");
        markers();

        List<JsonNode> durable = new ArrayList<>();
        agent.awaitMatching(f -> {
            boolean derivedPresence = "agent_status".equals(f.path("event").asText()) && !f.has("id");
            if (!derivedPresence && !"presence".equals(f.path("event").asText())) {
                durable.add(f);
            }
            return "marker".equals(f.path("event").asText());
        }, "marker");
        assertEquals(10, durable.size(), durable.toString());
        long previous = 0;
        for (JsonNode frame : durable) {
            assertTrue(frame.path("id").isIntegralNumber(), "durable event has a numeric id: " + frame);
            long id = frame.path("id").asLong();
            assertTrue(id > previous, "ids increase in delivery order: " + durable);
            previous = id;
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), durable.stream()
                .filter(f -> "new_message".equals(f.path("event").asText()))
                .map(f -> f.path("data").path("message").path("id").asLong()).collect(Collectors.toList()));
    }
}
