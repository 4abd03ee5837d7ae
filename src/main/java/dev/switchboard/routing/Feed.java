package dev.switchboard.routing;

/**
 * A part of the durable event stream one connection receives, named so that a resume can replay exactly it.
 *
 * <p>A connection's durable events are the union of its {@link Personal} feed (from {@code auth} on) and one
 * {@link OneConversation} feed per subscription, and the feeds of one connection never share an event: an event
 * for a conversation's subscribers and every agent ({@link Target.ConversationAndStaff}) belongs to an agent's
 * personal feed (its inbox, which receives it subscribed or not), never to the agent's conversation feed. This is
 * the rule {@link ConversationRegistry#deliver} follows live; {@link #includes} states it for one feed, so a replay
 * and the live path cannot disagree on who gets what.
 */
public sealed interface Feed {

    /** Whether an event stored with this target belongs to this feed. */
    boolean includes(Target target);

    /**
     * Everything a connection receives from authentication on: its user's own events and, for agents and admins,
     * the inbox (every {@link Target.Staff} and {@link Target.ConversationAndStaff} event).
     */
    record Personal(long userId, boolean staff) implements Feed {
        @Override
        public boolean includes(Target target) {
            if (target instanceof Target.User user) {
                return user.userId() == userId;
            }
            return staff && (target instanceof Target.Staff || target instanceof Target.ConversationAndStaff);
        }
    }

    /**
     * What a subscription to one conversation adds: the conversation's events, minus those a staff connection
     * already receives through its personal feed.
     */
    record OneConversation(long conversationId, boolean staff) implements Feed {
        @Override
        public boolean includes(Target target) {
            if (target instanceof Target.Conversation conversation) {
                return conversation.conversationId() == conversationId;
            }
            if (target instanceof Target.ConversationAndStaff both) {
                return !staff && both.conversationId() == conversationId;
            }
            return false;
        }
    }
}
