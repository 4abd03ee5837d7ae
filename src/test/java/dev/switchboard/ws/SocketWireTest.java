package dev.switchboard.ws;

import dev.switchboard.protocol.EncodedFrame;
import dev.switchboard.testing.ManualClock;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Writer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SocketWireTest {
    private static final Duration LINGER = Duration.ofSeconds(3);

    /** The network side: records each write's bytes and completes it when the test says so. */
    static final class FakeNetwork extends Writer {
        final List<byte[]> writes = new ArrayList<>();
        final List<CompletionHandler<ByteBuffer>> handlers = new ArrayList<>();
        int closes;

        @Override
        public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            writes.add(bytes);
            handlers.add(completionHandler);
        }

        @Override
        public void close() {
            closes++;
        }
    }

    final ManualClock clock = new ManualClock();
    final FakeNetwork network = new FakeNetwork();
    final SocketWire wire = new SocketWire(network, clock, LINGER);

    private static byte[] concat(EncodedFrame... frames) {
        ByteBuffer all = ByteBuffer.allocate(java.util.Arrays.stream(frames).mapToInt(EncodedFrame::wireSize).sum());
        for (EncodedFrame frame : frames) {
            frame.copyTo(all);
        }
        return all.array();
    }

    @Test
    void severalFramesGoOutInOneWriteInOrderAndCompleteOnce() {
        EncodedFrame a = EncodedFrame.of("{\"n\":1}");
        EncodedFrame b = EncodedFrame.of("{\"n\":2}");
        EncodedFrame c = EncodedFrame.of("{\"n\":3}");
        List<Throwable> done = new ArrayList<>();
        wire.writeFrames(List.of(a, b, c), done::add);
        assertEquals(1, network.writes.size(), "one socket write");
        assertEquals(java.util.Arrays.toString(concat(a, b, c)), java.util.Arrays.toString(network.writes.get(0)));
        assertTrue(done.isEmpty(), "not done before the network says so");
        network.handlers.get(0).completed(null);
        assertEquals(1, done.size());
        assertNull(done.get(0));
    }

    @Test
    void theSameFrameWrittenToTwoConnectionsGivesBothTheWholeFrame() {
        EncodedFrame shared = EncodedFrame.of("{\"event\":\"new_message\",\"id\":1,\"data\":{}}");
        FakeNetwork other = new FakeNetwork();
        SocketWire second = new SocketWire(other, clock, LINGER);
        wire.writeFrames(List.of(shared), failure -> { });
        second.writeFrames(List.of(shared), failure -> { });
        assertEquals(java.util.Arrays.toString(concat(shared)), java.util.Arrays.toString(network.writes.get(0)));
        assertEquals(java.util.Arrays.toString(concat(shared)), java.util.Arrays.toString(other.writes.get(0)));
    }

    @Test
    void aFailedWriteReportsItsFailure() {
        AtomicReference<Throwable> done = new AtomicReference<>();
        wire.writeFrames(List.of(EncodedFrame.of("{}")), done::set);
        IOException reset = new IOException("connection reset");
        network.handlers.get(0).failed(reset);
        assertSame(reset, done.get());
    }

    @Test
    void aCloseTheServerStartedLingersUntilTheClientsCloseFrame() {
        wire.close();
        assertEquals(0, network.closes, "the socket stays open for the client's close frame");
        assertTrue(wire.lingering());
        wire.peerClosing();
        assertEquals(1, network.closes);
        assertFalse(wire.lingering());
        assertEquals(0, clock.pending(), "the linger timer is cancelled");
    }

    @Test
    void aCloseTheServerStartedEndsAfterTheLingerWhenTheClientNeverAnswers() {
        wire.close();
        clock.advance(LINGER.minusMillis(1));
        assertEquals(0, network.closes);
        clock.advance(Duration.ofMillis(1));
        assertEquals(1, network.closes);
        wire.peerClosing();
        assertEquals(1, network.closes, "closed once");
    }

    @Test
    void aCloseAnsweringTheClientsCloseFrameClosesAtOnce() {
        wire.peerClosing();
        wire.close();
        assertEquals(1, network.closes);
        assertEquals(0, clock.pending());
    }

    @Test
    void aCloseAfterTheStreamWasRefusedDoesNotLinger() {
        wire.abandon();
        wire.close();
        assertEquals(1, network.closes);
    }

    @Test
    void nothingIsWrittenAfterTyrusWroteItsCloseFrame() {
        byte[] closeFrame = {(byte) 0x88, 2, 0x03, (byte) 0xF0}; // close, code 1008
        wire.write(ByteBuffer.wrap(closeFrame), null);
        AtomicReference<Throwable> done = new AtomicReference<>();
        wire.writeFrames(List.of(EncodedFrame.of("{}")), done::set);
        assertEquals(1, network.writes.size(), "only the close frame");
        assertNotNull(done.get(), "the late frame fails");
        wire.ping();
        assertEquals(1, network.writes.size(), "no ping after the close frame either");
    }

    @Test
    void aPingIsAnEmptyPingFrame() {
        wire.ping();
        assertEquals("[-119, 0]", java.util.Arrays.toString(network.writes.get(0)));
    }
}
