package dev.switchboard.pusher.ws;

import dev.switchboard.pusher.PusherApp;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exact frames of the Pusher protocol at {@code /app/{key}}, as pusher-js 8 reads them, against a real node.
 * Expected frames are written with {@code '} for {@code "} (see {@link #q}) to stay readable.
 */
class PusherProtocolTest {
    static final PusherApp APP = new PusherApp("app-1", "key-1", "secret-of-app-1");
    private static TestServer server;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(Map.of("PUSHER_APP_ID", APP.id(), "PUSHER_APP_KEY", APP.key(),
                "PUSHER_APP_SECRET", APP.secret(), "PUSHER_CLIENT_EVENTS_PER_SECOND", "3",
                "PUSHER_MAX_PRESENCE_MEMBERS", "3"));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /** JSON written with single quotes: {@code '} becomes {@code "}. */
    static String q(String text) {
        return text.replace('\'', '"');
    }

    private static PusherSocket connect() {
        return PusherSocket.connect(server.port(), APP.key());
    }

    private static String subscribe(String channel, String auth, String channelData) {
        StringBuilder data = new StringBuilder("{\"channel\":\"" + channel + "\"");
        if (auth != null) {
            data.append(",\"auth\":\"").append(auth).append('"');
        }
        if (channelData != null) {
            data.append(",\"channel_data\":").append(com.fasterxml.jackson.databind.node.TextNode.valueOf(channelData));
        }
        return "{\"event\":\"pusher:subscribe\",\"data\":" + data + "}}";
    }

    private static String privateAuth(PusherSocket socket, String channel) {
        return APP.key() + ":" + APP.sign(socket.socketId() + ":" + channel);
    }

    private static void joinPresence(PusherSocket socket, String channel, String channelData) {
        socket.send(subscribe(channel, APP.key() + ":" + APP.sign(socket.socketId() + ":" + channel + ":"
                + channelData), channelData));
    }

    private static void publish(String channel, String event, String data) {
        server.node().pusherChannels().publish(APP, List.of(channel), event, data, Optional.empty());
    }

    @Test
    void connectionEstablishedCarriesSocketIdAndActivityTimeoutAsAJsonString() {
        PusherSocket socket = PusherSocket.open(server.port(), APP.key(), "protocol=7&client=js&version=8.4.0");
        String frame = socket.next();
        assertTrue(frame.matches(java.util.regex.Pattern.quote(q("{'event':'pusher:connection_established',"
                + "'data':'{\\'socket_id\\':\\'")) + "\\d+\\.\\d+" + java.util.regex.Pattern.quote(
                q("\\',\\'activity_timeout\\':30}'}"))), frame);
        socket.close();
    }

    @Test
    void unknownKeyIsRefusedWith4001FrameAndClose() {
        PusherSocket socket = PusherSocket.open(server.port(), "no-such-key", "protocol=7");
        assertEquals(q("{'event':'pusher:error','data':{'code':4001,'message':'Application does not exist'}}"),
                socket.next());
        assertEquals(4001, socket.awaitClose());
    }

    @Test
    void missingProtocolIsRefusedWith4008AndUnsupportedWith4007() {
        PusherSocket none = PusherSocket.open(server.port(), APP.key(), "client=js");
        assertEquals(q("{'event':'pusher:error','data':{'code':4008,'message':'No protocol version supplied'}}"),
                none.next());
        assertEquals(4008, none.awaitClose());
        PusherSocket future = PusherSocket.open(server.port(), APP.key(), "protocol=99");
        assertEquals(q("{'event':'pusher:error','data':{'code':4007,'message':'Unsupported protocol version 99'}}"),
                future.next());
        assertEquals(4007, future.awaitClose());
    }

    @Test
    void healthCountsPusherConnectionsAndChannels() throws Exception {
        try (PusherSocket socket = connect()) {
            socket.send(subscribe("health-check", null, null));
            socket.next();
            var http = java.net.http.HttpClient.newHttpClient();
            String body = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            var health = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
            assertTrue(health.path("pusher_connections").asInt() >= 1, body);
            assertTrue(health.path("pusher_channels").asInt() >= 1, body);
        }
    }

    @Test
    void pingIsAnsweredWithPong() {
        try (PusherSocket socket = connect()) {
            socket.send(q("{'event':'pusher:ping','data':{}}"));
            assertEquals(q("{'event':'pusher:pong','data':'{}'}"), socket.next());
        }
    }

    @Test
    void publicChannelSubscriptionSucceedsAndReceivesEventsWithDataAsSent() {
        try (PusherSocket socket = connect()) {
            socket.send(subscribe("orders", null, null));
            assertEquals(q("{'event':'pusher_internal:subscription_succeeded','channel':'orders','data':'{}'}"),
                    socket.next());
            publish("orders", "App\\Events\\OrderShipped", q("{'id':7}"));
            assertEquals(q("{'event':'App\\\\Events\\\\OrderShipped','channel':'orders','data':'{\\'id\\':7}'}"),
                    socket.next());
        }
    }

    @Test
    void privateChannelNeedsTheAppSignatureOverSocketIdAndChannel() {
        try (PusherSocket socket = connect()) {
            socket.send(subscribe("private-orders.1", privateAuth(socket, "private-orders.1"), null));
            assertEquals(q("{'event':'pusher_internal:subscription_succeeded','channel':'private-orders.1',"
                    + "'data':'{}'}"), socket.next());
            socket.send(subscribe("private-orders.2", privateAuth(socket, "private-orders.1"), null));
            assertEquals(q("{'event':'pusher:subscription_error','channel':'private-orders.2','data':{'type':"
                    + "'AuthError','error':'Invalid signature for private-orders.2','status':401}}"), socket.next());
            socket.send(subscribe("private-orders.3", null, null));
            assertTrue(socket.next().contains(q("'channel':'private-orders.3','data':{'type':'AuthError'")));
            publish("private-orders.2", "shipped", "{}");
            publish("private-orders.1", "shipped", "{}");
            assertEquals(q("{'event':'shipped','channel':'private-orders.1','data':'{}'}"), socket.next(),
                    "only the authorised channel's event");
        }
    }

    @Test
    void encryptedChannelIsAuthorisedLikePrivateAndItsPayloadPassesUntouched() {
        try (PusherSocket socket = connect()) {
            String channel = "private-encrypted-vault";
            socket.send(subscribe(channel, privateAuth(socket, channel), null));
            socket.awaitContaining("subscription_succeeded");
            String sealed = q("{'nonce':'bm9uY2U=','ciphertext':'c2VhbGVk'}");
            publish(channel, "secret", sealed);
            assertEquals("{\"event\":\"secret\",\"channel\":\"" + channel + "\",\"data\":"
                    + com.fasterxml.jackson.databind.node.TextNode.valueOf(sealed) + "}", socket.next());
        }
    }

    @Test
    void presenceMembersAreAnnouncedOncePerUserAndNeverToTheJoiner() {
        String channel = "presence-room.1";
        String ann = q("{'user_id':1,'user_info':{'name':'Ann'}}");
        String bob = q("{'user_id':'2','user_info':{'name':'Bob'}}");
        try (PusherSocket annTab1 = connect(); PusherSocket annTab2 = connect(); PusherSocket bobTab = connect()) {
            joinPresence(annTab1, channel, ann);
            assertEquals(q("{'event':'pusher_internal:subscription_succeeded','channel':'presence-room.1','data':"
                    + "'{\\'presence\\':{\\'count\\':1,\\'ids\\':[\\'1\\'],\\'hash\\':{\\'1\\':{\\'name\\':"
                    + "\\'Ann\\'}}}}'}"), annTab1.next());

            joinPresence(bobTab, channel, bob);
            assertEquals(q("{'event':'pusher_internal:subscription_succeeded','channel':'presence-room.1','data':"
                    + "'{\\'presence\\':{\\'count\\':2,\\'ids\\':[\\'1\\',\\'2\\'],\\'hash\\':{\\'1\\':{\\'name\\':"
                    + "\\'Ann\\'},\\'2\\':{\\'name\\':\\'Bob\\'}}}}'}"), bobTab.next());
            assertEquals(q("{'event':'pusher_internal:member_added','channel':'presence-room.1','data':"
                    + "'{\\'user_id\\':\\'2\\',\\'user_info\\':{\\'name\\':\\'Bob\\'}}'}"), annTab1.next());

            joinPresence(annTab2, channel, ann);
            assertTrue(annTab2.next().contains("\\\"count\\\":2"), "Ann's second tab sees two users");
            assertEquals(List.of(), bobTab.sync(), "Ann's second tab is not a new member");
            assertEquals(List.of(), annTab1.sync());

            annTab1.close();
            assertEquals(List.of(), bobTab.sync(), "Ann still has a tab on the channel");
            annTab2.send(q("{'event':'pusher:unsubscribe','data':{'channel':'presence-room.1'}}"));
            assertEquals(q("{'event':'pusher_internal:member_removed','channel':'presence-room.1','data':"
                    + "'{\\'user_id\\':\\'1\\'}'}"), bobTab.next());
            assertEquals(List.of(), annTab2.sync(), "nothing to the one who left");
            assertEquals(List.of("2"), server.node().pusherChannels().users(APP, channel));
        }
    }

    @Test
    void presenceSignatureCoversTheChannelDataBytesAsSent() {
        try (PusherSocket socket = connect()) {
            String signed = q("{'user_id':5}");
            String auth = APP.key() + ":" + APP.sign(socket.socketId() + ":presence-x:" + signed);
            socket.send(subscribe("presence-x", auth, q("{ 'user_id':5}")));
            assertTrue(socket.next().contains("AuthError"), "re-spaced channel_data is another message");
            socket.send(subscribe("presence-x", auth, signed));
            assertTrue(socket.next().contains("subscription_succeeded"));
        }
    }

    @Test
    void presenceChannelRefusesUsersBeyondTheMemberLimit() {
        String channel = "presence-full";
        List<PusherSocket> sockets = new java.util.ArrayList<>();
        try {
            for (int user = 1; user <= 4; user++) {
                PusherSocket socket = connect();
                sockets.add(socket);
                joinPresence(socket, channel, "{\"user_id\":" + user + "}");
                String answer = socket.next();
                if (user <= 3) {
                    assertTrue(answer.contains("subscription_succeeded"), answer);
                } else {
                    assertEquals(q("{'event':'pusher:subscription_error','channel':'presence-full','data':{'type':"
                            + "'LimitReached','error':'presence channel presence-full already has 3 members',"
                            + "'status':403}}"), answer);
                }
            }
        } finally {
            sockets.forEach(PusherSocket::close);
        }
    }

    @Test
    void clientEventsReachOtherMembersWithTheSendersUserIdButNotTheSender() {
        String channel = "presence-chat";
        try (PusherSocket ann = connect(); PusherSocket bob = connect()) {
            joinPresence(ann, channel, "{\"user_id\":\"ann\"}");
            ann.next();
            joinPresence(bob, channel, "{\"user_id\":\"bob\"}");
            bob.next();
            ann.next();
            ann.send(q("{'event':'client-typing','channel':'presence-chat','data':{'typing':true}}"));
            assertEquals(q("{'event':'client-typing','channel':'presence-chat','data':{'typing':true},"
                    + "'user_id':'ann'}"), bob.next());
            assertEquals(List.of(), ann.sync(), "never echoed to the sender");
        }
    }

    @Test
    void clientEventsAreRefusedOnPublicChannelsAndFromNonMembers() {
        try (PusherSocket socket = connect()) {
            socket.send(subscribe("lobby", null, null));
            socket.next();
            socket.send(q("{'event':'client-hi','channel':'lobby','data':{}}"));
            assertEquals(q("{'event':'pusher:error','data':{'code':4009,'message':'Client events are only allowed"
                    + " on private and presence channels.'}}"), socket.next());
            socket.send(q("{'event':'client-hi','channel':'private-elsewhere','data':{}}"));
            assertEquals(q("{'event':'pusher:error','data':{'code':4009,'message':'The client is not a member of"
                    + " the specified channel.'}}"), socket.next());
        }
    }

    @Test
    void clientEventsOverTheRateGetError4301AndAreDropped() {
        String channel = "private-rate";
        try (PusherSocket sender = connect(); PusherSocket receiver = connect()) {
            sender.send(subscribe(channel, privateAuth(sender, channel), null));
            sender.next();
            receiver.send(subscribe(channel, privateAuth(receiver, channel), null));
            receiver.next();
            for (int i = 0; i < 10; i++) {
                sender.send("{\"event\":\"client-n\",\"channel\":\"" + channel + "\",\"data\":" + i + "}");
            }
            // Exact budgets are pinned on a manual clock (PusherServerTest); here only that the real server refuses
            // what is over it, however slowly this machine sends.
            List<String> errors = sender.sync();
            assertTrue(!errors.isEmpty() && errors.stream().allMatch(q("{'event':'pusher:error','data':{'code':4301,"
                    + "'message':'Rate limit exceeded'}}")::equals), errors.toString());
            List<String> received = receiver.sync();
            assertEquals(10, received.size() + errors.size(), "each event either relayed or refused: " + received);
        }
    }

    @Test
    void cacheChannelReplaysTheLastEventOrSaysCacheMiss() {
        try (PusherSocket socket = connect()) {
            socket.send(subscribe("cache-weather", null, null));
            assertEquals(q("{'event':'pusher_internal:subscription_succeeded','channel':'cache-weather','data':'{}'}"),
                    socket.next());
            assertEquals(q("{'event':'pusher:cache_miss','channel':'cache-weather'}"), socket.next());
        }
        publish("cache-weather", "forecast", "{\"sky\":\"grey\"}");
        publish("cache-weather", "forecast", "{\"sky\":\"blue\"}");
        try (PusherSocket late = connect()) {
            late.send(subscribe("cache-weather", null, null));
            late.next();
            assertEquals(q("{'event':'forecast','channel':'cache-weather','data':'{\\'sky\\':\\'blue\\'}'}"),
                    late.next());
        }
    }

    @Test
    void malformedJsonAndUnknownPusherEventsGet4200AndTheConnectionCarriesOn() {
        try (PusherSocket socket = connect()) {
            String invalid = q("{'event':'pusher:error','data':{'code':4200,'message':'Invalid message format'}}");
            socket.send("{not json");
            assertEquals(invalid, socket.next());
            socket.send(q("{'event':'pusher:teleport','data':{}}"));
            assertEquals(invalid, socket.next());
            socket.send(q("{'data':{}}"));
            assertEquals(invalid, socket.next());
            assertEquals(List.of(), socket.sync(), "still served");
        }
    }

    @Test
    void binaryFrameGets4200AndTheConnectionCarriesOn() {
        try (PusherSocket socket = connect()) {
            socket.sendBinary(new byte[]{1, 2, 3});
            assertEquals(q("{'event':'pusher:error','data':{'code':4200,'message':'Invalid message format'}}"),
                    socket.next());
            assertEquals(List.of(), socket.sync());
        }
    }

    @Test
    void messageOverTheLimitInSmallFragmentsClosesWith1009() {
        try (PusherSocket socket = connect()) {
            for (int i = 0; i < 11; i++) {
                socket.sendFragment("x".repeat(1000), false);
            }
            socket.sendFragment("", true);
            assertEquals(1009, socket.awaitClose());
        }
    }

    @Test
    void oversizedMessageClosesWith1009() {
        try (PusherSocket socket = connect()) {
            socket.send("{\"event\":\"client-big\",\"data\":\"" + "x".repeat(20_000) + "\"}");
            assertEquals(1009, socket.awaitClose());
        }
    }

    @Test
    void signedInUserReceivesEventsOnItsServerToUserChannel() {
        try (PusherSocket socket = connect()) {
            String userData = q("{'id':'42','name':'Ann'}");
            socket.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"#server-to-user-42\"}}");
            assertTrue(socket.next().contains("'type':'AuthError'".replace('\'', '"')), "not before signing in");
            socket.send("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"" + APP.key() + ":"
                    + APP.sign(socket.socketId() + "::user::" + userData) + "\",\"user_data\":"
                    + com.fasterxml.jackson.databind.node.TextNode.valueOf(userData) + "}}");
            assertEquals(q("{'event':'pusher:signin_success','data':{'user_data':'{\\'id\\':\\'42\\',\\'name\\':"
                    + "\\'Ann\\'}'}}"), socket.next());
            socket.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"#server-to-user-42\"}}");
            socket.awaitContaining("subscription_succeeded");
            publish("#server-to-user-42", "notice", "{}");
            assertEquals(q("{'event':'notice','channel':'#server-to-user-42','data':'{}'}"), socket.next());
            assertEquals(1, server.node().pusherChannels().terminateUserConnections(APP, "42"));
            assertEquals(q("{'event':'pusher:error','data':{'code':4009,'message':'Connection terminated by the"
                    + " backend'}}"), socket.next());
            assertEquals(4009, socket.awaitClose());
        }
    }

    @Test
    void publishReachesAConnectionOnceThoughSubscribedToSeveralOfItsChannelsAndSkipsTheExcludedSocket() {
        try (PusherSocket one = connect(); PusherSocket two = connect()) {
            for (PusherSocket s : List.of(one, two)) {
                s.send(subscribe("a", null, null));
                s.next();
                s.send(subscribe("b", null, null));
                s.next();
            }
            server.node().pusherChannels().publish(APP, List.of("a", "b"), "e", "{}", Optional.of(two.socketId()));
            assertEquals(List.of(q("{'event':'e','channel':'a','data':'{}'}")), one.sync());
            assertEquals(List.of(), two.sync());
        }
    }
}
