package dev.switchboard.pusher;

import dev.switchboard.pusher.RecordingDirectory.Published;
import dev.switchboard.routing.Target;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which app and which data string a committed event is published with. */
class ChannelPublisherTest {
    private static final PusherApp FIRST = new PusherApp("1", "key-1", "secret-1");
    private static final PusherApp SECOND = new PusherApp("2", "key-2", "secret-2");

    private final RecordingDirectory directory = new RecordingDirectory();
    private final ChannelPublisher publisher = new ChannelPublisher(List.of(FIRST, SECOND), directory);

    @Test
    void aBroadcastWithoutAppGoesToTheFirstApp() {
        publisher.publish("e", channels(Optional.empty()), "{\"a\": 1}");
        assertEquals(new Published(FIRST, List.of("orders"), "e", "{\"a\": 1}", Optional.of("1.2")),
                directory.next());
    }

    @Test
    void aBroadcastNamingAnAppGoesToThatApp() {
        publisher.publish("e", channels(Optional.of("2")), "{}");
        assertEquals(SECOND, directory.next().app());
    }

    @Test
    void aBroadcastForAnUnknownAppIsNotPublished() {
        assertFalse(publisher.publish("e", channels(Optional.of("3")), "{}"));
        directory.assertNothingPublished();
    }

    @Test
    void aJsonStringIsPublishedAsTheStringItHolds() {
        publisher.publish("e", channels(Optional.empty()), "\"{\\\"sent\\\":\\\"as is\\\"}\"");
        assertEquals("{\"sent\":\"as is\"}", directory.next().data());
    }

    @Test
    void helpdeskEventsGoToTheFirstAppWithTheirJsonData() {
        assertTrue(publisher.publish("new_message", new Target.ConversationAndStaff(7), "{\"conversation_id\":7}"));
        assertEquals(new Published(FIRST, List.of("private-conversation.7", "private-agents"), "new_message",
                "{\"conversation_id\":7}", Optional.empty()), directory.next());
    }

    @Test
    void aTerminationClosesTheUsersConnectionsInsteadOfBeingPublished() {
        publisher.publish(ChannelPublisher.TERMINATE_CONNECTIONS, new Target.Channels(List.of("#server-to-user-42"),
                Optional.empty(), Optional.of("2")), "{}");
        assertEquals("42", directory.nextTerminated());
        directory.assertNothingPublished();
    }

    @Test
    void withoutAppsNothingIsPublished() {
        ChannelPublisher none = new ChannelPublisher(List.of(), directory);
        assertFalse(none.publish("new_message", Target.STAFF, "{}"));
        assertFalse(none.publish("e", channels(Optional.empty()), "{}"));
        none.typing(7, "{}");
        directory.assertNothingPublished();
    }

    private static Target channels(Optional<String> app) {
        return new Target.Channels(List.of("orders"), Optional.of("1.2"), app);
    }
}
