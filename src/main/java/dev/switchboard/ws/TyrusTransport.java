package dev.switchboard.ws;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/** {@link OutboundQueue.Transport} over a Tyrus session's asynchronous remote. */
final class TyrusTransport implements OutboundQueue.Transport {
    private static final Logger log = LoggerFactory.getLogger(TyrusTransport.class);

    private final Session session;
    private final Executor closer;

    /**
     * @param closer runs closes. Tyrus calls onClose synchronously inside {@code session.close()}, and onClose
     *               takes the presence and typing locks; a close run on the thread that happens to pump the queue
     *               (often one already inside a tracker's fan-out) could deadlock with another such thread.
     */
    TyrusTransport(Session session, Executor closer) {
        this.session = session;
        this.closer = closer;
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
    public void close(int code, String reason) {
        closer.execute(() -> {
            try {
                session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
            } catch (IOException | RuntimeException e) {
                log.debug("close({}) failed: {}", code, e.toString());
            }
        });
    }
}
