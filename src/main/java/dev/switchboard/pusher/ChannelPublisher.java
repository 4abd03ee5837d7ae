package dev.switchboard.pusher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.routing.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Hands committed events to this node's Pusher channels: broadcasts to the channels they name, helpdesk events to
 * the channels of {@link HelpdeskChannels}. An event without an app ({@code realtime.broadcast} without
 * {@code app_id}, and every helpdesk event) goes to the first configured app.
 *
 * <p>Pusher's {@code data} is a string: a JSON string is sent as that string (what the HTTP API stores), any other
 * JSON value as its JSON text, as the Pusher server SDKs do with a non-string payload.
 */
public final class ChannelPublisher {
    private static final Logger log = LoggerFactory.getLogger(ChannelPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The event {@code realtime.terminate_user_connections} stores on {@code #server-to-user-{id}}: acted on,
     * never published (and a name {@code realtime.broadcast} refuses, so no broadcast can pass for it).
     */
    public static final String TERMINATE_CONNECTIONS = "pusher_internal:terminate_connections";
    private static final String USER_CHANNEL_PREFIX = "#server-to-user-";

    /** For a node without Pusher apps: publishes nothing. */
    public static final ChannelPublisher NONE = new ChannelPublisher(List.of(), ChannelDirectory.NONE);

    private final Map<String, PusherApp> appsById = new LinkedHashMap<>();
    private final Optional<PusherApp> defaultApp;
    private final ChannelDirectory directory;

    /**
     * @param apps      the configured apps, the default first; may be empty
     * @param directory this node's channels
     */
    public ChannelPublisher(List<PusherApp> apps, ChannelDirectory directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        for (PusherApp app : apps) {
            appsById.putIfAbsent(app.id(), app);
        }
        this.defaultApp = apps.stream().findFirst();
    }

    /** Publishes one committed event, if it has Pusher channels; returns whether it did. */
    public boolean publish(String event, Target target, String dataJson) {
        if (target instanceof Target.Channels channels) {
            Optional<PusherApp> app = channels.appId().isPresent()
                    ? Optional.ofNullable(appsById.get(channels.appId().get())) : defaultApp;
            if (app.isEmpty()) {
                log.debug("Broadcast {} for app {} not published: no such app on this node", event,
                        channels.appId().orElse("(default)"));
                return false;
            }
            if (TERMINATE_CONNECTIONS.equals(event)) {
                terminate(app.get(), channels.channels());
                return true;
            }
            directory.publish(app.get(), channels.channels(), event, pusherData(dataJson),
                    channels.exceptSocketId());
            return true;
        }
        if (defaultApp.isEmpty()) {
            // No Pusher app on this node: nothing to map, on the listener's hot path.
            return false;
        }
        List<String> helpdesk = HelpdeskChannels.of(target);
        if (helpdesk.isEmpty()) {
            return false;
        }
        directory.publish(defaultApp.get(), helpdesk, event, dataJson, Optional.empty());
        return true;
    }

    private void terminate(PusherApp app, List<String> userChannels) {
        for (String channel : userChannels) {
            if (channel.startsWith(USER_CHANNEL_PREFIX)) {
                String userId = channel.substring(USER_CHANNEL_PREFIX.length());
                int closed = directory.terminateUserConnections(app, userId);
                log.info("Terminated {} Pusher connection(s) of user {} of app {}", closed, userId, app.id());
            }
        }
    }

    /** Publishes an app's typing event ({@code notify_typing}) on the conversation's channel. */
    public void typing(long conversationId, String dataJson) {
        defaultApp.ifPresent(app -> directory.publish(app, List.of(HelpdeskChannels.conversation(conversationId)),
                "typing", dataJson, Optional.empty()));
    }

    /** Pusher's data string for a stored JSON value. */
    static String pusherData(String dataJson) {
        if (!dataJson.startsWith("\"")) {
            return dataJson;
        }
        try {
            JsonNode node = JSON.readTree(dataJson);
            return node.isTextual() ? node.textValue() : dataJson;
        } catch (JsonProcessingException e) {
            return dataJson;
        }
    }
}
