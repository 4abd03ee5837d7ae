package dev.switchboard.pusher.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the bodies of {@code POST /events} and {@code POST /batch_events} into {@link Broadcast}s. Only their
 * shape is checked here; channel and event names, and the data's size, are checked by {@code realtime.broadcast},
 * the one place every event passes.
 */
final class EventsRequest {
    private EventsRequest() {
    }

    /**
     * One event: {@code name}, {@code data} (a string), {@code channels} (an array) or {@code channel}, and
     * optionally {@code socket_id}.
     *
     * @param manyChannels whether {@code channels} is accepted (a batch item names one {@code channel})
     * @throws InvalidRequest when a field is missing or of the wrong type
     */
    static Broadcast event(JsonNode item, boolean manyChannels) {
        if (item == null || !item.isObject()) {
            throw new InvalidRequest("body", "The body must be a JSON object.");
        }
        JsonNode name = item.get("name");
        if (name == null || !name.isTextual() || name.textValue().isEmpty()) {
            throw new InvalidRequest("name", "The name field is required and must be a string.");
        }
        JsonNode data = item.get("data");
        if (data == null || !data.isTextual()) {
            throw new InvalidRequest("data", "The data field is required and must be a string.");
        }
        List<String> channels = new ArrayList<>();
        JsonNode many = item.get("channels");
        JsonNode one = item.get("channel");
        if (manyChannels && many != null) {
            if (!many.isArray() || many.isEmpty()) {
                throw new InvalidRequest("channels", "The channels field must be a non-empty array.");
            }
            if (many.size() > PusherHttpApi.MAX_CHANNELS) {
                throw new InvalidRequest("channels",
                        "An event may go to at most " + PusherHttpApi.MAX_CHANNELS + " channels.");
            }
            for (JsonNode channel : many) {
                if (!channel.isTextual()) {
                    throw new InvalidRequest("channels", "Every channel must be a string.");
                }
                channels.add(channel.textValue());
            }
        } else if (one != null && one.isTextual()) {
            channels.add(one.textValue());
        } else {
            throw new InvalidRequest(manyChannels ? "channels" : "channel",
                    manyChannels ? "The channels field is required when channel is not present."
                            : "The channel field is required and must be a string.");
        }
        JsonNode socketId = item.get("socket_id");
        if (socketId != null && !socketId.isNull() && !socketId.isTextual()) {
            throw new InvalidRequest("socket_id", "The socket id must be a string.");
        }
        Optional<String> except = socketId == null || socketId.isNull() || socketId.textValue().isEmpty()
                ? Optional.empty() : Optional.of(socketId.textValue());
        return new Broadcast(channels, name.textValue(), data.textValue(), except);
    }

    /**
     * A batch: {@code {"batch": [event, ...]}}, each naming one {@code channel}.
     *
     * @throws InvalidRequest when the batch or one of its events is malformed
     */
    static List<Broadcast> batch(JsonNode body) {
        JsonNode batch = body == null ? null : body.get("batch");
        if (batch == null || !batch.isArray() || batch.isEmpty()) {
            throw new InvalidRequest("batch", "The batch field is required and must be a non-empty array.");
        }
        if (batch.size() > PusherHttpApi.MAX_BATCH) {
            throw new InvalidRequest("batch", "A batch may hold at most " + PusherHttpApi.MAX_BATCH + " events.");
        }
        List<Broadcast> events = new ArrayList<>(batch.size());
        for (JsonNode item : batch) {
            events.add(event(item, false));
        }
        return events;
    }
}
