package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.ws.OutboundQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One pusher-js connection at {@code /app/{key}} and its protocol: the handshake, subscriptions and their
 * authorisation, client events, sign-in and the activity check. Every refusal becomes the {@code pusher:error}
 * or {@code pusher:subscription_error} pusher-js acts on; nothing a client sends can throw past this class.
 *
 * <p>Tyrus hands it one message at a time; the heartbeat runs on the timer thread and only reads the volatile
 * fields. Frames are only queued ({@link OutboundQueue}), so no socket is written on either thread.
 */
final class PusherConnection implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(PusherConnection.class);
    private static final int MIN_PROTOCOL = 5;
    private static final int MAX_PROTOCOL = 7;

    private final PusherServer server;
    private final OutboundQueue out;
    private final String socketId;
    /** Null when the key named no app: the connection is being refused. */
    private final PusherApp app;
    private final ClientEventBudget budget;

    private volatile long lastSeen;
    /** When the server pinged the silent connection; 0 while it is not waiting for an answer. */
    private volatile long pingSentAt;
    private volatile boolean closing;
    /** When the server queued its close, and with which code; 0 when it has not (or has dropped the peer). */
    private volatile long closingSince;
    private volatile int closingCode;
    private volatile String signedInUser;

    PusherConnection(PusherServer server, OutboundQueue.Transport transport, PusherApp app, String socketId) {
        this.server = server;
        this.app = app;
        this.socketId = socketId;
        long now = server.time().nanoTime();
        this.out = new OutboundQueue(transport, server.writers(), server.queueLimits(), server.time()::nanoTime,
                this::overflowed, server.metrics());
        this.budget = new ClientEventBudget(server.config().clientEventsPerSecond(), now);
        this.lastSeen = now;
    }

    /**
     * Greets the client, or refuses it: an unknown key with 4001, a missing or unsupported protocol version with
     * 4008 or 4007, each as a {@code pusher:error} followed by a close with the same code.
     *
     * @param protocol the {@code protocol} query parameter, or null
     */
    void opened(String protocol) {
        if (app == null) {
            refuse(PusherCodes.APP_NOT_FOUND, "Application does not exist");
            return;
        }
        if (protocol == null || protocol.isBlank()) {
            refuse(PusherCodes.NO_PROTOCOL, "No protocol version supplied");
            return;
        }
        if (!supported(protocol)) {
            refuse(PusherCodes.UNSUPPORTED_PROTOCOL, "Unsupported protocol version " + protocol);
            return;
        }
        out.offer(server.frames().connectionEstablished(socketId,
                server.config().activityTimeout().toSeconds()));
        server.channels().connected(this);
    }

    /** A text message from the client. */
    void onText(String text) {
        touch();
        if (closing || app == null) {
            return;
        }
        try {
            if (text.length() > server.config().maxMessageBytes()
                    || text.getBytes(StandardCharsets.UTF_8).length > server.config().maxMessageBytes()) {
                // Tyrus holds whole messages to the same limit; this catches one of multi-byte characters.
                closing = true;
                out.closeAfterFlush(PusherCodes.MESSAGE_TOO_BIG, "Message too large");
                return;
            }
            JsonNode message;
            try {
                message = server.mapper().readTree(text);
            } catch (JsonProcessingException e) {
                invalid();
                return;
            }
            if (message == null || !message.isObject() || !message.path("event").isTextual()) {
                invalid();
                return;
            }
            handle(message.get("event").asText(), message);
        } catch (RuntimeException e) {
            // A bug of ours must not kill the connection or leak details.
            log.error("Unexpected failure handling a Pusher message on {}", socketId, e);
            invalid();
        }
    }

    /** A binary message: not part of the protocol. */
    void onBinary() {
        touch();
        if (!closing && app != null) {
            invalid();
        }
    }

    /** A WebSocket pong, which proves the peer alive like any message. */
    void onPong() {
        touch();
    }

    /** The connection is closed, by either side. */
    void closed() {
        closing = true;
        out.discard();
        server.forget(this);
        if (app != null) {
            server.channels().disconnected(this);
        }
    }

    /**
     * Pings a connection silent for the activity timeout, and closes one that has not answered within the pong
     * wait with 4201 (pusher-js reconnects at once). A peer that does not even take a close the server queued
     * (it stopped reading, or its host is gone) is dropped one pong wait later.
     */
    void heartbeat(long now) {
        long pongWait = server.pongWait().toNanos();
        if (closing) {
            long since = closingSince;
            if (since != 0 && now - since >= pongWait) {
                closingSince = 0;
                out.closeNow(closingCode, "Closed without waiting for the peer");
            }
            return;
        }
        if (app == null) {
            return;
        }
        long pinged = pingSentAt;
        if (pinged == 0) {
            if (now - lastSeen >= server.config().activityTimeout().toNanos()) {
                pingSentAt = now;
                out.offer(server.frames().ping());
            }
        } else if (now - pinged >= pongWait) {
            refuse(PusherCodes.PONG_NOT_RECEIVED, "Pong reply not received");
        }
    }

    /** Closes with {@code code} after every frame already queued, at shutdown. */
    void closeAfterFlush(int code, String reason) {
        closingSoon(code);
        out.closeAfterFlush(code, reason);
    }

    @Override
    public String socketId() {
        return socketId;
    }

    @Override
    public PusherApp app() {
        return app;
    }

    @Override
    public Optional<String> signedInUser() {
        return Optional.ofNullable(signedInUser);
    }

    @Override
    public void send(String frame) {
        out.offer(frame);
    }

    @Override
    public void terminate(int code, String message) {
        refuse(code, message);
    }

    @Override
    public String toString() {
        return socketId;
    }

    private void handle(String event, JsonNode message) {
        if (event.startsWith("pusher:")) {
            JsonNode data = data(message);
            switch (event) {
                case "pusher:ping" -> out.offer(server.frames().pong());
                case "pusher:pong" -> {
                    // touch() has already recorded it
                }
                case "pusher:subscribe" -> subscribe(data);
                case "pusher:unsubscribe" -> unsubscribe(data);
                case "pusher:signin" -> signin(data);
                default -> invalid();
            }
        } else if (event.startsWith("client-")) {
            clientEvent(event, message);
        }
        // Other events are ignored, as Pusher and Reverb do.
    }

    private void subscribe(JsonNode data) {
        String name = text(data, "channel");
        if (name == null) {
            invalid();
            return;
        }
        Optional<ChannelName> parsed = ChannelName.parse(name);
        if (parsed.isEmpty()) {
            subscriptionError(name, "InvalidChannel", "Invalid channel name", 400);
            return;
        }
        ChannelName channel = parsed.get();
        switch (channel.kind()) {
            case PUBLIC -> server.channels().subscribe(this, channel, null);
            case USER -> {
                if (!channel.userId().equals(signedInUser)) {
                    subscriptionError(name, "AuthError", "Sign in as this user first", 401);
                    return;
                }
                server.channels().subscribe(this, channel, null);
            }
            case PRIVATE, ENCRYPTED -> {
                if (!authorised(socketId + ":" + name, text(data, "auth"))) {
                    subscriptionError(name, "AuthError", "Invalid signature for " + name, 401);
                    return;
                }
                server.channels().subscribe(this, channel, null);
            }
            case PRESENCE -> presence(channel, data);
        }
    }

    /**
     * A presence subscription: the signature covers {@code channel_data} exactly as received, so it is verified
     * before being parsed, and never re-encoded.
     */
    private void presence(ChannelName channel, JsonNode data) {
        String name = channel.name();
        String channelData = text(data, "channel_data");
        if (channelData == null || !authorised(socketId + ":" + name + ":" + channelData, text(data, "auth"))) {
            subscriptionError(name, "AuthError", "Invalid signature for " + name, 401);
            return;
        }
        JsonNode member;
        try {
            member = server.mapper().readTree(channelData);
        } catch (JsonProcessingException e) {
            member = null;
        }
        JsonNode userId = member == null ? null : member.get("user_id");
        if (userId == null || !(userId.isTextual() || userId.isIntegralNumber()) || userId.asText().isEmpty()) {
            subscriptionError(name, "AuthError", "channel_data must name a user_id", 401);
            return;
        }
        JsonNode info = member.get("user_info");
        server.channels().subscribe(this, channel, new Channels.Member(userId.asText(), info));
    }

    private void unsubscribe(JsonNode data) {
        String name = text(data, "channel");
        if (name == null) {
            invalid();
            return;
        }
        server.channels().unsubscribe(this, name);
    }

    /** User authentication: the backend signs {@code socket_id::user::user_data}, whose {@code id} is the user. */
    private void signin(JsonNode data) {
        String userData = text(data, "user_data");
        if (userData == null || !authorised(socketId + "::user::" + userData, text(data, "auth"))) {
            out.offer(server.frames().error(PusherCodes.UNAUTHORIZED, "Invalid signin signature"));
            return;
        }
        JsonNode user;
        try {
            user = server.mapper().readTree(userData);
        } catch (JsonProcessingException e) {
            user = null;
        }
        JsonNode id = user == null ? null : user.get("id");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            out.offer(server.frames().error(PusherCodes.UNAUTHORIZED, "user_data must have a string id"));
            return;
        }
        signedInUser = id.asText();
        out.offer(server.frames().signinSuccess(userData));
    }

    private void clientEvent(String event, JsonNode message) {
        String name = text(message, "channel");
        if (name == null) {
            invalid();
            return;
        }
        if (!server.config().clientEvents()) {
            out.offer(server.frames().error(PusherCodes.CLIENT_EVENT_REJECTED,
                    "The app does not have client messaging enabled."));
            return;
        }
        Optional<ChannelName> channel = ChannelName.parse(name);
        if (channel.isEmpty() || !channel.get().kind().allowsClientEvents()) {
            out.offer(server.frames().error(PusherCodes.UNAUTHORIZED,
                    "Client events are only allowed on private and presence channels."));
            return;
        }
        Optional<Channels.Member> member = server.channels().membership(this, name);
        if (member.isEmpty()) {
            out.offer(server.frames().error(PusherCodes.UNAUTHORIZED,
                    "The client is not a member of the specified channel."));
            return;
        }
        if (!budget.tryAcquire(server.time().nanoTime())) {
            out.offer(server.frames().error(PusherCodes.CLIENT_EVENT_REJECTED, "Rate limit exceeded"));
            return;
        }
        server.channels().relay(this, name,
                server.frames().clientEvent(name, event, message.get("data"), member.get().userId()));
    }

    /** {@code auth} is {@code key:signature}, the key this app's and the signature its HMAC of {@code text}. */
    private boolean authorised(String text, String auth) {
        if (auth == null) {
            return false;
        }
        int colon = auth.indexOf(':');
        if (colon < 0 || !auth.substring(0, colon).equals(app.key())) {
            return false;
        }
        return app.signatureMatches(text, auth.substring(colon + 1));
    }

    private void subscriptionError(String channel, String type, String error, int status) {
        // Through the directory, so it follows any frame already decided for this connection.
        server.channels().send(this, server.frames().subscriptionError(channel, type, error, status));
    }

    private void invalid() {
        out.offer(server.frames().error(PusherCodes.INVALID_MESSAGE, "Invalid message format"));
    }

    /** An error frame, then a close with the same code: pusher-js decides by the close code what to do next. */
    private void refuse(int code, String message) {
        closingSoon(code);
        out.offer(server.frames().error(code, message));
        out.closeAfterFlush(code, message);
    }

    private void closingSoon(int code) {
        closingCode = code;
        closingSince = server.time().nanoTime();
        closing = true;
    }

    private void overflowed(int queuedFrames, long queuedBytes) {
        log.info("Pusher connection {} closed: {} frames ({} bytes) queued", socketId, queuedFrames, queuedBytes);
        closing = true;
        // 4100-4199: pusher-js reconnects after a back-off, which is what a client that fell behind needs.
        out.closeNow(4100, "Over capacity: send queue full");
    }

    private void touch() {
        lastSeen = server.time().nanoTime();
        pingSentAt = 0;
    }

    /** pusher-js and Echo send {@code data} as an object; some clients send it as a JSON string. */
    private JsonNode data(JsonNode message) {
        JsonNode data = message.get("data");
        if (data != null && data.isTextual()) {
            try {
                return server.mapper().readTree(data.asText());
            } catch (JsonProcessingException e) {
                return null;
            }
        }
        return data;
    }

    private static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static boolean supported(String protocol) {
        try {
            int version = Integer.parseInt(protocol.trim());
            return version >= MIN_PROTOCOL && version <= MAX_PROTOCOL;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
