package dev.switchboard.ws;

import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.presence.PresenceTracker;
import dev.switchboard.presence.TypingTracker;
import dev.switchboard.protocol.MessageDecoder;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.resume.ReplaySource;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.time.Scheduler;
import dev.switchboard.time.TimeSource;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * What every WebSocket session needs from the node, built once by {@link RealtimeCore}.
 *
 * @param nodeId             prefix of connection ids
 * @param verifier           checks tokens
 * @param decoder            parses client frames
 * @param frames             encodes server frames
 * @param registry           who gets what
 * @param presence           agent online/offline
 * @param typing             typing relay and expiry
 * @param sessions           every open session, authenticated or not
 * @param scheduler          auth timeouts and token expiry; shared with the trackers, so its tasks must stay short
 * @param time               the clocks: rate limiting, heartbeat, token expiry, {@code pong}'s server_time
 * @param writers            runs every connection's socket writes, one at a time per connection
 * @param authTimeout        time allowed before {@code auth}
 * @param queueLimits        how far a client may fall behind
 * @param rateLimitPerSecond sustained client messages per second
 * @param rateLimitBurst     client message burst
 * @param maxFrameBytes      largest accepted client frame
 * @param metrics            what the sessions count
 * @param adminFeed          the operations stream admin connections may subscribe to
 * @param replay             the events a resuming client missed, and the epoch
 */
record SessionServices(
        String nodeId,
        TokenVerifier verifier,
        MessageDecoder decoder,
        ServerFrames frames,
        ConversationRegistry registry,
        PresenceTracker presence,
        TypingTracker typing,
        OpenSessions sessions,
        Scheduler scheduler,
        TimeSource time,
        Executor writers,
        Duration authTimeout,
        OutboundQueue.Limits queueLimits,
        int rateLimitPerSecond,
        int rateLimitBurst,
        int maxFrameBytes,
        NodeMetrics metrics,
        AdminFeed adminFeed,
        ReplaySource replay) {
}
