package dev.switchboard.ws;

import dev.switchboard.testing.ManualClock;
import jakarta.websocket.CloseReason;
import org.glassfish.tyrus.spi.Connection;
import org.glassfish.tyrus.spi.ReadHandler;
import org.glassfish.tyrus.spi.Writer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The read side of a graceful close: how the frame guard feeds {@link SocketWire} and Tyrus around a close. */
class LingeringReadTest {
    final Random random = new Random(7);
    final ManualClock clock = new ManualClock();
    final SocketWireTest.FakeNetwork network = new SocketWireTest.FakeNetwork();
    final SocketWire wire = new SocketWire(network, clock, Duration.ofSeconds(3));
    /** What reached Tyrus, chunk by chunk. */
    final List<Integer> tyrusChunks = new ArrayList<>();
    final FrameSizeGuard.GuardedReadHandler guard = new FrameSizeGuard.GuardedReadHandler(new Connection() {
        @Override
        public ReadHandler getReadHandler() {
            return data -> {
                tyrusChunks.add(data.remaining());
                data.position(data.limit());
            };
        }

        @Override
        public Writer getWriter() {
            return wire;
        }

        @Override
        public CloseListener getCloseListener() {
            return null;
        }

        @Override
        public void close(CloseReason reason) {
        }
    }, wire, 1024);

    private byte[] text() {
        return FrameSizeGuardTest.clientFrame(FrameSizeGuardTest.TEXT, "{\"type\":\"ping\"}".getBytes(), true, random);
    }

    private byte[] close() {
        return FrameSizeGuardTest.clientFrame(FrameSizeGuardTest.CLOSE, new byte[] {0x03, (byte) 0xE8}, true, random);
    }

    @Test
    void whileOpenEverythingReachesTyrus() {
        guard.handle(ByteBuffer.wrap(text()));
        guard.handle(ByteBuffer.wrap(text()));
        assertEquals(2, tyrusChunks.size());
        assertEquals(0, network.closes);
    }

    @Test
    void whileLingeringTheClientsInputIsDroppedUntilItsCloseFrameWhichClosesTheSocket() {
        wire.close(); // Tyrus is done: the server's close frame went out
        guard.handle(ByteBuffer.wrap(text()));
        guard.handle(ByteBuffer.wrap(FrameSizeGuardTest.concat(text(), text())));
        assertEquals(List.of(), tyrusChunks, "Tyrus no longer reads");
        assertEquals(0, network.closes, "still waiting for the client's close frame");
        guard.handle(ByteBuffer.wrap(FrameSizeGuardTest.concat(text(), close())));
        assertEquals(1, network.closes);
        assertEquals(List.of(), tyrusChunks);
    }

    @Test
    void aCloseFrameFromTheClientMakesTheAnsweringCloseImmediate() {
        guard.handle(ByteBuffer.wrap(close()));
        assertEquals(1, tyrusChunks.size(), "Tyrus answers the close");
        wire.close(); // what Tyrus does once it has answered
        assertEquals(1, network.closes, "no linger for a close the client started");
        assertEquals(0, clock.pending());
    }
}
