package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.pusher.ws.PusherProtocolTest.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Two nodes on one real PostgreSQL, driven with raw Pusher frames: a presence channel has one member list whichever
 * node each member is connected to. The merge rules themselves are pinned without a database by
 * {@link ChannelsClusterTest}.
 */
class PusherClusterTest {
    private static final PusherApp APP = new PusherApp("app-1", "key-1", "secret-of-app-1");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static TestServer a;
    private static TestServer b;
    private static int nextChannel;

    private final List<PusherSocket> sockets = new ArrayList<>();

    @BeforeAll
    static void startNodes() {
        DatabaseUrl database = TestDatabases.createDatabase();
        a = TestServer.start(database, env("node-a"));
        b = TestServer.start(database, env("node-b"));
    }

    private static Map<String, String> env(String nodeId) {
        return Map.of("NODE_ID", nodeId, "PUSHER_APP_ID", APP.id(), "PUSHER_APP_KEY", APP.key(),
                "PUSHER_APP_SECRET", APP.secret());
    }

    @AfterAll
    static void stopNodes() {
        for (TestServer node : new TestServer[] {a, b}) {
            if (node != null) {
                node.close();
            }
        }
    }

    @AfterEach
    void closeSockets() {
        sockets.forEach(PusherSocket::close);
    }

    private static synchronized String channel() {
        return "presence-cluster." + ++nextChannel;
    }

    private PusherSocket connect(TestServer node) {
        PusherSocket socket = PusherSocket.connect(node.port(), APP.key());
        sockets.add(socket);
        return socket;
    }

    /** Joins a presence channel as {@code userId} named {@code name}; returns its subscription_succeeded. */
    private static String join(PusherSocket socket, String channel, String userId, String name) {
        String channelData = q("{'user_id':'" + userId + "','user_info':{'name':'" + name + "'}}");
        String auth = APP.key() + ":" + APP.sign(socket.socketId() + ":" + channel + ":" + channelData);
        socket.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\"" + auth
                + "\",\"channel_data\":" + TextNode.valueOf(channelData) + "}}");
        return socket.awaitContaining("subscription_succeeded");
    }

    private static void leave(PusherSocket socket, String channel) {
        socket.send(q("{'event':'pusher:unsubscribe','data':{'channel':'" + channel + "'}}"));
    }

    private static String added(String channel, String userId, String name) {
        return q("{'event':'pusher_internal:member_added','channel':'" + channel + "','data':'{\\'user_id\\':\\'"
                + userId + "\\',\\'user_info\\':{\\'name\\':\\'" + name + "\\'}}'}");
    }

    private static String removed(String channel, String userId) {
        return q("{'event':'pusher_internal:member_removed','channel':'" + channel + "','data':'{\\'user_id\\':\\'"
                + userId + "\\'}'}");
    }

    /** The user ids of a presence channel, by the HTTP API of {@code node}, signed as the server SDKs sign. */
    private static Set<String> users(TestServer node, String channel) throws Exception {
        String path = "/apps/" + APP.id() + "/channels/" + channel + "/users";
        String query = "auth_key=" + APP.key() + "&auth_timestamp=" + Instant.now().getEpochSecond()
                + "&auth_version=1.0";
        query += "&auth_signature=" + APP.sign("GET\n" + path + "\n" + query);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.port() + path + "?" + query)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        Set<String> ids = new TreeSet<>();
        for (JsonNode user : MAPPER.readTree(response.body()).path("users")) {
            ids.add(user.path("id").asText());
        }
        return ids;
    }

    /** Waits until the HTTP API of {@code node} lists exactly {@code expected} on the channel. */
    private static void awaitUsers(TestServer node, String channel, Set<String> expected) throws Exception {
        long deadline = System.nanoTime() + PusherSocket.PATIENCE.toNanos();
        Set<String> seen = users(node, channel);
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
            seen = users(node, channel);
        }
        assertEquals(expected, seen);
    }

    @Test
    void aMemberOnOneNodeIsInSubscriptionSucceededOnTheOther() throws Exception {
        String channel = channel();
        join(connect(a), channel, "1", "Ann");
        awaitUsers(b, channel, Set.of("1"));
        String succeeded = join(connect(b), channel, "2", "Bob");
        assertEquals(q("{'event':'pusher_internal:subscription_succeeded','channel':'" + channel + "','data':"
                + "'{\\'presence\\':{\\'count\\':2,\\'ids\\':[\\'2\\',\\'1\\'],\\'hash\\':{\\'2\\':{\\'name\\':"
                + "\\'Bob\\'},\\'1\\':{\\'name\\':\\'Ann\\'}}}}'}"), succeeded);
    }

    @Test
    void memberAddedAndRemovedReachTheOtherNodeOncePerUserAcrossNodes() throws Exception {
        String channel = channel();
        PusherSocket bob = connect(b);
        join(bob, channel, "2", "Bob");
        PusherSocket annOnA = connect(a);
        join(annOnA, channel, "1", "Ann");
        assertEquals(added(channel, "1", "Ann"), bob.awaitContaining("member_added"));

        PusherSocket annOnB = connect(b);
        join(annOnB, channel, "1", "Ann");
        awaitUsers(a, channel, Set.of("1", "2"));
        leave(annOnA, channel);
        // Carol joins on node A after Ann left it: node B hears node A's changes in order, so once Bob sees Carol
        // he would have seen Ann leave.
        join(connect(a), channel, "3", "Carol");
        String next = bob.awaitContaining("member_");
        assertEquals(added(channel, "3", "Carol"), next, "Ann is still connected to node B: not removed");
        assertFalse(bob.sync().stream().anyMatch(f -> f.contains("member_")));

        leave(annOnB, channel);
        assertEquals(removed(channel, "1"), bob.awaitContaining("member_removed"));
        awaitUsers(a, channel, Set.of("2", "3"));
    }

    @Test
    void theUsersOfThePusherHttpApiAreTheSameOnEveryNode() throws Exception {
        String channel = channel();
        join(connect(a), channel, "1", "Ann");
        join(connect(b), channel, "2", "Bob");
        awaitUsers(a, channel, Set.of("1", "2"));
        awaitUsers(b, channel, Set.of("1", "2"));
    }

    @Test
    void aClosedConnectionOnOneNodeRemovesItsUserOnTheOther() throws Exception {
        String channel = channel();
        PusherSocket bob = connect(b);
        join(bob, channel, "2", "Bob");
        PusherSocket ann = connect(a);
        join(ann, channel, "1", "Ann");
        bob.awaitContaining("member_added");
        ann.close();
        assertEquals(removed(channel, "1"), bob.awaitContaining("member_removed"));
    }
}
