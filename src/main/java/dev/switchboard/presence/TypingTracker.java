package dev.switchboard.presence;

import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.Recipient;
import dev.switchboard.routing.Target;
import dev.switchboard.time.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Relays typing indicators and makes sure every "is typing" ends: when the typist stops refreshing it (timeout),
 * unsubscribes, or disconnects, the server sends {@code is_typing:false} itself. Without this a closed tab leaves
 * "Ana está digitando…" on the other side forever.
 *
 * <p>One lock keeps the indicators; each relay is decided under it and delivered after it is released, in the
 * same order, through an {@link Outbox}, so a user's true and false are never swapped. Expiry timers are started
 * and cancelled outside the lock; a timer that fires for an indicator already replaced or ended does nothing.
 */
public final class TypingTracker {
    private final ServerFrames frames;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final Outbox outbox;
    private final Map<Key, Typing> active = new HashMap<>();

    public TypingTracker(ConversationRegistry registry, ServerFrames frames, Scheduler scheduler, Duration timeout) {
        this.frames = frames;
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.outbox = new Outbox(registry, this);
    }

    /**
     * A typing message from a client, already authorised.
     *
     * @param typist the sending connection; its own user's other connections do not receive the relay
     */
    public void typing(Recipient typist, long conversationId, boolean isTyping) {
        update(new Key(conversationId, typist.userId()), new Typing(typist), isTyping);
    }

    /** A typing event from the web app ({@code realtime.notify_typing}); it expires like a client's. */
    public void typingFromApp(long conversationId, long userId, boolean isTyping) {
        update(new Key(conversationId, userId), new Typing(null), isTyping);
    }

    /** The typist left the conversation: end its indicator there. */
    public void unsubscribed(Recipient connection, long conversationId) {
        Key key = new Key(conversationId, connection.userId());
        Typing ended = null;
        synchronized (this) {
            Typing typing = active.get(key);
            if (typing != null && typing.owner == connection) {
                end(key);
                ended = typing;
            }
        }
        finish(ended);
    }

    /** The typist's connection closed: end every indicator it started. */
    public void disconnected(Recipient connection) {
        List<Typing> ended = new ArrayList<>();
        synchronized (this) {
            List<Key> owned = new ArrayList<>();
            active.forEach((key, typing) -> {
                if (typing.owner == connection) {
                    owned.add(key);
                    ended.add(typing);
                }
            });
            owned.forEach(this::end);
        }
        ended.forEach(this::cancelExpiry);
        outbox.flush();
    }

    private void update(Key key, Typing typing, boolean isTyping) {
        Typing previous;
        synchronized (this) {
            previous = isTyping ? active.put(key, typing) : active.remove(key);
            outbox.add(relayTarget(key), frames.typing(key.conversationId, key.userId, isTyping));
        }
        cancelExpiry(previous);
        if (isTyping) {
            typing.expiry = scheduler.schedule(() -> expire(key, typing), timeout);
        }
        outbox.flush();
    }

    private void expire(Key key, Typing typing) {
        synchronized (this) {
            if (active.get(key) != typing) {
                return;
            }
            end(key);
        }
        outbox.flush();
    }

    /** Called under the lock. */
    private void end(Key key) {
        active.remove(key);
        outbox.add(relayTarget(key), frames.typing(key.conversationId, key.userId, false));
    }

    private void finish(Typing ended) {
        cancelExpiry(ended);
        outbox.flush();
    }

    private void cancelExpiry(Typing typing) {
        Scheduler.Timer expiry = typing == null ? null : typing.expiry;
        if (expiry != null) {
            // Best effort: an expiry that still fires finds its indicator gone and does nothing.
            expiry.cancel();
        }
    }

    private static Target relayTarget(Key key) {
        return new Target.ConversationExceptUser(key.conversationId, key.userId);
    }

    private record Key(long conversationId, long userId) {
    }

    private static final class Typing {
        /** The client connection that started it; {@code null} when the web app did. */
        final Recipient owner;
        volatile Scheduler.Timer expiry;

        Typing(Recipient owner) {
            this.owner = owner;
        }
    }
}
