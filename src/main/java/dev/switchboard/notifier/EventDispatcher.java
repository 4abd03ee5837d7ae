package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.presence.PresenceTracker;
import dev.switchboard.presence.TypingTracker;
import dev.switchboard.protocol.EncodedFrame;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.pusher.ChannelPublisher;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.Target;
import dev.switchboard.time.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;


/**
 * Hands committed events to the routing registry: encodes each one once and lets the registry fan the same frame
 * out. Also feeds what the web app says about agents and typing to the trackers.
 */
public final class EventDispatcher {
    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);
    /** The {@code event} tag every Pusher broadcast is counted under. */
    static final String PUSHER_BROADCAST = "pusher_broadcast";

    private final ConversationRegistry registry;
    private final PresenceTracker presence;
    private final TypingTracker typing;
    private final ServerFrames frames;
    private final ObjectMapper mapper;
    private final NodeMetrics metrics;
    private final TimeSource time;
    private final ChannelPublisher channels;

    /**
     * A dispatcher for a node without Pusher apps.
     *
     * @param metrics counts events in and measures their delivery lag
     * @param time    the wall clock the lag is measured with, against the database's {@code created_at}
     */
    public EventDispatcher(ConversationRegistry registry, PresenceTracker presence, TypingTracker typing,
                           ServerFrames frames, ObjectMapper mapper, NodeMetrics metrics, TimeSource time) {
        this(registry, presence, typing, frames, mapper, metrics, time, ChannelPublisher.NONE);
    }

    /**
     * @param metrics  counts events in and measures their delivery lag
     * @param time     the wall clock the lag is measured with, against the database's {@code created_at}
     * @param channels the node's Pusher channels: broadcasts, and the helpdesk events for Echo clients
     */
    public EventDispatcher(ConversationRegistry registry, PresenceTracker presence, TypingTracker typing,
                           ServerFrames frames, ObjectMapper mapper, NodeMetrics metrics, TimeSource time,
                           ChannelPublisher channels) {
        this.channels = channels;
        this.metrics = metrics;
        this.time = time;
        this.registry = registry;
        this.presence = presence;
        this.typing = typing;
        this.frames = frames;
        this.mapper = mapper;
    }

    /**
     * Delivers one durable event to every connection of this node that should see it, native and Pusher alike.
     */
    public void dispatch(EventRecord event) {
        if (event.target() instanceof Target.Staff && "agent_status".equals(event.event())) {
            rememberAgentStatus(event.dataJson());
        }
        boolean broadcast = event.target() instanceof Target.Channels;
        // Pusher event names are the app's own (one per Laravel event class): counted together, so they cannot
        // crowd the helpdesk events out of the bounded set of per-name counters.
        metrics.eventReceived(broadcast ? PUSHER_BROADCAST : event.event(), NodeMetrics.EventSource.DURABLE);
        metrics.fanOut(() -> {
            if (!broadcast) {
                // Encoded into a WebSocket frame here, once, on the listener's thread: every recipient's queue gets
                // the same bytes.
                EncodedFrame frame = EncodedFrame.of(frames.durable(event.id(), event.event(), event.dataJson()));
                registry.deliver(event.target(), frame, event.id());
            }
            channels.publish(event.event(), event.target(), event.dataJson());
        });
        metrics.delivered(Duration.between(event.createdAt(), time.now()));
    }

    /**
     * Delivers a transient event from {@code realtime.notify_typing}, received as a NOTIFY payload. A malformed
     * payload (someone calling pg_notify by hand) is logged and dropped.
     */
    public void dispatchEphemeral(String payload) {
        try {
            JsonNode node = mapper.readTree(payload);
            if ("typing".equals(node.path("event").asText())) {
                JsonNode conversationId = node.path("conversation_id");
                JsonNode userId = node.path("user_id");
                JsonNode isTyping = node.path("is_typing");
                if (!conversationId.canConvertToLong() || !userId.canConvertToLong() || !isTyping.isBoolean()) {
                    log.warn("Ignoring typing event without conversation_id, user_id and is_typing: {}", payload);
                    return;
                }
                metrics.eventReceived("typing", NodeMetrics.EventSource.TRANSIENT);
                typing.typingFromApp(conversationId.asLong(), userId.asLong(), isTyping.asBoolean());
                channels.typing(conversationId.asLong(), mapper.writeValueAsString(mapper.createObjectNode()
                        .put("conversation_id", conversationId.asLong()).put("user_id", userId.asLong())
                        .put("is_typing", isTyping.asBoolean())));
                return;
            }
            log.warn("Ignoring unknown transient event: {}", node.path("event").asText("?"));
        } catch (Exception e) {
            log.warn("Ignoring malformed transient event payload: {}", e.toString());
        }
    }

    private void rememberAgentStatus(String dataJson) {
        try {
            JsonNode data = mapper.readTree(dataJson);
            presence.statusSet(data.path("agent_id").asLong(), data.path("status").asText());
        } catch (Exception e) {
            log.warn("agent_status event with unreadable data: {}", e.toString());
        }
    }
}
