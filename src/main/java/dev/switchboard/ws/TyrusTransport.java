package dev.switchboard.ws;

import dev.switchboard.protocol.EncodedFrame;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import org.glassfish.tyrus.core.TyrusSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@link OutboundQueue.Transport} over a Tyrus connection: frames and pings go straight to its {@link SocketWire},
 * already encoded; the close goes through the Tyrus session, which tells the endpoint. Runs only on the writer
 * executor, where no lock of ours is held: Tyrus may call {@code onClose} synchronously inside {@code close()} or
 * inside a send that finds the connection reset, and that takes the trackers' locks.
 */
public final class TyrusTransport implements OutboundQueue.Transport {
    private static final Logger log = LoggerFactory.getLogger(TyrusTransport.class);

    private final Session session;
    private final SocketWire wire;

    private TyrusTransport(Session session, SocketWire wire) {
        this.session = session;
        this.wire = wire;
    }

    /**
     * The transport of a connection being opened: call it from an endpoint's {@code onOpen}, on the thread Tyrus
     * opens it on, where this connection's socket writer is known.
     *
     * @throws IllegalStateException when the session was not opened by {@link TyrusContainer}'s engine
     */
    public static TyrusTransport opening(Session session) {
        SocketWire wire = SocketWire.current();
        if (wire == null) {
            throw new IllegalStateException("opened outside TyrusContainer's engine: no SocketWire for "
                    + session.getId());
        }
        return new TyrusTransport(session, wire);
    }

    @Override
    public String remoteAddress() {
        return session instanceof TyrusSession tyrus ? tyrus.getRemoteAddr() : null;
    }

    @Override
    public void send(List<EncodedFrame> frames, Consumer<Throwable> done) {
        try {
            wire.writeFrames(frames, done);
        } catch (RuntimeException e) {
            // The network layer throws when the connection closed between queueing and sending.
            done.accept(e);
        }
    }

    @Override
    public void ping() {
        try {
            wire.ping();
        } catch (RuntimeException e) {
            log.debug("ping on {} failed: {}", session.getId(), e.toString());
        }
    }

    @Override
    public void close(int code, String reason) {
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
        } catch (IOException | RuntimeException e) {
            log.debug("close({}) failed: {}", code, e.toString());
        }
    }
}
