package dev.switchboard.ws;

import dev.switchboard.protocol.CloseCodes;
import dev.switchboard.time.Scheduler;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.tyrus.spi.Connection;
import org.glassfish.tyrus.spi.ReadHandler;
import org.glassfish.tyrus.spi.UpgradeRequest;
import org.glassfish.tyrus.spi.UpgradeResponse;
import org.glassfish.tyrus.spi.WebSocketEngine;
import org.glassfish.tyrus.spi.Writer;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Enforces {@code MAX_FRAME_BYTES} from each frame's header, before its payload is buffered. Tyrus on its own
 * only notices an oversized frame once its buffer overflows, and then closes with 1011; the protocol promises
 * 1009, and a client should not be able to make the server buffer megabytes first.
 *
 * <p>It also refuses unmasked client frames (1002), which RFC 6455 section 5.1 requires and Tyrus does not check.
 *
 * <p>Wraps Tyrus's engine at its service-provider interface: every upgraded connection's incoming bytes pass
 * through {@link GuardedReadHandler}, which tracks frame boundaries by reading only the length fields of RFC 6455
 * section 5.2. Decoding stays Tyrus's job.
 *
 * <p>Each connection's writer is wrapped in a {@link SocketWire}, which the same scan tells when the client's close
 * frame arrives and which, while a close of the server's lingers, gets the client's input instead of Tyrus.
 */
final class FrameSizeGuard implements WebSocketEngine {
    private final WebSocketEngine delegate;
    private final long maxPayload;
    private final Scheduler timers;
    private final Duration linger;

    /**
     * @param timers runs the linger timeouts of closing connections
     * @param linger how long a close the server started waits for the client's close frame
     */
    FrameSizeGuard(WebSocketEngine delegate, long maxPayload, Scheduler timers, Duration linger) {
        this.delegate = delegate;
        this.maxPayload = maxPayload;
        this.timers = timers;
        this.linger = linger;
    }

    @Override
    public UpgradeInfo upgrade(UpgradeRequest request, UpgradeResponse response) {
        UpgradeInfo info = delegate.upgrade(request, response);
        if (info.getStatus() != UpgradeStatus.SUCCESS) {
            return info;
        }
        return new UpgradeInfo() {
            @Override
            public UpgradeStatus getStatus() {
                return info.getStatus();
            }

            @Override
            public Connection createConnection(Writer writer, Connection.CloseListener closeListener) {
                SocketWire wire = new SocketWire(writer, timers, linger);
                Connection tyrus = SocketWire.opening(wire, () -> info.createConnection(wire, closeListener));
                return new GuardedConnection(tyrus, wire, maxPayload);
            }
        };
    }

    @Override
    public void register(Class<?> endpointClass, String contextPath) throws DeploymentException {
        delegate.register(endpointClass, contextPath);
    }

    @Override
    public void register(ServerEndpointConfig serverConfig, String contextPath) throws DeploymentException {
        delegate.register(serverConfig, contextPath);
    }

    private static final class GuardedConnection implements Connection {
        private final Connection delegate;
        private final ReadHandler readHandler;

        GuardedConnection(Connection delegate, SocketWire wire, long maxPayload) {
            this.delegate = delegate;
            this.readHandler = new GuardedReadHandler(delegate, wire, maxPayload);
        }

        @Override
        public ReadHandler getReadHandler() {
            return readHandler;
        }

        @Override
        public Writer getWriter() {
            return delegate.getWriter();
        }

        @Override
        public CloseListener getCloseListener() {
            return delegate.getCloseListener();
        }

        @Override
        public void close(CloseReason reason) {
            delegate.close(reason);
        }
    }

    /** Follows frame boundaries in the incoming byte stream; reads arrive one at a time per connection. */
    static final class GuardedReadHandler implements ReadHandler {
        private final Connection connection;
        private final SocketWire wire;
        private final long maxPayload;
        private final byte[] header = new byte[14];
        private int headerLength;
        private long payloadRemaining;
        private boolean rejected;
        /** Why {@link #scan} refused the stream: frame too big, or a frame the client did not mask. */
        private boolean unmasked;
        /** {@link #scan} has passed the header of a close frame. */
        private boolean closeSeen;

        /** @param wire told when the client's close frame arrives; null when nobody needs to know (tests) */
        GuardedReadHandler(Connection connection, SocketWire wire, long maxPayload) {
            this.connection = connection;
            this.wire = wire;
            this.maxPayload = maxPayload;
        }

        @Override
        public void handle(ByteBuffer data) {
            if (rejected) {
                return;
            }
            boolean readable = scan(data.duplicate());
            if (wire != null && wire.lingering()) {
                // Tyrus is done with this connection: read what the client still sends, and drop it.
                data.position(data.limit());
                if (closeSeen || !readable) {
                    wire.peerClosing();
                }
                return;
            }
            if (readable) {
                if (closeSeen && wire != null) {
                    // Before Tyrus sees it: its answer to the client's close closes the socket at once.
                    wire.peerClosing();
                }
                connection.getReadHandler().handle(data);
            } else {
                rejected = true;
                if (wire != null) {
                    wire.abandon();
                }
                connection.close(unmasked
                        ? new CloseReason(CloseReason.CloseCodes.PROTOCOL_ERROR, "client frames must be masked")
                        : new CloseReason(CloseReason.CloseCodes.getCloseCode(CloseCodes.MESSAGE_TOO_BIG),
                                "frame too big"));
            }
        }

        /** Consumes {@code view}; false as soon as a frame header declares too large a payload or no mask. */
        boolean scan(ByteBuffer view) {
            while (view.hasRemaining()) {
                if (payloadRemaining > 0) {
                    int skip = (int) Math.min(view.remaining(), payloadRemaining);
                    view.position(view.position() + skip);
                    payloadRemaining -= skip;
                    continue;
                }
                header[headerLength++] = view.get();
                int needed = headerSize();
                if (needed < 0 || headerLength < needed) {
                    continue;
                }
                long payload = payloadLength();
                headerLength = 0;
                if ((header[1] & 0x80) == 0) {
                    // RFC 6455 5.1: a server MUST close the connection on an unmasked client frame. Tyrus does not.
                    unmasked = true;
                    return false;
                }
                if (payload < 0 || payload > maxPayload) {
                    return false;
                }
                if ((header[0] & 0x0F) == 0x8) {
                    closeSeen = true;
                }
                payloadRemaining = payload;
            }
            return true;
        }

        /** Total header size once the first two bytes are known, else -1. */
        private int headerSize() {
            if (headerLength < 2) {
                return -1;
            }
            int length7 = header[1] & 0x7F;
            int extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
            int mask = (header[1] & 0x80) != 0 ? 4 : 0;
            return 2 + extended + mask;
        }

        private long payloadLength() {
            int length7 = header[1] & 0x7F;
            if (length7 < 126) {
                return length7;
            }
            if (length7 == 126) {
                return ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            }
            long length = 0;
            for (int i = 2; i < 10; i++) {
                length = (length << 8) | (header[i] & 0xFF);
            }
            return length; // negative when the top bit is set, which RFC 6455 forbids: rejected by the caller
        }
    }
}
