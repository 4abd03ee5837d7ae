package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.switchboard.pusher.ChannelDirectory.ChannelSummary;
import dev.switchboard.pusher.PusherApp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.switchboard.pusher.ws.PusherProtocolTest.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Presence rosters, channel counts and termination, on fake subscribers: no network, no clock. */
class ChannelsTest {
    private static final PusherApp APP = new PusherApp("1", "key", "secret-of-app");
    private static final PusherApp OTHER = new PusherApp("2", "other", "secret-of-other");
    private static final ChannelName ROOM = ChannelName.parse("presence-room").orElseThrow();
    private final Channels channels = new Channels(new PusherFrames(new ObjectMapper()), 10, 2);

    private static final class Fake implements Subscriber {
        final List<String> frames = new ArrayList<>();
        final PusherApp app;
        final String socketId;
        String signedIn;
        int terminatedWith = -1;

        Fake(PusherApp app, String socketId) {
            this.app = app;
            this.socketId = socketId;
        }

        @Override
        public String socketId() {
            return socketId;
        }

        @Override
        public PusherApp app() {
            return app;
        }

        @Override
        public Optional<String> signedInUser() {
            return Optional.ofNullable(signedIn);
        }

        @Override
        public void send(String frame) {
            frames.add(frame);
        }

        @Override
        public void terminate(int code, String message) {
            terminatedWith = code;
        }

        List<String> take() {
            List<String> taken = List.copyOf(frames);
            frames.clear();
            return taken;
        }
    }

    private Fake connect(String socketId) {
        Fake fake = new Fake(APP, socketId);
        channels.connected(fake);
        return fake;
    }

    private static Channels.Member member(String id) {
        return new Channels.Member(id, TextNode.valueOf("user " + id));
    }

    @Test
    void secondConnectionOfAUserIsNoNewMemberAndItsDepartureNoRemoval() {
        Fake ann1 = connect("1.1");
        Fake ann2 = connect("1.2");
        Fake bob = connect("2.1");
        channels.subscribe(ann1, ROOM, member("ann"));
        channels.subscribe(bob, ROOM, member("bob"));
        List<String> annSaw = ann1.take();
        assertEquals(2, annSaw.size(), annSaw.toString());
        assertEquals(q("{'event':'pusher_internal:member_added','channel':'presence-room','data':"
                + "'{\\'user_id\\':\\'bob\\',\\'user_info\\':\\'user bob\\'}'}"), annSaw.get(1));
        assertEquals(1, bob.take().size(), "the joiner only gets its subscription_succeeded");
        channels.subscribe(ann2, ROOM, member("ann"));
        assertEquals(1, ann2.take().size());
        assertEquals(List.of(), bob.take(), "Ann's second connection is no new member");
        assertEquals(List.of(), ann1.take());
        assertEquals(new ChannelSummary("presence-room", 3, Optional.of(2)), channels.channel(APP, "presence-room"));

        channels.disconnected(ann1);
        assertEquals(List.of(), bob.take(), "Ann is still there on another connection");
        channels.unsubscribe(ann2, "presence-room");
        assertEquals(List.of(q("{'event':'pusher_internal:member_removed','channel':'presence-room','data':"
                + "'{\\'user_id\\':\\'ann\\'}'}")), bob.take());
        assertEquals(List.of(), ann2.take(), "the leaver is told nothing");
        assertEquals(List.of("bob"), channels.users(APP, "presence-room"));
    }

    @Test
    void memberLimitCountsUsersNotConnections() {
        Fake a = connect("1.1");
        Fake a2 = connect("1.2");
        Fake b = connect("2.1");
        Fake c = connect("3.1");
        channels.subscribe(a, ROOM, member("a"));
        channels.subscribe(b, ROOM, member("b"));
        channels.subscribe(a2, ROOM, member("a"));
        assertTrue(a2.take().get(0).contains("subscription_succeeded"), "a known user is no extra member");
        channels.subscribe(c, ROOM, member("c"));
        assertTrue(c.take().get(0).contains("LimitReached"));
        assertEquals(List.of("a", "b"), channels.users(APP, "presence-room"));
    }

    @Test
    void emptiedChannelIsNoLongerOccupiedAndAppsAreKeptApart() {
        Fake one = connect("1.1");
        Fake stranger = new Fake(OTHER, "9.9");
        channels.connected(stranger);
        ChannelName lobby = ChannelName.parse("lobby").orElseThrow();
        channels.subscribe(one, lobby, null);
        channels.subscribe(stranger, lobby, null);
        assertEquals(List.of(new ChannelSummary("lobby", 1, Optional.empty())), channels.occupied(APP, ""));
        channels.publish(APP, List.of("lobby"), "e", "{}", Optional.empty());
        assertTrue(one.take().get(1).contains("\"event\":\"e\""));
        assertEquals(1, stranger.take().size(), "another app's channel of the same name hears nothing");
        channels.unsubscribe(one, "lobby");
        assertEquals(List.of(), channels.occupied(APP, ""));
        assertEquals(new ChannelSummary("lobby", 0, Optional.empty()), channels.channel(APP, "lobby"));
    }

    @Test
    void terminateClosesSignedInAndPresentConnectionsOfThatUserOnly() {
        Fake signedIn = connect("1.1");
        signedIn.signedIn = "7";
        Fake present = connect("1.2");
        channels.subscribe(present, ROOM, member("7"));
        Fake someoneElse = connect("1.3");
        channels.subscribe(someoneElse, ROOM, member("8"));
        assertEquals(2, channels.terminateUserConnections(APP, "7"));
        assertEquals(PusherCodes.UNAUTHORIZED, signedIn.terminatedWith);
        assertEquals(PusherCodes.UNAUTHORIZED, present.terminatedWith);
        assertEquals(-1, someoneElse.terminatedWith);
        assertEquals(0, channels.terminateUserConnections(OTHER, "7"));
    }

    @Test
    void channelNamesAreClassifiedByPrefix() {
        assertEquals(ChannelName.Kind.ENCRYPTED, ChannelName.parse("private-encrypted-x").orElseThrow().kind());
        assertTrue(ChannelName.parse("private-cache-x").orElseThrow().cached());
        assertTrue(ChannelName.parse("presence-cache-x").orElseThrow().cached());
        assertEquals(ChannelName.Kind.USER, ChannelName.parse("#server-to-user-5").orElseThrow().kind());
        assertFalse(ChannelName.parse("#other").isPresent());
        assertFalse(ChannelName.parse("has space").isPresent());
        assertFalse(ChannelName.parse("x".repeat(201)).isPresent());
    }
}
