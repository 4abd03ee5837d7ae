package dev.switchboard.pusher.ws;

import dev.switchboard.ws.TyrusTransport;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.tyrus.core.WebSocketException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The Jakarta WebSocket endpoint at {@code /app/{key}} that pusher-js connects to: adapts Tyrus callbacks to a
 * {@link PusherConnection}. One instance per connection, created by {@link #config}.
 */
public final class PusherEndpoint extends Endpoint {
    /** The path pusher-js opens, {@code key} being the app key. */
    public static final String PATH = "/app/{key}";

    private static final Logger log = LoggerFactory.getLogger(PusherEndpoint.class);

    private final PusherServer server;
    private volatile PusherConnection connection;

    private PusherEndpoint(PusherServer server) {
        this.server = server;
    }

    /** The endpoint configuration to deploy: every connection gets its own endpoint bound to {@code server}. */
    public static ServerEndpointConfig config(PusherServer server) {
        return ServerEndpointConfig.Builder.create(PusherEndpoint.class, PATH)
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> endpointClass) {
                        return endpointClass.cast(new PusherEndpoint(server));
                    }
                })
                .build();
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        int max = server.config().maxMessageBytes();
        session.setMaxTextMessageBufferSize(max);
        session.setMaxBinaryMessageBufferSize(max);
        // Handlers first: a refused connection may already be closed by the writer when open() returns, and
        // Tyrus delivers no message before onOpen returns, so they never see a null connection.
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> connection.onText(text));
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) b -> connection.onBinary());
        session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) p -> connection.onPong());
        List<String> protocol = session.getRequestParameterMap().get("protocol");
        connection = server.open(TyrusTransport.opening(session), session.getPathParameters().get("key"),
                protocol == null || protocol.isEmpty() ? null : protocol.get(0));
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        if (connection != null) {
            connection.closed();
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        if (error instanceof WebSocketException e
                && e.getCloseReason().getCloseCode().getCode() == PusherCodes.MESSAGE_TOO_BIG) {
            // A message over PUSHER_MAX_MESSAGE_BYTES: closed with 1009, as Reverb does.
            try {
                if (session.isOpen()) {
                    session.close(new CloseReason(CloseReason.CloseCodes.TOO_BIG, "Message too large"));
                }
            } catch (IOException | RuntimeException ignored) {
                // already closing
            }
            return;
        }
        String id = connection == null ? session.getId() : connection.socketId();
        if (error instanceof IOException) {
            log.debug("I/O error on Pusher connection {}: {}", id, error.toString());
        } else {
            log.warn("WebSocket error on Pusher connection {}", id, error);
        }
    }
}
