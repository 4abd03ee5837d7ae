package dev.switchboard.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.presence.PresenceTracker;
import dev.switchboard.presence.TypingTracker;
import dev.switchboard.pusher.RosterSync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Hands what the other nodes say on the cluster channel to this node's trackers. The node's own notifications
 * come back too (it listens on the channel it sends on) and are ignored: it delivered them locally already.
 * Runs on the LISTEN thread.
 */
public final class ClusterInbox implements Consumer<String> {
    private static final Logger log = LoggerFactory.getLogger(ClusterInbox.class);

    private final String nodeId;
    private final PresenceTracker presence;
    private final TypingTracker typing;
    private final RosterSync roster;
    private final ClusterCodec codec;
    private final Runnable renewSoon;

    /**
     * @param renewSoon asks this node's bus to renew its lease now, for a node that is starting
     */
    public ClusterInbox(String nodeId, PresenceTracker presence, TypingTracker typing, ObjectMapper mapper,
                        Runnable renewSoon) {
        this(nodeId, presence, typing, RosterSync.NONE, mapper, renewSoon);
    }

    /**
     * @param roster    this node's Pusher channels, told of the other nodes' presence members
     * @param renewSoon asks this node's bus to renew its lease now, for a node that is starting
     */
    public ClusterInbox(String nodeId, PresenceTracker presence, TypingTracker typing, RosterSync roster,
                        ObjectMapper mapper, Runnable renewSoon) {
        this.roster = roster;
        this.renewSoon = renewSoon;
        this.nodeId = nodeId;
        this.presence = presence;
        this.typing = typing;
        this.codec = new ClusterCodec(mapper);
    }

    /** One notification's payload; a malformed one (someone calling pg_notify by hand) is logged and dropped. */
    @Override
    public void accept(String payload) {
        ClusterMessage message;
        try {
            message = codec.decode(payload);
        } catch (IllegalArgumentException e) {
            log.warn("Ignoring malformed cluster notification: {}", e.getMessage());
            return;
        }
        if (message.nodeId().equals(nodeId)) {
            return;
        }
        if (message instanceof ClusterMessage.PresenceChanged p) {
            presence.peerChanged(p.nodeId(), p.incarnation(), p.version(), p.agentId(), p.count());
        } else if (message instanceof ClusterMessage.TypingChanged t) {
            typing.typingFromPeer(t.conversationId(), t.userId(), t.isTyping());
        } else if (message instanceof ClusterMessage.MemberChanged m) {
            roster.peerMemberChanged(m.nodeId(), m.incarnation(), m.version(), m.entry(), m.present());
        } else if (message instanceof ClusterMessage.NodeJoined) {
            renewSoon.run();
        } else if (message instanceof ClusterMessage.NodeLeft l) {
            presence.peerLeft(l.nodeId());
            roster.peerLeft(l.nodeId());
        }
    }
}
