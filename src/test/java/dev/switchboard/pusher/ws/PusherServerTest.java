package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.config.PusherConfig;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.testing.ManualClock;
import dev.switchboard.ws.OutboundQueue;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.switchboard.pusher.ws.PusherProtocolTest.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection logic on fake transports and a manual clock: the activity check and the client-event budget. */
class PusherServerTest {
    private static final PusherApp APP = new PusherApp("1", "key", "secret-of-app");
    private final ManualClock clock = new ManualClock();
    private final PusherServer server = new PusherServer(
            new PusherConfig(List.of(APP), false, 10_000, 100, 100, true, 2, Duration.ofSeconds(30)),
            new ObjectMapper(), clock, Runnable::run, new OutboundQueue.Limits(100, 1000, 1 << 20, 1 << 22,
            Duration.ofSeconds(10).toNanos()), NodeMetrics.detached());

    private FakeTransport connect() {
        FakeTransport transport = new FakeTransport();
        transport.connection = server.open(transport, APP.key(), "7");
        assertTrue(transport.take().get(0).contains("connection_established"));
        return transport;
    }

    private void tick(Duration by) {
        clock.advance(by);
        server.heartbeat();
    }

    @Test
    void silentConnectionIsPingedAfterTheActivityTimeoutAndClosedWith4201WhenItStaysSilent() {
        FakeTransport client = connect();
        tick(Duration.ofSeconds(29));
        assertEquals(List.of(), client.take(), "not yet silent for the activity timeout");
        tick(Duration.ofSeconds(1));
        assertEquals(List.of(q("{'event':'pusher:ping','data':'{}'}")), client.take());
        tick(Duration.ofSeconds(29));
        assertEquals(List.of(), client.take(), "the pong wait is not over");
        tick(Duration.ofSeconds(1));
        assertEquals(List.of(q("{'event':'pusher:error','data':{'code':4201,'message':'Pong reply not received'}}")),
                client.take());
        assertEquals(4201, client.closeCode());
        assertEquals(0, server.connectionCount());
    }

    @Test
    void peerThatStoppedReadingIsDroppedOnePongWaitAfterItsClose() {
        FakeTransport client = connect();
        client.stalled = true;
        tick(Duration.ofSeconds(30));
        tick(Duration.ofSeconds(30));
        assertEquals(-1, client.closeCode(), "the error and close wait behind a send that never ends");
        tick(Duration.ofSeconds(29));
        assertEquals(-1, client.closeCode());
        tick(Duration.ofSeconds(1));
        assertEquals(4201, client.closeCode());
        assertEquals(0, server.openConnections());
    }

    @Test
    void anyMessageAfterThePingKeepsTheConnectionOpen() {
        FakeTransport client = connect();
        tick(Duration.ofSeconds(30));
        client.take();
        clock.advance(Duration.ofSeconds(10));
        client.connection.onText(q("{'event':'pusher:pong','data':{}}"));
        tick(Duration.ofSeconds(25));
        assertEquals(List.of(), client.take());
        assertEquals(-1, client.closeCode());
        tick(Duration.ofSeconds(5));
        assertEquals(List.of(q("{'event':'pusher:ping','data':'{}'}")), client.take(),
                "pinged again once silent for the activity timeout since the pong");
    }

    @Test
    void webSocketPongCountsAsActivityToo() {
        FakeTransport client = connect();
        tick(Duration.ofSeconds(30));
        client.take();
        client.connection.onPong();
        tick(Duration.ofSeconds(29));
        assertEquals(-1, client.closeCode());
    }

    @Test
    void clientEventBudgetRefillsWithTime() {
        FakeTransport sender = connect();
        FakeTransport receiver = connect();
        String channel = "private-budget";
        for (FakeTransport t : List.of(sender, receiver)) {
            t.connection.onText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel
                    + "\",\"auth\":\"key:" + APP.sign(t.connection.socketId() + ":" + channel) + "\"}}");
            t.take();
        }
        String whisper = "{\"event\":\"client-x\",\"channel\":\"" + channel + "\",\"data\":{}}";
        sender.connection.onText(whisper);
        sender.connection.onText(whisper);
        sender.connection.onText(whisper);
        assertEquals(List.of(q("{'event':'pusher:error','data':{'code':4301,'message':'Rate limit exceeded'}}")),
                sender.take(), "two per second allowed, the third refused");
        assertEquals(2, receiver.take().size());
        clock.advance(Duration.ofMillis(499));
        sender.connection.onText(whisper);
        assertEquals(1, sender.take().size(), "not a whole token back yet");
        clock.advance(Duration.ofMillis(1));
        sender.connection.onText(whisper);
        assertEquals(List.of(), sender.take());
        assertEquals(1, receiver.take().size());
    }

    @Test
    void clientEventsSwitchedOffAreRefusedWith4301() {
        PusherServer off = new PusherServer(
                new PusherConfig(List.of(APP), false, 10_000, 100, 100, false, 10, Duration.ofSeconds(30)),
                new ObjectMapper(), clock, Runnable::run, new OutboundQueue.Limits(100, 1000, 1 << 20, 1 << 22, 1),
                NodeMetrics.detached());
        FakeTransport client = new FakeTransport();
        client.connection = off.open(client, APP.key(), "7");
        client.take();
        client.connection.onText("{\"event\":\"client-x\",\"channel\":\"private-a\",\"data\":{}}");
        assertEquals(List.of(q("{'event':'pusher:error','data':{'code':4301,'message':'The app does not have client"
                + " messaging enabled.'}}")), client.take());
    }

    @Test
    void shutdownClosesWith4200SoPusherJsReconnectsAtOnce() {
        FakeTransport client = connect();
        server.closeAll();
        assertEquals(4200, client.closeCode());
        assertEquals(0, server.openConnections());
    }

    @Test
    void channelLimitPerConnectionRefusesTheNextSubscription() {
        PusherServer small = new PusherServer(
                new PusherConfig(List.of(APP), false, 10_000, 2, 100, true, 10, Duration.ofSeconds(30)),
                new ObjectMapper(), clock, Runnable::run, new OutboundQueue.Limits(100, 1000, 1 << 20, 1 << 22, 1),
                NodeMetrics.detached());
        FakeTransport client = new FakeTransport();
        client.connection = small.open(client, APP.key(), "7");
        client.take();
        for (String channel : List.of("a", "b", "c")) {
            client.connection.onText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
        }
        List<String> frames = client.take();
        assertEquals(q("{'event':'pusher:subscription_error','channel':'c','data':{'type':'LimitReached','error':"
                + "'a connection may be subscribed to at most 2 channels','status':429}}"), frames.get(2));
        client.connection.onText(q("{'event':'pusher:unsubscribe','data':{'channel':'a'}}"));
        client.connection.onText(q("{'event':'pusher:subscribe','data':{'channel':'c'}}"));
        assertEquals(List.of(q("{'event':'pusher_internal:subscription_succeeded','channel':'c','data':'{}'}")),
                client.take(), "room again once one is left");
    }
}
