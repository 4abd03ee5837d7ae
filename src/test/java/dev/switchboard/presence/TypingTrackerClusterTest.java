package dev.switchboard.presence;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.testing.ManualClock;
import dev.switchboard.testing.RecordingRecipient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Typing across nodes on a manual clock: the typist's node tells the others every change of its clients'
 * indicators and decides when they end; the others relay what they are told and end an indicator themselves
 * only when the typist's node stayed silent past the timeout and an allowance.
 */
class TypingTrackerClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(6);
    private static final Duration A_MOMENT = Duration.ofMillis(1);
    private static final long CONVERSATION = 7;
    private static final long REMOTE_TYPIST = 30;

    private final ManualClock clock = new ManualClock();
    private final ConversationRegistry registry = new ConversationRegistry();
    private final RecordingLink link = new RecordingLink();
    private final TypingTracker typing = new TypingTracker(registry, new ServerFrames(new ObjectMapper()), clock,
            TIMEOUT, link);
    private final RecordingRecipient typist = joined(RecordingRecipient.contact("typist", 3));
    private final RecordingRecipient agent = joined(RecordingRecipient.agent("agent", 1));

    TypingTrackerClusterTest() {
        link.watching(typing);
    }

    private RecordingRecipient joined(RecordingRecipient recipient) {
        registry.register(recipient);
        registry.subscribe(recipient, CONVERSATION, 10);
        return recipient;
    }

    private static List<Boolean> seen(RecordingRecipient observer, long userId) {
        return observer.events("typing").stream()
                .filter(f -> f.path("data").path("user_id").asLong() == userId)
                .map(f -> f.path("data").path("is_typing").asBoolean())
                .collect(Collectors.toList());
    }

    private static RecordingLink.Typing told(boolean isTyping) {
        return new RecordingLink.Typing(CONVERSATION, 3, isTyping);
    }

    @Test
    void aClientsTypingAndItsExpiryAreToldToTheOtherNodesWithTheLockReleased() {
        typing.typing(typist, CONVERSATION, true);
        clock.advance(TIMEOUT);
        assertEquals(List.of(told(true), told(false)), link.told());
        assertEquals(List.of(), link.violations());
    }

    @Test
    void endsDecidedByTheServerAreToldToo() {
        typing.typing(typist, CONVERSATION, true);
        typing.unsubscribed(typist, CONVERSATION);
        typing.typing(typist, CONVERSATION, true);
        typing.disconnected(typist);
        assertEquals(List.of(told(true), told(false), told(true), told(false)), link.told());
    }

    @Test
    void typingFromAnotherNodeIsRelayedHereAndNotToldBack() {
        typing.typingFromPeer(CONVERSATION, REMOTE_TYPIST, true);
        typing.typingFromPeer(CONVERSATION, REMOTE_TYPIST, false);
        assertEquals(List.of(true, false), seen(agent, REMOTE_TYPIST));
        assertEquals(List.of(true, false), seen(typist, REMOTE_TYPIST));
        assertEquals(List.of(), link.told());
    }

    @Test
    void typingFromTheWebAppIsNotToldSinceEveryNodeHearsIt() {
        typing.typingFromApp(CONVERSATION, 9, true);
        clock.advance(TIMEOUT);
        assertEquals(List.of(), link.told());
    }

    @Test
    void anotherNodesIndicatorLastsUntilThatNodeEndsItPastTheLocalTimeout() {
        typing.typingFromPeer(CONVERSATION, REMOTE_TYPIST, true);
        clock.advance(TIMEOUT);
        assertEquals(List.of(true), seen(agent, REMOTE_TYPIST), "the typist's node decides when it ends");
        typing.typingFromPeer(CONVERSATION, REMOTE_TYPIST, false);
        clock.advance(TypingTracker.PEER_ALLOWANCE.multipliedBy(3));
        assertEquals(List.of(true, false), seen(agent, REMOTE_TYPIST), "ended once");
    }

    @Test
    void anotherNodesIndicatorEndsHereWhenThatNodeFallsSilent() {
        typing.typingFromPeer(CONVERSATION, REMOTE_TYPIST, true);
        clock.advance(TIMEOUT.plus(TypingTracker.PEER_ALLOWANCE).minus(A_MOMENT));
        assertEquals(List.of(true), seen(agent, REMOTE_TYPIST));
        clock.advance(A_MOMENT);
        assertEquals(List.of(true, false), seen(agent, REMOTE_TYPIST));

        typing.typingFromPeer(CONVERSATION, REMOTE_TYPIST, false); // its end arrives late
        assertEquals(List.of(true, false), seen(agent, REMOTE_TYPIST), "not relayed twice");
    }

    @Test
    void aRefreshFromAnotherNodeRestartsTheIndicatorHere() {
        typing.typingFromPeer(CONVERSATION, REMOTE_TYPIST, true);
        clock.advance(TIMEOUT);
        typing.typingFromPeer(CONVERSATION, REMOTE_TYPIST, true);
        clock.advance(TIMEOUT);
        assertEquals(List.of(true, true), seen(agent, REMOTE_TYPIST));
    }
}
