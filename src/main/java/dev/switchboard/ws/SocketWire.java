package dev.switchboard.ws;

import dev.switchboard.protocol.EncodedFrame;
import dev.switchboard.time.Scheduler;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Writer;
import org.glassfish.tyrus.spi.WriterInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The byte side of one upgraded connection: the writer Tyrus is given for it, wrapping the network's own.
 *
 * <p>Two jobs. It lets the send queue write frames that were encoded once for every recipient
 * ({@link #writeFrames}), several at a time in one socket write, without Tyrus building and encoding a frame (and
 * rescheduling its idle timer) per recipient; Tyrus's own frames (pongs, close frames) still pass through it.
 *
 * <p>And it closes gracefully. Tyrus closes the socket as soon as it has queued a close frame of the server's; a
 * client still sending at that moment (a flood, a busy page) then has its data arrive at a closed socket, its kernel
 * receives a reset, and it drops the close frame it had not read yet, so it sees 1006 instead of the code it was
 * sent. Here, a close the server started lingers instead: what the client still sends is read and discarded
 * ({@link #lingering}) until its own close frame arrives or {@code linger} passes, and only then is the socket
 * closed. A close the client started (its close frame came first) closes at once, as RFC 6455 section 7.1.1 asks
 * of a server.
 */
final class SocketWire extends Writer {
    private static final Logger log = LoggerFactory.getLogger(SocketWire.class);
    /** The connection being set up on this thread, for the endpoint's {@code onOpen}: see {@link #opening}. */
    private static final ThreadLocal<SocketWire> OPENING = new ThreadLocal<>();
    /** An empty ping frame: FIN, opcode 9, no payload. */
    private static final byte[] PING = {(byte) 0x89, 0};

    private static final int OPEN = 0;
    private static final int LINGERING = 1;
    private static final int CLOSED = 2;

    private final Writer network;
    private final Scheduler timers;
    private final Duration linger;
    private final AtomicInteger state = new AtomicInteger(OPEN);
    /** A close frame went out: nothing may follow it. */
    private volatile boolean closeFrameSent;
    /** The client's close frame arrived, so the close that answers it need not wait for anything. */
    private volatile boolean peerClosing;
    /** The incoming stream was refused as unreadable: no point waiting for a close frame in it. */
    private volatile boolean abandoned;
    private volatile Scheduler.Timer lingerTimer;

    /**
     * @param network      the network's writer for this connection
     * @param timers       runs the linger timeouts
     * @param linger       how long a close the server started waits for the client's close frame
     */
    SocketWire(Writer network, Scheduler timers, Duration linger) {
        this.network = network;
        this.timers = timers;
        this.linger = linger;
    }

    /**
     * Runs {@code create} (which makes Tyrus open the connection and call the endpoint's {@code onOpen} on this
     * thread) with {@code wire} as this thread's {@link #current}: the standard WebSocket API gives an endpoint no
     * way to reach the connection under its session.
     */
    static <T> T opening(SocketWire wire, Supplier<T> create) {
        OPENING.set(wire);
        try {
            return create.get();
        } finally {
            OPENING.remove();
        }
    }

    /** The wire of the connection being opened on this thread, or null outside {@link #opening}. */
    static SocketWire current() {
        return OPENING.get();
    }

    /**
     * Writes the frames, in order, in one socket write, and calls {@code done} with {@code null} or the failure once
     * it has finished. Fails at once when the connection is closing.
     */
    void writeFrames(List<EncodedFrame> frames, Consumer<Throwable> done) {
        if (closeFrameSent || state.get() != OPEN) {
            done.accept(new IllegalStateException("the connection is closing"));
            return;
        }
        ByteBuffer bytes;
        if (frames.size() == 1) {
            bytes = frames.get(0).wire();
        } else {
            int total = 0;
            for (EncodedFrame frame : frames) {
                total += frame.wireSize();
            }
            bytes = ByteBuffer.allocate(total);
            for (EncodedFrame frame : frames) {
                frame.copyTo(bytes);
            }
            bytes.flip();
        }
        network.write(bytes, new CompletionHandler<>() {
            @Override
            public void completed(ByteBuffer result) {
                done.accept(null);
            }

            @Override
            public void failed(Throwable failure) {
                done.accept(failure);
            }

            @Override
            public void cancelled() {
                done.accept(new CancellationException("write cancelled"));
            }
        });
    }

    /** Sends an empty ping; the client's pong proves it alive. Nothing when the connection is closing. */
    void ping() {
        if (!closeFrameSent && state.get() == OPEN) {
            network.write(ByteBuffer.wrap(PING).asReadOnlyBuffer(), null);
        }
    }

    @Override
    public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler) {
        noteCloseFrame(buffer);
        network.write(buffer, completionHandler);
    }

    @Override
    public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler, WriterInfo writerInfo) {
        noteCloseFrame(buffer);
        network.write(buffer, completionHandler, writerInfo);
    }

    /**
     * Tyrus is done with the connection. Closes the socket after the frames already written, at once when the
     * client asked for the close, else once the client's close frame arrives or the linger time passes.
     */
    @Override
    public void close() {
        if (peerClosing || abandoned || !state.compareAndSet(OPEN, LINGERING)) {
            closeNow();
            return;
        }
        try {
            lingerTimer = timers.schedule(this::closeNow, linger);
        } catch (RejectedExecutionException shuttingDown) {
            closeNow();
        }
    }

    /** The client's close frame is arriving: a close of ours that is lingering ends now. */
    void peerClosing() {
        peerClosing = true;
        if (state.get() == LINGERING) {
            closeNow();
        }
    }

    /** The incoming stream was refused (too big, unmasked): the close that follows does not linger. */
    void abandon() {
        abandoned = true;
    }

    /** Whether the server's close frame is out and the client's input is being discarded until its own. */
    boolean lingering() {
        return state.get() == LINGERING;
    }

    /** Closes the socket now, after what is already written; idempotent. */
    void closeNow() {
        if (state.getAndSet(CLOSED) == CLOSED) {
            return;
        }
        Scheduler.Timer timer = lingerTimer;
        if (timer != null) {
            timer.cancel();
        }
        try {
            network.close();
        } catch (IOException | RuntimeException e) {
            log.debug("close failed: {}", e.toString());
        }
    }

    private void noteCloseFrame(ByteBuffer buffer) {
        // Tyrus hands over each frame whole, header first.
        if (buffer.remaining() > 0 && (buffer.get(buffer.position()) & 0x0F) == 0x8) {
            closeFrameSent = true;
        }
    }
}
