package dev.switchboard.pusher;

import java.util.List;
import java.util.Optional;

/**
 * This node's Pusher channels, as the event pipeline and the HTTP API see them. The WebSocket side implements it;
 * the listener publishes committed channel events through it and the HTTP API answers its queries from it.
 */
public interface ChannelDirectory {

    /**
     * Delivers one committed event to this node's subscribers of each channel, once per connection even when a
     * connection is subscribed to several of them. Only queues frames; never blocks.
     *
     * @param app            the app whose channels these are
     * @param channels       channel names, as the event was sent
     * @param event          the event name
     * @param data           the {@code data} string exactly as the backend sent it (Pusher's data is a string)
     * @param exceptSocketId a connection that must not receive it (the sender's {@code socket_id}), if any
     */
    void publish(PusherApp app, List<String> channels, String event, String data, Optional<String> exceptSocketId);

    /**
     * Occupied channels whose names start with {@code prefix} (empty: all): those with a subscriber on this node,
     * and presence channels with a member on any node.
     */
    List<ChannelSummary> occupied(PusherApp app, String prefix);

    /** One channel's state; {@link ChannelSummary#subscriptionCount()} is 0 when nobody is subscribed. */
    ChannelSummary channel(PusherApp app, String channel);

    /** The distinct user ids on a presence channel, on every node (empty for other channels). */
    List<String> users(PusherApp app, String presenceChannel);

    /** Closes every connection signed in or present as {@code userId}; returns how many were closed. */
    int terminateUserConnections(PusherApp app, String userId);

    /** A directory with no channels, for a node where no Pusher app is configured. */
    ChannelDirectory NONE = new ChannelDirectory() {
        @Override
        public void publish(PusherApp app, List<String> channels, String event, String data,
                            Optional<String> exceptSocketId) {
        }

        @Override
        public List<ChannelSummary> occupied(PusherApp app, String prefix) {
            return List.of();
        }

        @Override
        public ChannelSummary channel(PusherApp app, String channel) {
            return new ChannelSummary(channel, 0, Optional.empty());
        }

        @Override
        public List<String> users(PusherApp app, String presenceChannel) {
            return List.of();
        }

        @Override
        public int terminateUserConnections(PusherApp app, String userId) {
            return 0;
        }
    };

    /**
     * @param name              the channel
     * @param subscriptionCount connections subscribed to it on this node
     * @param userCount         distinct users on every node, for presence channels only
     */
    record ChannelSummary(String name, int subscriptionCount, Optional<Integer> userCount) {
    }
}
