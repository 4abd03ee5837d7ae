package dev.switchboard.presence;

import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.Recipient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Relays typing indicators and makes sure every "is typing" ends: when the typist stops refreshing it (timeout),
 * unsubscribes, or disconnects, the server sends {@code is_typing:false} itself. Without this a closed tab leaves
 * "Ana está digitando…" on the other side forever.
 *
 * <p>One lock orders each user's true/false relays; the work under it is only queueing frames.
 */
public final class TypingTracker {
    private final ConversationRegistry registry;
    private final ServerFrames frames;
    private final ScheduledExecutorService timers;
    private final long timeoutMillis;
    private final Map<Key, Typing> active = new HashMap<>();

    public TypingTracker(ConversationRegistry registry, ServerFrames frames, ScheduledExecutorService timers,
                         Duration timeout) {
        this.registry = registry;
        this.frames = frames;
        this.timers = timers;
        this.timeoutMillis = timeout.toMillis();
    }

    /**
     * A typing message from a client, already authorised.
     *
     * @param typist the sending connection; its own user's other connections do not receive the relay
     */
    public synchronized void typing(Recipient typist, long conversationId, boolean isTyping) {
        update(new Key(conversationId, typist.userId()), typist, isTyping);
    }

    /** A typing event from the web app ({@code realtime.notify_typing}); it expires like a client's. */
    public synchronized void typingFromApp(long conversationId, long userId, boolean isTyping) {
        update(new Key(conversationId, userId), null, isTyping);
    }

    /** The typist left the conversation: end its indicator there. */
    public synchronized void unsubscribed(Recipient connection, long conversationId) {
        Key key = new Key(conversationId, connection.userId());
        Typing typing = active.get(key);
        if (typing != null && typing.owner == connection) {
            end(key, typing);
        }
    }

    /** The typist's connection closed: end every indicator it started. */
    public synchronized void disconnected(Recipient connection) {
        List<Map.Entry<Key, Typing>> owned = new ArrayList<>();
        for (Map.Entry<Key, Typing> entry : active.entrySet()) {
            if (entry.getValue().owner == connection) {
                owned.add(entry);
            }
        }
        for (Map.Entry<Key, Typing> entry : owned) {
            end(entry.getKey(), entry.getValue());
        }
    }

    private void update(Key key, Recipient owner, boolean isTyping) {
        Typing previous = active.remove(key);
        if (previous != null) {
            previous.expiry.cancel(false);
        }
        if (isTyping) {
            Typing typing = new Typing(owner);
            typing.expiry = timers.schedule(() -> expire(key, typing), timeoutMillis, TimeUnit.MILLISECONDS);
            active.put(key, typing);
        }
        relay(key, isTyping);
    }

    private synchronized void expire(Key key, Typing typing) {
        if (active.get(key) == typing) {
            end(key, typing);
        }
    }

    private void end(Key key, Typing typing) {
        active.remove(key);
        typing.expiry.cancel(false);
        relay(key, false);
    }

    private void relay(Key key, boolean isTyping) {
        registry.deliverExceptUser(key.conversationId, key.userId,
                frames.typing(key.conversationId, key.userId, isTyping));
    }

    private record Key(long conversationId, long userId) {
    }

    private static final class Typing {
        final Recipient owner;
        ScheduledFuture<?> expiry;

        Typing(Recipient owner) {
            this.owner = owner;
        }
    }
}
