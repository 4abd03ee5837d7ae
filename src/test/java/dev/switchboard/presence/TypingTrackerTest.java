package dev.switchboard.presence;

import com.fasterxml.jackson.databind.JsonNode;
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

/** Typing relays and their expiry on a manual clock: six-second timeouts that take no time. */
class TypingTrackerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(6);
    private static final Duration A_MOMENT = Duration.ofMillis(1);
    private static final long CONVERSATION = 7;

    private final ManualClock clock = new ManualClock();
    private final ConversationRegistry registry = new ConversationRegistry();
    private final TypingTracker typing = new TypingTracker(registry, new ServerFrames(new ObjectMapper()), clock,
            TIMEOUT);
    private final RecordingRecipient typist = joined(RecordingRecipient.contact("typist", 3));
    private final RecordingRecipient typistsOtherTab = joined(RecordingRecipient.contact("typist-2", 3));
    private final RecordingRecipient agent = joined(RecordingRecipient.agent("agent", 1));

    private RecordingRecipient joined(RecordingRecipient recipient) {
        registry.register(recipient);
        registry.subscribe(recipient, CONVERSATION, 10);
        recipient.watchLocks(typing);
        return recipient;
    }

    /** The is_typing values a recipient saw for a user, in order. */
    private static List<Boolean> seen(RecordingRecipient observer, long userId) {
        return observer.events("typing").stream()
                .filter(f -> f.path("data").path("user_id").asLong() == userId)
                .map(f -> f.path("data").path("is_typing").asBoolean())
                .collect(Collectors.toList());
    }

    @Test
    void typingIsRelayedToOthersButNotToTheTypistsOtherTabs() {
        typing.typing(typist, CONVERSATION, true);
        List<JsonNode> frames = agent.events("typing");
        assertEquals(1, frames.size());
        assertEquals(CONVERSATION, frames.get(0).path("data").path("conversation_id").asLong());
        assertEquals(List.of(), typistsOtherTab.frames());
        assertEquals(List.of(), typist.frames());
        assertEquals(List.of(), agent.violations(), "delivered with the tracker's lock released");
    }

    @Test
    void typingTrueIsEndedByTheServerWhenTheTimeoutPasses() {
        typing.typing(typist, CONVERSATION, true);
        clock.advance(TIMEOUT.minus(A_MOMENT));
        assertEquals(List.of(true), seen(agent, 3));
        clock.advance(A_MOMENT);
        assertEquals(List.of(true, false), seen(agent, 3));
        assertEquals(List.of(), agent.violations());
    }

    @Test
    void aRefreshRestartsTheTimeout() {
        typing.typing(typist, CONVERSATION, true);
        clock.advance(Duration.ofSeconds(4));
        typing.typing(typist, CONVERSATION, true);
        clock.advance(Duration.ofSeconds(4)); // 8 s after the first, 4 s after the refresh
        assertEquals(List.of(true, true), seen(agent, 3));
        clock.advance(Duration.ofSeconds(2));
        assertEquals(List.of(true, true, false), seen(agent, 3));
    }

    @Test
    void explicitFalseIsRelayedOnceAndCancelsTheTimeout() {
        typing.typing(typist, CONVERSATION, true);
        typing.typing(typist, CONVERSATION, false);
        clock.advance(TIMEOUT.multipliedBy(3));
        assertEquals(List.of(true, false), seen(agent, 3));
        assertEquals(0, clock.pending(), "the expiry was cancelled: " + clock.pendingDelays());
    }

    @Test
    void unsubscribingEndsTheTypistsIndicatorThere() {
        typing.typing(typist, CONVERSATION, true);
        typing.unsubscribed(typist, CONVERSATION);
        clock.advance(TIMEOUT);
        assertEquals(List.of(true, false), seen(agent, 3));
    }

    @Test
    void closingAnotherTabOfTheTypistEndsNothing() {
        typing.typing(typist, CONVERSATION, true);
        typing.disconnected(typistsOtherTab);
        typing.unsubscribed(typistsOtherTab, CONVERSATION);
        assertEquals(List.of(true), seen(agent, 3));
        typing.disconnected(typist);
        assertEquals(List.of(true, false), seen(agent, 3));
    }

    @Test
    void disconnectingEndsEveryIndicatorTheConnectionStarted() {
        registry.subscribe(typist, 8, 10);
        registry.subscribe(agent, 8, 10);
        typing.typing(typist, CONVERSATION, true);
        typing.typing(typist, 8, true);
        typing.disconnected(typist);
        List<String> ends = agent.events("typing").stream()
                .filter(f -> !f.path("data").path("is_typing").asBoolean())
                .map(f -> f.path("data").path("conversation_id").asText())
                .sorted().collect(Collectors.toList());
        assertEquals(List.of("7", "8"), ends);
        clock.advance(TIMEOUT);
        assertEquals(4, agent.events("typing").size(), "no second false from the timers");
    }

    @Test
    void typingFromTheAppExpiresLikeAClients() {
        typing.typingFromApp(CONVERSATION, 1, true);
        assertEquals(List.of(true), seen(typist, 1));
        assertEquals(List.of(), agent.events("typing"), "not to the typing user's own connections");
        clock.advance(TIMEOUT);
        assertEquals(List.of(true, false), seen(typist, 1));
    }

    @Test
    void eachUsersTrueAndFalseKeepTheirOrderUnderConcurrentTypists() throws Exception {
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            RecordingRecipient someone = joined(RecordingRecipient.contact("u" + t, 50 + t));
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 300; i++) {
                    typing.typing(someone, CONVERSATION, i % 2 == 0);
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int t = 0; t < threads.length; t++) {
            List<Boolean> values = seen(agent, 50 + t);
            assertEquals(300, values.size());
            for (int i = 0; i < values.size(); i++) {
                assertEquals(i % 2 == 0, values.get(i), "user " + (50 + t) + " relay " + i);
            }
        }
        assertEquals(List.of(), agent.violations());
    }
}
