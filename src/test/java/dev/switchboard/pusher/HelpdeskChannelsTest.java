package dev.switchboard.pusher;

import dev.switchboard.routing.Target;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which Echo channels each helpdesk audience reaches: the native audiences, one private channel per part. */
class HelpdeskChannelsTest {

    @Test
    void conversationEventsGoToTheConversationChannel() {
        assertEquals(List.of("private-conversation.7"), HelpdeskChannels.of(new Target.Conversation(7)));
    }

    @Test
    void conversationAndStaffEventsGoToTheConversationAndTheAgentsChannel() {
        assertEquals(List.of("private-conversation.7", "private-agents"),
                HelpdeskChannels.of(new Target.ConversationAndStaff(7)));
    }

    @Test
    void staffEventsGoToTheAgentsChannel() {
        assertEquals(List.of("private-agents"), HelpdeskChannels.of(Target.STAFF));
    }

    @Test
    void userEventsGoToTheUsersChannel() {
        assertEquals(List.of("private-user.9"), HelpdeskChannels.of(new Target.User(9)));
    }

    @Test
    void broadcastsAndServerRelaysHaveNoHelpdeskChannel() {
        assertEquals(List.of(), HelpdeskChannels.of(new Target.Channels(List.of("orders"), Optional.empty(),
                Optional.empty())));
        assertEquals(List.of(), HelpdeskChannels.of(new Target.StaffExceptUser(1)));
        assertEquals(List.of(), HelpdeskChannels.of(new Target.ConversationExceptUser(7, 1)));
    }
}
