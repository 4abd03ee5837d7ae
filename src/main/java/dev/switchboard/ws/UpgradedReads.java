package dev.switchboard.ws;

import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpServerFilter;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.memory.ByteBufferArray;
import org.glassfish.tyrus.container.grizzly.client.TaskProcessor;
import org.glassfish.tyrus.spi.ReadHandler;

import java.nio.ByteBuffer;

/**
 * Takes upgraded connections off the HTTP codec, so that an idle WebSocket does not keep its upgrade request alive.
 *
 * <p>Left alone, Grizzly's HTTP codec treats everything a WebSocket client sends after the upgrade as the body of
 * the upgrade request, so it keeps that request (its parsed headers, URI, response and their buffers, about 12 KB)
 * attached to the connection for as long as the socket lives, and parses each read through it. Tyrus only needs the
 * raw bytes. This filter sits just ahead of the codec: once Tyrus's filter has upgraded a connection, the
 * connection's reads go from here straight to its Tyrus read handler, in the same per-connection order Tyrus uses,
 * and the codec's request is dropped from the connection as soon as the upgrade's read is done.
 *
 * <p>It finds Tyrus's per-connection state by the attribute names Tyrus's Grizzly filter registers (Grizzly returns
 * the same attribute for the same name). Were those names ever to change, {@link #engaged} would stay false and
 * connections would take the codec's path as before: more memory, same behaviour.
 */
public final class UpgradedReads extends BaseFilter implements AddOn {
    private static final String TYRUS_FILTER = "org.glassfish.tyrus.container.grizzly.server.GrizzlyServerFilter";
    /** Tyrus's connection for an upgraded Grizzly connection, set by its filter at the upgrade. */
    private static final Attribute<org.glassfish.tyrus.spi.Connection> TYRUS_CONNECTION =
            Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(TYRUS_FILTER + ".Connection");
    /** Serialises a connection's reads with its close, as Tyrus's filter does. */
    private static final Attribute<TaskProcessor> TASK_PROCESSOR =
            Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(TaskProcessor.class.getName() + ".TaskProcessor");
    /** The request the HTTP codec is parsing on a connection; for an upgraded one, the upgrade request. */
    private static final Attribute<Object> CODEC_REQUEST =
            Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(HttpServerFilter.HTTP_SERVER_REQUEST_ATTR_NAME);

    /** Set once, by the first read that bypassed the codec: not written on every read. */
    private volatile boolean engaged;
    private final java.util.concurrent.atomic.AtomicLong released = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public void setup(NetworkListener networkListener, FilterChainBuilder builder) {
        int codec = builder.indexOfType(HttpServerFilter.class);
        if (codec < 0) {
            throw new IllegalStateException("no HTTP codec in the chain");
        }
        builder.add(codec, this);
    }

    /** Whether at least one upgraded connection's reads have bypassed the HTTP codec (for tests). */
    boolean engaged() {
        return engaged;
    }

    /** Upgrade requests dropped from their connections so far (for tests). */
    long released() {
        return released.get();
    }

    @Override
    public NextAction handleRead(FilterChainContext ctx) {
        Connection<?> connection = ctx.getConnection();
        org.glassfish.tyrus.spi.Connection tyrus = TYRUS_CONNECTION.get(connection);
        TaskProcessor reads = TASK_PROCESSOR.get(connection);
        if (tyrus == null || reads == null) {
            // Plain HTTP, or a handshake: the codec's. If this read upgrades the connection, the codec is done with
            // its request once the read has been handled.
            ctx.addCompletionListener(done -> releaseIfUpgraded(connection));
            return ctx.getInvokeAction();
        }
        if (!engaged) {
            engaged = true;
        }
        Buffer buffer = ctx.getMessage();
        if (buffer.hasRemaining()) {
            ReadHandler handler = tyrus.getReadHandler();
            if (!buffer.isComposite()) {
                reads.processTask(new Read(buffer.toByteBuffer(), handler));
            } else {
                ByteBufferArray parts = buffer.toByteBufferArray();
                ByteBuffer[] array = parts.getArray();
                for (int i = 0; i < parts.size(); i++) {
                    reads.processTask(new Read(array[i], handler));
                }
                parts.recycle();
            }
        }
        return ctx.getStopAction();
    }

    private void releaseIfUpgraded(Connection<?> connection) {
        if (TYRUS_CONNECTION.isSet(connection) && CODEC_REQUEST.isSet(connection)) {
            // Not recycled: the 101 response may still sit in the write queue. The garbage collector takes it.
            CODEC_REQUEST.remove(connection);
            released.incrementAndGet();
        }
    }

    private static final class Read extends TaskProcessor.Task {
        private final ByteBuffer bytes;
        private final ReadHandler handler;

        Read(ByteBuffer bytes, ReadHandler handler) {
            this.bytes = bytes;
            this.handler = handler;
        }

        @Override
        public void execute() {
            handler.handle(bytes);
        }
    }
}
