package dev.switchboard.ws;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import org.glassfish.tyrus.core.TyrusSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * {@link OutboundQueue.Transport} over a Tyrus session's asynchronous remote. Runs only on the writer executor,
 * where no lock of ours is held: Tyrus may call {@code onClose} synchronously inside {@code close()} or inside a
 * send that finds the connection reset, and that takes the trackers' locks.
 */
public final class TyrusTransport implements OutboundQueue.Transport {
    private static final Logger log = LoggerFactory.getLogger(TyrusTransport.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Session session;

    public TyrusTransport(Session session) {
        this.session = session;
    }

    @Override
    public String remoteAddress() {
        return session instanceof TyrusSession tyrus ? tyrus.getRemoteAddr() : null;
    }

    @Override
    public void send(String frame, Consumer<Throwable> done) {
        try {
            session.getAsyncRemote().sendText(frame, result -> done.accept(result.isOK() ? null : result.getException()));
        } catch (RuntimeException e) {
            // Tyrus throws when the session closed between queueing and sending.
            done.accept(e);
        }
    }

    @Override
    public void ping() {
        try {
            session.getAsyncRemote().sendPing(EMPTY.duplicate());
        } catch (IOException | RuntimeException e) {
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
