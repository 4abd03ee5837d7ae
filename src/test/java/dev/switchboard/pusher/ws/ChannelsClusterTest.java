package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.switchboard.pusher.ChannelDirectory.ChannelSummary;
import dev.switchboard.pusher.NodeRoster;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.pusher.RosterEntry;
import dev.switchboard.pusher.RosterLink;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.switchboard.pusher.ws.PusherProtocolTest.q;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two nodes' channels joined by an in-memory cluster whose notifications the test delivers, drops or reorders by
 * hand, and whose lease renewals it runs by hand: the merge of presence members across nodes, with no database
 * and no clock.
 */
class ChannelsClusterTest {
    private static final PusherApp APP = new PusherApp("1", "key", "secret-of-app");
    private static final ChannelName ROOM = ChannelName.parse("presence-room").orElseThrow();
    private static final String ANN_ADDED = q("{'event':'pusher_internal:member_added','channel':'presence-room',"
            + "'data':'{\\'user_id\\':\\'ann\\',\\'user_info\\':\\'user ann\\'}'}");
    private static final String ANN_REMOVED = q("{'event':'pusher_internal:member_removed','channel':'presence-room',"
            + "'data':'{\\'user_id\\':\\'ann\\'}'}");

    private final Node a = new Node("node-a", 10);
    private final Node b = new Node("node-b", 10);

    /** One node: its channels and the notifications they told the cluster, not yet delivered. */
    private static final class Node implements RosterLink {
        final String id;
        final String incarnation;
        final Channels channels;
        final List<Told> outbox = new ArrayList<>();

        Node(String id, int maxMembers) {
            this.id = id;
            this.incarnation = id + "-1";
            this.channels = new Channels(new PusherFrames(new ObjectMapper()), 10, maxMembers);
            channels.attachCluster(this);
        }

        @Override
        public void memberChanged(long version, RosterEntry entry, boolean present) {
            outbox.add(new Told(version, entry, present));
        }

        /** Delivers what this node told, in order, to {@code to}. */
        void deliverTo(Node to) {
            outbox.forEach(t -> to.channels.peerMemberChanged(id, incarnation, t.version, t.entry, t.present));
            outbox.clear();
        }

        /** Loses what this node told. */
        void drop() {
            outbox.clear();
        }

        NodeRoster lease() {
            return channels.localRoster(id, incarnation);
        }

        /** A renewal of this node's lease that reads {@code live} as the other live nodes' rows. */
        void renew(NodeRoster... live) {
            long sweep = channels.beginSweep();
            channels.peersAlive(sweep, List.of(live));
        }

        TestSubscriber connect(String socketId) {
            TestSubscriber subscriber = new TestSubscriber(APP, socketId);
            channels.connected(subscriber);
            return subscriber;
        }
    }

    private record Told(long version, RosterEntry entry, boolean present) {
    }

    private static Channels.Member member(String id) {
        return new Channels.Member(id, TextNode.valueOf("user " + id));
    }

    @Test
    void aMemberOnAnotherNodeIsListedInSubscriptionSucceededWithItsUserInfo() {
        a.channels.subscribe(a.connect("1.1"), ROOM, member("ann"));
        a.deliverTo(b);
        TestSubscriber bob = b.connect("2.1");
        b.channels.subscribe(bob, ROOM, member("bob"));
        assertEquals(List.of(q("{'event':'pusher_internal:subscription_succeeded','channel':'presence-room','data':"
                + "'{\\'presence\\':{\\'count\\':2,\\'ids\\':[\\'bob\\',\\'ann\\'],\\'hash\\':{\\'bob\\':\\'user bob\\',"
                + "\\'ann\\':\\'user ann\\'}}}'}")), bob.take());
    }

    @Test
    void memberAddedOnlyOnTheFirstConnectionAnywhereAndRemovedOnlyWhenTheLastAnywhereLeaves() {
        TestSubscriber bob = b.connect("2.1");
        b.channels.subscribe(bob, ROOM, member("bob"));
        bob.take();
        TestSubscriber annOnA = a.connect("1.1");
        a.channels.subscribe(annOnA, ROOM, member("ann"));
        assertEquals(1, annOnA.take().size(), "Bob is not yet known to node A: only subscription_succeeded");
        a.deliverTo(b);
        assertEquals(List.of(ANN_ADDED), bob.take());

        TestSubscriber annOnB = b.connect("2.2");
        b.channels.subscribe(annOnB, ROOM, member("ann"));
        b.deliverTo(a);
        assertEquals(List.of(), bob.take(), "Ann's second connection, on another node, is no new member");
        assertEquals(1, annOnB.take().size(), "the joiner only gets its subscription_succeeded");

        a.channels.disconnected(annOnA);
        a.deliverTo(b);
        assertEquals(List.of(), bob.take(), "Ann is still there on node B");
        b.channels.unsubscribe(annOnB, "presence-room");
        b.deliverTo(a);
        assertEquals(List.of(ANN_REMOVED), bob.take());
        assertEquals(List.of(), annOnB.take(), "the leaver is told nothing");
    }

    @Test
    void aMemberLeavingOneNodeWhileStillOnAnotherIsNotRemovedThere() {
        TestSubscriber carol = a.connect("1.9");
        a.channels.subscribe(carol, ROOM, member("carol"));
        a.channels.subscribe(a.connect("1.1"), ROOM, member("ann"));
        TestSubscriber annOnB = b.connect("2.2");
        b.channels.subscribe(annOnB, ROOM, member("ann"));
        a.deliverTo(b);
        b.deliverTo(a);
        carol.take();
        b.channels.disconnected(annOnB);
        b.deliverTo(a);
        assertEquals(List.of(), carol.take(), "Ann is still connected to node A");
    }

    @Test
    void aDeadNodesMembersAreRemovedWhenItsLeaseLapses() {
        a.channels.subscribe(a.connect("1.1"), ROOM, member("ann"));
        TestSubscriber bob = b.connect("2.1");
        b.channels.subscribe(bob, ROOM, member("bob"));
        b.renew(a.lease());
        assertEquals(2, bob.take().size(), "subscription_succeeded, then Ann from node A's lease");

        b.renew(a.lease());
        assertEquals(List.of(), bob.take(), "a renewal that changes nothing tells nothing");
        b.renew();
        assertEquals(List.of(ANN_REMOVED), bob.take(), "node A's lease lapsed");
        assertEquals(List.of("bob"), b.channels.users(APP, "presence-room"));
    }

    @Test
    void aNodeFirstHeardOfDuringARenewalIsNotTakenForDead() {
        TestSubscriber bob = b.connect("2.1");
        b.channels.subscribe(bob, ROOM, member("bob"));
        long sweep = b.channels.beginSweep();
        a.channels.subscribe(a.connect("1.1"), ROOM, member("ann"));
        a.deliverTo(b);
        b.channels.peersAlive(sweep, List.of());
        assertEquals(List.of("bob", "ann"), b.channels.users(APP, "presence-room"),
                "node A's row was read before it started; it is alive");
    }

    @Test
    void aLostNotificationIsHealedByTheNextRenewal() {
        TestSubscriber bob = b.connect("2.1");
        b.channels.subscribe(bob, ROOM, member("bob"));
        bob.take();
        TestSubscriber ann = a.connect("1.1");
        a.channels.subscribe(ann, ROOM, member("ann"));
        a.drop();
        assertEquals(List.of(), bob.take());
        b.renew(a.lease());
        assertEquals(List.of(ANN_ADDED), bob.take());

        a.channels.disconnected(ann);
        a.drop();
        b.renew(a.lease());
        assertEquals(List.of(ANN_REMOVED), bob.take());
    }

    @Test
    void aSnapshotOlderThanAnAppliedChangeDoesNotUndoIt() {
        TestSubscriber bob = b.connect("2.1");
        b.channels.subscribe(bob, ROOM, member("bob"));
        TestSubscriber ann = a.connect("1.1");
        a.channels.subscribe(ann, ROOM, member("ann"));
        a.deliverTo(b);
        NodeRoster beforeAnnLeft = a.lease();
        a.channels.disconnected(ann);
        a.deliverTo(b);
        bob.take();
        b.renew(beforeAnnLeft);
        assertEquals(List.of(), bob.take(), "the row was read before Ann left; her leaving stands");
        assertEquals(List.of("bob"), b.channels.users(APP, "presence-room"));
    }

    @Test
    void aNodeThatLeavesCleanlyTakesItsMembersAtOnce() {
        a.channels.subscribe(a.connect("1.1"), ROOM, member("ann"));
        a.deliverTo(b);
        TestSubscriber bob = b.connect("2.1");
        b.channels.subscribe(bob, ROOM, member("bob"));
        bob.take();
        b.channels.peerLeft("node-a");
        assertEquals(List.of(ANN_REMOVED), bob.take());
    }

    @Test
    void theHttpApiCountsUsersOnEveryNode() {
        a.channels.subscribe(a.connect("1.1"), ROOM, member("ann"));
        a.deliverTo(b);
        assertEquals(List.of("ann"), b.channels.users(APP, "presence-room"));
        assertEquals(new ChannelSummary("presence-room", 0, Optional.of(1)), b.channels.channel(APP, "presence-room"),
                "no connection of node B is subscribed, but Ann is a member");
        assertEquals(List.of(new ChannelSummary("presence-room", 0, Optional.of(1))), b.channels.occupied(APP, null));
        assertEquals(List.of(), b.channels.occupied(APP, "private-"));
        b.channels.subscribe(b.connect("2.1"), ROOM, member("bob"));
        assertEquals(new ChannelSummary("presence-room", 1, Optional.of(2)), b.channels.channel(APP, "presence-room"));
        assertEquals(List.of(new ChannelSummary("presence-room", 1, Optional.of(2))), b.channels.occupied(APP, null));
    }

    @Test
    void theMemberLimitCountsMembersOnEveryNode() {
        Node small = new Node("node-c", 1);
        a.channels.subscribe(a.connect("1.1"), ROOM, member("ann"));
        a.deliverTo(small);
        TestSubscriber bob = small.connect("3.1");
        small.channels.subscribe(bob, ROOM, member("bob"));
        assertEquals(List.of(q("{'event':'pusher:subscription_error','channel':'presence-room','data':"
                + "{'type':'LimitReached','error':'presence channel presence-room already has 1 members',"
                + "'status':403}}")), bob.take());
    }

    @Test
    void aRestartedNodesOldMembersAreForgotten() {
        a.channels.subscribe(a.connect("1.1"), ROOM, member("ann"));
        a.deliverTo(b);
        TestSubscriber bob = b.connect("2.1");
        b.channels.subscribe(bob, ROOM, member("bob"));
        bob.take();
        b.channels.peerMemberChanged("node-a", "node-a-2", 1,
                new RosterEntry(APP.id(), "presence-room", "dan", TextNode.valueOf("user dan")), true);
        assertEquals(Set.of(ANN_REMOVED, q("{'event':'pusher_internal:member_added','channel':'presence-room',"
                + "'data':'{\\'user_id\\':\\'dan\\',\\'user_info\\':\\'user dan\\'}'}")), Set.copyOf(bob.take()));
    }
}
