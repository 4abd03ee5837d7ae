package dev.switchboard.ws;

import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.presence.PresenceTracker;
import dev.switchboard.presence.TypingTracker;
import dev.switchboard.protocol.MessageDecoder;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.routing.ConversationRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every WebSocket session needs from the node, built once by the application wiring.
 *
 * @param nodeId          prefix of connection ids
 * @param verifier        checks tokens
 * @param decoder         parses client frames
 * @param frames          encodes server frames
 * @param registry        who gets what
 * @param presence        agent online/offline
 * @param typing          typing relay and expiry
 * @param sessions        every open session, authenticated or not
 * @param timers          auth timeouts; shared with the trackers, so its tasks must stay short
 * @param clock           for {@code pong}'s server_time
 * @param authTimeout     time allowed before {@code auth}
 * @param sendQueueLimit  frames a client may fall behind for longer than a moment
 * @param slowConsumerTimeout how long a client may stay more than {@code sendQueueLimit} frames behind
 * @param rateLimitPerSecond sustained client messages per second
 * @param rateLimitBurst  client message burst
 * @param maxFrameBytes   largest accepted client frame
 */
public record SessionServices(
        String nodeId,
        TokenVerifier verifier,
        MessageDecoder decoder,
        ServerFrames frames,
        ConversationRegistry registry,
        PresenceTracker presence,
        TypingTracker typing,
        OpenSessions sessions,
        ScheduledExecutorService timers,
        Clock clock,
        Duration authTimeout,
        int sendQueueLimit,
        Duration slowConsumerTimeout,
        int rateLimitPerSecond,
        int rateLimitBurst,
        int maxFrameBytes) {
}
