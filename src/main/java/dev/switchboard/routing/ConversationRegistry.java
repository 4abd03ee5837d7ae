package dev.switchboard.routing;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who gets what: the node's index of authenticated connections by conversation, by user and by role, and the
 * routing rules over it.
 *
 * <p>Routing runs on the notifier's thread and on WebSocket threads at once, while connections come and go;
 * every index is concurrent and a connection's own subscription set is changed only under its lock, so a
 * subscribe racing a close cannot leave a dead connection in an index.
 *
 * <p>Each delivery sends a given frame to a connection at most once, however many rules match it.
 */
public final class ConversationRegistry {
    private final Map<Recipient, Set<Long>> subscriptions = new ConcurrentHashMap<>();
    private final Map<Long, Set<Recipient>> byConversation = new ConcurrentHashMap<>();
    private final Map<Long, Set<Recipient>> byUser = new ConcurrentHashMap<>();
    private final Set<Recipient> staff = ConcurrentHashMap.newKeySet();

    /** Adds an authenticated connection. */
    public void register(Recipient recipient) {
        subscriptions.put(recipient, ConcurrentHashMap.newKeySet());
        addTo(byUser, recipient.userId(), recipient);
        if (recipient.isStaff()) {
            staff.add(recipient);
        }
    }

    /**
     * Removes a connection from every index.
     *
     * @return the conversations it was subscribed to
     */
    public Set<Long> unregister(Recipient recipient) {
        Set<Long> subscribed = subscriptions.remove(recipient);
        if (subscribed == null) {
            return Set.of();
        }
        synchronized (subscribed) {
            for (Long conversationId : subscribed) {
                removeFrom(byConversation, conversationId, recipient);
            }
        }
        removeFrom(byUser, recipient.userId(), recipient);
        staff.remove(recipient);
        return Set.copyOf(subscribed);
    }

    /**
     * Subscribes a registered connection; idempotent.
     *
     * @return false when the connection is not registered (it is closing)
     */
    public boolean subscribe(Recipient recipient, long conversationId) {
        Set<Long> subscribed = subscriptions.get(recipient);
        if (subscribed == null) {
            return false;
        }
        synchronized (subscribed) {
            if (subscriptions.get(recipient) != subscribed) {
                return false;
            }
            if (subscribed.add(conversationId)) {
                addTo(byConversation, conversationId, recipient);
            }
        }
        return true;
    }

    /**
     * Unsubscribes; idempotent.
     *
     * @return true when the connection was subscribed
     */
    public boolean unsubscribe(Recipient recipient, long conversationId) {
        Set<Long> subscribed = subscriptions.get(recipient);
        if (subscribed == null) {
            return false;
        }
        synchronized (subscribed) {
            if (subscribed.remove(conversationId)) {
                removeFrom(byConversation, conversationId, recipient);
                return true;
            }
        }
        return false;
    }

    /** Whether the connection is subscribed to the conversation. */
    public boolean isSubscribed(Recipient recipient, long conversationId) {
        Set<Long> subscribed = subscriptions.get(recipient);
        return subscribed != null && subscribed.contains(conversationId);
    }

    /**
     * Sends one frame to everyone the audience names.
     *
     * @param conversationId the conversation, for the conversation audiences
     * @param userId         the user, for {@link Audience#USER}
     * @return how many connections received it
     */
    public int deliver(Audience audience, long conversationId, long userId, String frame) {
        switch (audience) {
            case CONVERSATION:
                return sendAll(byConversation.get(conversationId), frame);
            case STAFF:
                return sendAll(staff, frame);
            case USER:
                return sendAll(byUser.get(userId), frame);
            case CONVERSATION_AND_STAFF:
                // Staff already get it through the inbox rule; skipping them among the subscribers is what keeps
                // delivery once-only without building a set per event.
                int sent = sendAll(staff, frame);
                for (Recipient r : subscribers(conversationId)) {
                    if (!r.isStaff()) {
                        r.send(frame);
                        sent++;
                    }
                }
                return sent;
            default:
                throw new IllegalArgumentException("unknown audience " + audience);
        }
    }

    /**
     * Sends a typing frame to the conversation's subscribers except the typist's own connections: other tabs
     * of the same user must not show "you are typing".
     */
    public int deliverExceptUser(long conversationId, long exceptUserId, String frame) {
        int sent = 0;
        for (Recipient r : subscribers(conversationId)) {
            if (r.userId() != exceptUserId) {
                r.send(frame);
                sent++;
            }
        }
        return sent;
    }

    /** Every authenticated connection on this node. */
    public Collection<Recipient> all() {
        return Collections.unmodifiableSet(subscriptions.keySet());
    }

    /** Authenticated connections on this node. */
    public int size() {
        return subscriptions.size();
    }

    private Collection<Recipient> subscribers(long conversationId) {
        Set<Recipient> set = byConversation.get(conversationId);
        return set == null ? List.of() : set;
    }

    private static int sendAll(Set<Recipient> recipients, String frame) {
        if (recipients == null) {
            return 0;
        }
        int sent = 0;
        for (Recipient r : recipients) {
            r.send(frame);
            sent++;
        }
        return sent;
    }

    private static void addTo(Map<Long, Set<Recipient>> index, long key, Recipient recipient) {
        index.compute(key, (k, set) -> {
            Set<Recipient> target = set != null ? set : ConcurrentHashMap.newKeySet();
            target.add(recipient);
            return target;
        });
    }

    private static void removeFrom(Map<Long, Set<Recipient>> index, long key, Recipient recipient) {
        // compute is atomic per key, so a concurrent add never lands in a set that is being dropped.
        index.computeIfPresent(key, (k, set) -> {
            set.remove(recipient);
            return set.isEmpty() ? null : set;
        });
    }
}
