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
 *
 * <p>Across nodes: the node of the typing client decides, and tells the others every change of its clients'
 * indicators, the ends it decides itself (expiry, unsubscribe, disconnect) included ({@link ClusterLink}). The
 * other nodes relay what they are told ({@link #typingFromPeer}) and keep the indicator a little longer than the
 * timeout ({@link #PEER_ALLOWANCE}), so it normally ends when the typist's node ends it, once, everywhere, and
 * still ends if that node dies. The web app's {@code notify_typing} reaches every node by itself and is not
 * relayed.
 */
public final class TypingTracker {
    /**
     * How much longer than the timeout another node's indicator is kept here: room for the typist's node's own
     * end (or refresh) to arrive through the database first.
     */
    public static final Duration PEER_ALLOWANCE = Duration.ofSeconds(2);

    private final ServerFrames frames;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final Outbox outbox;
    private final Map<Key, Typing> active = new HashMap<>();

    public TypingTracker(ConversationRegistry registry, ServerFrames frames, Scheduler scheduler, Duration timeout) {
        this(registry, frames, scheduler, timeout, ClusterLink.NONE);
    }

    /**
     * @param cluster where the typing of this node's clients is told to the other nodes
     */
    public TypingTracker(ConversationRegistry registry, ServerFrames frames, Scheduler scheduler, Duration timeout,
                         ClusterLink cluster) {
        this.frames = frames;
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.outbox = new Outbox(registry, this, cluster);
    }

    /**
     * A typing message from a client, already authorised.
     *
     * @param typist the sending connection; its own user's other connections do not receive the relay
     */
    public void typing(Recipient typist, long conversationId, boolean isTyping) {
        update(new Key(conversationId, typist.userId()), new Typing(typist, Origin.CLIENT), isTyping);
    }

    /** A typing event from the web app ({@code realtime.notify_typing}); it expires like a client's. */
    public void typingFromApp(long conversationId, long userId, boolean isTyping) {
        update(new Key(conversationId, userId), new Typing(null, Origin.APP), isTyping);
    }

    /**
     * A client of another node started or stopped typing. Relayed here as that node decided; an end for an
     * indicator already ended here (the allowance ran out first) is not relayed twice.
     */
    public void typingFromPeer(long conversationId, long userId, boolean isTyping) {
        update(new Key(conversationId, userId), new Typing(null, Origin.PEER), isTyping);
    }

    /** The typist left the conversation: end its indicator there. */
    public void unsubscribed(Recipient connection, long conversationId) {
        Key key = new Key(conversationId, connection.userId());
        Typing ended = null;
        synchronized (this) {
            Typing typing = active.get(key);
            if (typing != null && typing.owner == connection) {
                end(key, typing);
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
            for (int i = 0; i < owned.size(); i++) {
                end(owned.get(i), ended.get(i));
            }
        }
        ended.forEach(this::cancelExpiry);
        outbox.flush();
    }

    private void update(Key key, Typing typing, boolean isTyping) {
        Typing previous;
        synchronized (this) {
            previous = isTyping ? active.put(key, typing) : active.remove(key);
            if (previous == null && !isTyping && typing.origin == Origin.PEER) {
                return;
            }
            outbox.add(relayTarget(key), frames.typing(key.conversationId, key.userId, isTyping));
            if (typing.origin == Origin.CLIENT) {
                announce(key, isTyping);
            }
        }
        cancelExpiry(previous);
        if (isTyping) {
            Duration lasts = typing.origin == Origin.PEER ? timeout.plus(PEER_ALLOWANCE) : timeout;
            typing.expiry = scheduler.schedule(() -> expire(key, typing), lasts);
        }
        outbox.flush();
    }

    private void expire(Key key, Typing typing) {
        synchronized (this) {
            if (active.get(key) != typing) {
                return;
            }
            end(key, typing);
        }
        outbox.flush();
    }

    /** Called under the lock. */
    private void end(Key key, Typing typing) {
        active.remove(key);
        outbox.add(relayTarget(key), frames.typing(key.conversationId, key.userId, false));
        if (typing.origin == Origin.CLIENT) {
            announce(key, false);
        }
    }

    /** Called under the lock: a change of one of this node's clients, for the other nodes. */
    private void announce(Key key, boolean isTyping) {
        outbox.announce(cluster -> cluster.typingChanged(key.conversationId, key.userId, isTyping));
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

    /** Who started an indicator, which says who ends it and whether the other nodes are told. */
    private enum Origin {
        /** A client of this node: told to the other nodes, ended here. */
        CLIENT,
        /** The web app, through every node's LISTEN connection: each node ends it itself. */
        APP,
        /** A client of another node: that node tells when it ends; kept here a little longer in case it died. */
        PEER
    }

    private static final class Typing {
        /** The client connection that started it; {@code null} when the web app or another node did. */
        final Recipient owner;
        final Origin origin;
        volatile Scheduler.Timer expiry;

        Typing(Recipient owner, Origin origin) {
            this.owner = owner;
            this.origin = origin;
        }
    }
}
