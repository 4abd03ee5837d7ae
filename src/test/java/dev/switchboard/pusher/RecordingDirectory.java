package dev.switchboard.pusher;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A {@link ChannelDirectory} that records what is published and answers queries from channels a test declares,
 * standing in for the WebSocket side.
 */
public final class RecordingDirectory implements ChannelDirectory {

    /** One call of {@link #publish}. */
    public record Published(PusherApp app, List<String> channels, String event, String data,
                            Optional<String> exceptSocketId) {
    }

    private final BlockingQueue<Published> published = new LinkedBlockingQueue<>();
    private final Map<String, ChannelSummary> channels = new ConcurrentHashMap<>();
    private final Map<String, List<String>> users = new ConcurrentHashMap<>();
    private final BlockingQueue<String> terminated = new LinkedBlockingQueue<>();

    /** Declares an occupied channel. */
    public RecordingDirectory occupy(String channel, int subscriptions, List<String> userIds) {
        channels.put(channel, new ChannelSummary(channel, subscriptions,
                channel.startsWith("presence-") ? Optional.of(userIds.size()) : Optional.empty()));
        users.put(channel, List.copyOf(userIds));
        return this;
    }

    @Override
    public void publish(PusherApp app, List<String> channels, String event, String data,
                        Optional<String> exceptSocketId) {
        published.add(new Published(app, List.copyOf(channels), event, data, exceptSocketId));
    }

    @Override
    public List<ChannelSummary> occupied(PusherApp app, String prefix) {
        return channels.values().stream().filter(c -> c.name().startsWith(prefix)).toList();
    }

    @Override
    public ChannelSummary channel(PusherApp app, String channel) {
        return channels.getOrDefault(channel, new ChannelSummary(channel, 0, Optional.empty()));
    }

    @Override
    public List<String> users(PusherApp app, String presenceChannel) {
        return users.getOrDefault(presenceChannel, List.of());
    }

    @Override
    public int terminateUserConnections(PusherApp app, String userId) {
        terminated.add(userId);
        return 1;
    }

    /** The next user whose connections were terminated, waiting up to ten seconds for it. */
    public String nextTerminated() {
        try {
            String next = terminated.poll(10, TimeUnit.SECONDS);
            assertNotNull(next, "no connections were terminated within 10 s");
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next publish, waiting up to ten seconds for it (the listener delivers asynchronously). */
    public Published next() {
        try {
            Published next = published.poll(10, TimeUnit.SECONDS);
            assertNotNull(next, "nothing was published within 10 s");
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Nothing is waiting to be taken. Meaningful after {@link #next} returned a marker event committed last: the
     * listener delivers in commit order, so anything committed before it would already be here.
     */
    public void assertNothingPublished() {
        Published extra = published.poll();
        if (extra != null) {
            throw new AssertionError("unexpected publish: " + extra);
        }
    }
}
