package dev.switchboard.routing;

import dev.switchboard.testing.RecordingRecipient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static dev.switchboard.routing.ConversationRegistry.Subscription.ADDED;
import static dev.switchboard.routing.ConversationRegistry.Subscription.ALREADY_SUBSCRIBED;
import static dev.switchboard.routing.ConversationRegistry.Subscription.LIMIT_REACHED;
import static dev.switchboard.routing.ConversationRegistry.Subscription.NOT_REGISTERED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The routing rules over connections that need no socket: fake recipients that record what they are sent. */
class ConversationRegistryTest {
    private final ConversationRegistry registry = new ConversationRegistry();

    private RecordingRecipient joined(RecordingRecipient recipient, long... conversations) {
        registry.register(recipient);
        for (long conversation : conversations) {
            assertEquals(ADDED, registry.subscribe(recipient, conversation, 10));
        }
        return recipient;
    }

    private static int received(RecordingRecipient recipient) {
        return recipient.frames().size();
    }

    @Test
    void conversationAndStaffReachesASubscribedAgentOnceAndUnsubscribedAgentsThroughTheInbox() {
        RecordingRecipient subscribedAgent = joined(RecordingRecipient.agent("a", 1), 7);
        RecordingRecipient otherAgent = joined(RecordingRecipient.agent("b", 2));
        RecordingRecipient contact = joined(RecordingRecipient.contact("c", 3), 7);
        RecordingRecipient elsewhere = joined(RecordingRecipient.contact("d", 4), 8);

        int sent = registry.deliver(new Target.ConversationAndStaff(7), "{\"event\":\"new_message\"}");

        assertEquals(3, sent);
        assertEquals(1, received(subscribedAgent), "once, though both rules match");
        assertEquals(1, received(otherAgent));
        assertEquals(1, received(contact));
        assertEquals(0, received(elsewhere));
    }

    @Test
    void conversationReachesOnlyItsSubscribersStaffIncluded() {
        RecordingRecipient agent = joined(RecordingRecipient.agent("a", 1), 7);
        RecordingRecipient idleAgent = joined(RecordingRecipient.agent("b", 2));
        RecordingRecipient contact = joined(RecordingRecipient.contact("c", 3), 7);

        assertEquals(2, registry.deliver(new Target.Conversation(7), "{}"));
        assertEquals(List.of(1, 0, 1), List.of(received(agent), received(idleAgent), received(contact)));
    }

    @Test
    void staffReachesEveryAgentAndNoContact() {
        RecordingRecipient agent = joined(RecordingRecipient.agent("a", 1), 7);
        RecordingRecipient contact = joined(RecordingRecipient.contact("c", 3), 7);

        assertEquals(1, registry.deliver(Target.STAFF, "{}"));
        assertEquals(List.of(1, 0), List.of(received(agent), received(contact)));
    }

    @Test
    void staffExceptUserSkipsThatAgentsOwnConnections() {
        RecordingRecipient newcomer = joined(RecordingRecipient.agent("a1", 1));
        RecordingRecipient other = joined(RecordingRecipient.agent("b", 2));
        RecordingRecipient contact = joined(RecordingRecipient.contact("c", 3), 7);

        assertEquals(1, registry.deliver(new Target.StaffExceptUser(1), "{}"));
        assertEquals(List.of(0, 1, 0), List.of(received(newcomer), received(other), received(contact)));
    }

    @Test
    void userReachesEveryConnectionOfThatUserAndNoOneElse() {
        RecordingRecipient tab1 = joined(RecordingRecipient.contact("c1", 3));
        RecordingRecipient tab2 = joined(RecordingRecipient.contact("c2", 3), 7);
        RecordingRecipient other = joined(RecordingRecipient.contact("d", 4), 7);

        assertEquals(2, registry.deliver(new Target.User(3), "{}"));
        assertEquals(List.of(1, 1, 0), List.of(received(tab1), received(tab2), received(other)));
    }

    @Test
    void conversationExceptUserSkipsEveryConnectionOfThatUser() {
        RecordingRecipient typistTab1 = joined(RecordingRecipient.contact("c1", 3), 7);
        RecordingRecipient typistTab2 = joined(RecordingRecipient.contact("c2", 3), 7);
        RecordingRecipient agent = joined(RecordingRecipient.agent("a", 1), 7);

        assertEquals(1, registry.deliver(new Target.ConversationExceptUser(7, 3), "{}"));
        assertEquals(List.of(0, 0, 1), List.of(received(typistTab1), received(typistTab2), received(agent)));
    }

    @Test
    void unregisteredConnectionReceivesNothingAndCannotSubscribeAgain() {
        RecordingRecipient contact = joined(RecordingRecipient.contact("c", 3), 7, 8);
        assertEquals(Set.of(7L, 8L), registry.unregister(contact));

        assertEquals(NOT_REGISTERED, registry.subscribe(contact, 9, 10), "a subscribe that lost the race to close");
        assertEquals(0, registry.deliver(new Target.Conversation(9), "{}"));
        assertEquals(0, registry.deliver(new Target.Conversation(7), "{}"));
        assertEquals(0, registry.deliver(new Target.User(3), "{}"));
        assertEquals(0, registry.size());
        assertEquals(0, received(contact));
    }

    @Test
    void subscribeRacingUnregisterNeverLeavesTheConnectionInAnIndex() throws Exception {
        for (int round = 0; round < 500; round++) {
            RecordingRecipient contact = joined(RecordingRecipient.contact("c" + round, 3));
            long conversation = round;
            Thread subscriber = new Thread(() -> registry.subscribe(contact, conversation, 10));
            subscriber.start();
            registry.unregister(contact);
            subscriber.join();
            assertEquals(0, registry.deliver(new Target.Conversation(conversation), "{}"), "round " + round);
        }
        assertEquals(0, registry.size());
    }

    @Test
    void subscriptionLimitRefusesOneMoreButNotARepeat() {
        RecordingRecipient agent = RecordingRecipient.agent("a", 1);
        registry.register(agent);
        assertEquals(ADDED, registry.subscribe(agent, 1, 2));
        assertEquals(ADDED, registry.subscribe(agent, 2, 2));
        assertEquals(LIMIT_REACHED, registry.subscribe(agent, 3, 2));
        assertEquals(ALREADY_SUBSCRIBED, registry.subscribe(agent, 2, 2));
        assertFalse(registry.isSubscribed(agent, 3));
        registry.unsubscribe(agent, 1);
        assertEquals(ADDED, registry.subscribe(agent, 3, 2), "a freed slot can be used again");
    }
}
