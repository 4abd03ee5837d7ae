package dev.switchboard.routing;

import dev.switchboard.protocol.EncodedFrame;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Who gets what: the node's index of authenticated connections by conversation, by user and by role, and the
 * routing rules over it.
 *
 * <p>Routing runs on the notifier's thread and on WebSocket threads at once, while connections come and go;
 * every index is concurrent and a connection's own subscription set is changed only under its lock (which is
 * never held while calling out of this class), so a subscribe racing a close cannot leave a dead connection in an
 * index.
 *
 * <p>Each delivery sends a given frame to a connection at most once, however many rules match it.
 */
public final class ConversationRegistry {
    private final Map<Recipient, Set<Long>> subscriptions = new ConcurrentHashMap<>();
    private final Map<Long, Set<Recipient>> byConversation = new ConcurrentHashMap<>();
    private final Map<Long, Set<Recipient>> byUser = new ConcurrentHashMap<>();
    private final Set<Recipient> staff = ConcurrentHashMap.newKeySet();

    /** What {@link #subscribe} did. */
    public enum Subscription {
        /** Newly subscribed. */
        ADDED,
        /** Was subscribed already; nothing changed. */
        ALREADY_SUBSCRIBED,
        /** Refused: the connection holds as many subscriptions as it may. */
        LIMIT_REACHED,
        /** Refused: the connection is not registered (it never authenticated, or it is closing). */
        NOT_REGISTERED
    }

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
        Set<Long> was;
        synchronized (subscribed) {
            for (Long conversationId : subscribed) {
                removeFrom(byConversation, conversationId, recipient);
            }
            was = Set.copyOf(subscribed);
        }
        removeFrom(byUser, recipient.userId(), recipient);
        staff.remove(recipient);
        return was;
    }

    /**
     * Subscribes a registered connection; idempotent.
     *
     * @param limit how many conversations the connection may be subscribed to at once
     */
    public Subscription subscribe(Recipient recipient, long conversationId, int limit) {
        Set<Long> subscribed = subscriptions.get(recipient);
        if (subscribed == null) {
            return Subscription.NOT_REGISTERED;
        }
        synchronized (subscribed) {
            if (subscriptions.get(recipient) != subscribed) {
                return Subscription.NOT_REGISTERED;
            }
            if (subscribed.contains(conversationId)) {
                return Subscription.ALREADY_SUBSCRIBED;
            }
            if (subscribed.size() >= limit) {
                return Subscription.LIMIT_REACHED;
            }
            subscribed.add(conversationId);
            addTo(byConversation, conversationId, recipient);
        }
        return Subscription.ADDED;
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
     * Queues a durable event's frame for everyone the target names, each connection once, through
     * {@link Recipient#sendDurable}.
     *
     * @return how many connections it was queued for
     */
    public int deliver(Target target, EncodedFrame frame, long eventId) {
        return deliver(target, r -> r.sendDurable(eventId, target, frame));
    }

    /**
     * Queues one frame for everyone the target names, each connection once.
     *
     * @return how many connections it was queued for
     */
    public int deliver(Target target, String frame) {
        return deliver(target, EncodedFrame.of(frame));
    }

    /**
     * Queues one encoded frame for everyone the target names, each connection once: the same bytes for all of
     * them.
     *
     * @return how many connections it was queued for
     */
    public int deliver(Target target, EncodedFrame frame) {
        return deliver(target, r -> r.send(frame));
    }

    private int deliver(Target target, Consumer<Recipient> sender) {
        if (target instanceof Target.Conversation conversation) {
            return deliverOnce(sender, false, subscribers(conversation.conversationId()), NOBODY);
        }
        if (target instanceof Target.ConversationAndStaff both) {
            return deliverOnce(sender, true, subscribers(both.conversationId()), NOBODY);
        }
        if (target instanceof Target.Staff) {
            return deliverOnce(sender, true, List.of(), NOBODY);
        }
        if (target instanceof Target.StaffExceptUser except) {
            long agent = except.userId();
            return deliverOnce(sender, false, staff, r -> r.userId() == agent);
        }
        if (target instanceof Target.User user) {
            return deliverOnce(sender, false, orEmpty(byUser.get(user.userId())), NOBODY);
        }
        if (target instanceof Target.ConversationExceptUser except) {
            long typist = except.userId();
            return deliverOnce(sender, false, subscribers(except.conversationId()), r -> r.userId() == typist);
        }
        throw new IllegalArgumentException("unknown target " + target);
    }

    /** Every authenticated connection on this node. */
    public Collection<Recipient> all() {
        return Collections.unmodifiableSet(subscriptions.keySet());
    }

    /** Subscriptions on this node, all connections together; for metrics, so lock-free and approximate. */
    public int subscriptionCount() {
        int total = 0;
        for (Set<Long> subscribed : subscriptions.values()) {
            total += subscribed.size();
        }
        return total;
    }

    /** Authenticated connections on this node. */
    public int size() {
        return subscriptions.size();
    }

    private static final Predicate<Recipient> NOBODY = r -> false;

    /**
     * The once-only rule, for every target: with {@code toStaff}, every staff connection, then every one of
     * {@code others} that is neither staff already served (staff are in the staff set from registration to
     * unregistration, so {@link Recipient#isStaff} says it without building a set per event) nor {@code
     * excluded}.
     */
    private int deliverOnce(Consumer<Recipient> sender, boolean toStaff, Collection<Recipient> others,
                            Predicate<Recipient> excluded) {
        int sent = 0;
        if (toStaff) {
            for (Recipient r : staff) {
                sender.accept(r);
                sent++;
            }
        }
        for (Recipient r : others) {
            if ((toStaff && r.isStaff()) || excluded.test(r)) {
                continue;
            }
            sender.accept(r);
            sent++;
        }
        return sent;
    }

    private Collection<Recipient> subscribers(long conversationId) {
        return orEmpty(byConversation.get(conversationId));
    }

    private static Collection<Recipient> orEmpty(Set<Recipient> set) {
        return set == null ? List.of() : set;
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
