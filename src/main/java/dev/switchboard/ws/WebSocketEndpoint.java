package dev.switchboard.ws;

import dev.switchboard.protocol.CloseCodes;
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

/**
 * The Jakarta WebSocket endpoint at {@code /ws}: adapts Tyrus callbacks to a {@link ClientSession}. One instance
 * per connection, created by {@link #config}.
 */
public final class WebSocketEndpoint extends Endpoint {
    /** The path pages connect to. */
    public static final String PATH = "/ws";

    private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);

    private final RealtimeCore core;
    private ClientSession client;

    private WebSocketEndpoint(RealtimeCore core) {
        this.core = core;
    }

    /** The endpoint configuration to deploy: every connection gets its own endpoint bound to {@code core}. */
    public static ServerEndpointConfig config(RealtimeCore core) {
        return ServerEndpointConfig.Builder.create(WebSocketEndpoint.class, PATH)
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> endpointClass) {
                        return endpointClass.cast(new WebSocketEndpoint(core));
                    }
                })
                .build();
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        // Whole messages assembled from fragments are held to the same limit as single frames.
        int maxFrameBytes = core.settings().maxFrameBytes();
        session.setMaxTextMessageBufferSize(maxFrameBytes);
        session.setMaxBinaryMessageBufferSize(maxFrameBytes);
        // Registered and timed before any message can be handled.
        client = core.open(TyrusTransport.opening(session));
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) client::onText);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) bytes -> client.onBinary());
        session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) pong -> client.onPong());
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        if (client != null) {
            client.closed(closeReason.getCloseCode().getCode(), closeReason.getReasonPhrase());
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        if (error instanceof WebSocketException && ((WebSocketException) error).getCloseReason().getCloseCode()
                .getCode() == CloseCodes.MESSAGE_TOO_BIG) {
            // A message reassembled from fragments went over the limit; Tyrus has already closed with 1009.
            closeQuietly(session, CloseCodes.MESSAGE_TOO_BIG, "message too big");
            return;
        }
        String id = client == null ? session.getId() : client.connectionId();
        if (error instanceof IOException) {
            log.debug("I/O error on {}: {}", id, error.toString());
        } else {
            log.warn("WebSocket error on {}", id, error);
        }
    }

    private static void closeQuietly(Session session, int code, String reason) {
        try {
            if (session.isOpen()) {
                session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("close failed: {}", e.toString());
        }
    }
}
