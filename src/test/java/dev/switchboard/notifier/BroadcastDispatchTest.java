package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.presence.PresenceTracker;
import dev.switchboard.presence.TypingTracker;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.pusher.ChannelPublisher;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.pusher.RecordingDirectory;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.Target;
import dev.switchboard.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the dispatcher does with a broadcast: publishes it to the channels, counts it under one name. */
class BroadcastDispatchTest {
    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final RecordingDirectory directory = new RecordingDirectory();
    private final ConversationRegistry registry = new ConversationRegistry();
    private final ServerFrames frames = new ServerFrames(new ObjectMapper());
    private final EventDispatcher dispatcher = new EventDispatcher(registry,
            new PresenceTracker(registry, frames, clock, Duration.ofSeconds(5)),
            new TypingTracker(registry, frames, clock, Duration.ofSeconds(6)), frames, new ObjectMapper(),
            new NodeMetrics(meters), clock,
            new ChannelPublisher(List.of(new PusherApp("1", "key", "secret")), directory));

    @Test
    void broadcastsOfManyNamesAreCountedUnderOneEventTag() {
        for (int i = 0; i < 3; i++) {
            dispatcher.dispatch(new EventRecord(i + 1, "App\\Events\\Event" + i,
                    new Target.Channels(List.of("orders"), Optional.empty(), Optional.empty()), "{}", clock.now()));
        }
        assertEquals(3, meters.get("switchboard.events.received").tag("event", EventDispatcher.PUSHER_BROADCAST)
                .counter().count());
        assertEquals(1, meters.find("switchboard.events.received").counters().size(), "no counter per class name");
        for (int i = 0; i < 3; i++) {
            assertEquals("App\\Events\\Event" + i, directory.next().event());
        }
    }
}
