package dev.switchboard.ws;

import dev.switchboard.auth.Principal;
import dev.switchboard.auth.TokenRejectedException;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.protocol.ClientMessage;
import dev.switchboard.protocol.CloseCodes;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.routing.Recipient;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection and its protocol state machine: waiting for {@code auth}, then authenticated, then
 * closed. Every client message is handled here, and every refusal becomes the {@code error} event or close code
 * the protocol defines; nothing a client sends can throw past this class.
 */
final class ClientSession implements Recipient {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** Bounds the registry's memory per connection; a page needs a handful. */
    static final int MAX_SUBSCRIPTIONS = 1000;
    /** The send queue's hard cap, as a multiple of SEND_QUEUE_LIMIT: room for a burst, still a bound. */
    static final int HARD_LIMIT_FACTOR = 16;

    private final SessionServices services;
    private final Session session;
    private final String connectionId;
    private final TyrusTransport transport;
    private final OutboundQueue out;
    private final RateLimiter limiter;
    private final Object lifecycle = new Object();

    private volatile Principal principal;
    private volatile boolean closing;
    private volatile long lastSeen;
    private boolean closed;
    private boolean authTimedOut;
    private boolean forcedClose;
    private int subscriptionCount;
    private ScheduledFuture<?> authTimer;
    private ScheduledFuture<?> expiryTimer;

    ClientSession(SessionServices services, Session session) {
        this.services = services;
        this.session = session;
        this.connectionId = services.nodeId() + "-" + SEQUENCE.incrementAndGet();
        this.transport = new TyrusTransport(session, services.timers());
        this.out = new OutboundQueue(transport, services.sendQueueLimit(),
                HARD_LIMIT_FACTOR * services.sendQueueLimit(), services.slowConsumerTimeout().toNanos(),
                System::nanoTime, this::overflowed);
        long now = System.nanoTime();
        this.limiter = new RateLimiter(services.rateLimitPerSecond(), services.rateLimitBurst(), now);
        this.lastSeen = now;
    }

    /** Starts the auth timer; called once the WebSocket is open. */
    void opened() {
        services.sessions().add(this);
        synchronized (lifecycle) {
            authTimer = services.timers().schedule(this::authTimedOut,
                    services.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** A text frame from the client. */
    void onText(String text) {
        lastSeen = System.nanoTime();
        if (closing) {
            return;
        }
        try {
            if (!admit()) {
                return;
            }
            ClientMessage message;
            try {
                message = services.decoder().decode(text);
            } catch (ProtocolException e) {
                if (principal == null && e.request() != null && !"auth".equals(e.request())) {
                    // Before auth the only thing worth telling is to authenticate, whatever else is wrong.
                    send(services.frames().error(ErrorCode.UNAUTHENTICATED, "send auth first", e.request()));
                } else {
                    send(services.frames().error(e));
                }
                return;
            }
            handle(message);
        } catch (RuntimeException e) {
            // A bug of ours must not kill the connection or leak details: log it, answer with a generic error.
            log.error("Unexpected failure handling a message on {}", connectionId, e);
            send(services.frames().error(ErrorCode.INTERNAL_ERROR, "the server could not handle this message",
                    null));
        }
    }

    /** A binary frame: not part of the protocol, refused like malformed JSON. */
    void onBinary(ByteBuffer ignored) {
        lastSeen = System.nanoTime();
        if (!closing && admit()) {
            send(services.frames().error(ErrorCode.INVALID_JSON, "binary frames are not supported; send JSON text",
                    null));
        }
    }

    /** A pong to the server's heartbeat ping: proof the peer is alive. */
    void onPong() {
        lastSeen = System.nanoTime();
    }

    /** The connection is closed, by either side. */
    void closed(CloseReason reason) {
        Principal who;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            closing = true;
            if (authTimer != null) {
                authTimer.cancel(false);
            }
            if (expiryTimer != null) {
                expiryTimer.cancel(false);
            }
            who = principal;
        }
        out.discard();
        services.sessions().remove(this);
        if (who != null) {
            services.registry().unregister(this);
            services.typing().disconnected(this);
            services.presence().disconnected(this);
        }
        if (log.isDebugEnabled()) {
            log.debug("{} closed: {} {}", connectionId, reason.getCloseCode().getCode(), reason.getReasonPhrase());
        }
    }

    /** Queues a close behind the frames already queued. */
    void closeAfterFlush(int code, String reason) {
        closing = true;
        out.closeAfterFlush(code, reason);
    }

    /** Pings the peer, or closes the session when it has been silent too long. */
    void heartbeat(long now, long idleTimeoutNanos) {
        if (now - lastSeen > idleTimeoutNanos) {
            // Dropped at once, not after the queue: a half-open peer (a laptop gone to sleep) never finishes the
            // send in flight, and its agent must not stay "online" behind it. Also ends a close stuck that way.
            synchronized (lifecycle) {
                if (forcedClose || closed) {
                    return;
                }
                forcedClose = true;
            }
            log.debug("{} silent for too long, closing", connectionId);
            closing = true;
            out.discard();
            transport.close(CloseCodes.GOING_AWAY, "no heartbeat");
            return;
        }
        if (closing) {
            return;
        }
        try {
            session.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            log.debug("{} ping failed: {}", connectionId, e.toString());
        }
    }

    @Override
    public String connectionId() {
        return connectionId;
    }

    @Override
    public long userId() {
        Principal p = principal;
        return p == null ? 0 : p.userId();
    }

    @Override
    public boolean isStaff() {
        Principal p = principal;
        return p != null && p.role().isStaff();
    }

    @Override
    public void send(String frame) {
        out.offer(frame);
    }

    private boolean admit() {
        switch (limiter.acquire(System.nanoTime())) {
            case ALLOW:
                return true;
            case REFUSE_AND_WARN:
                send(services.frames().error(ErrorCode.RATE_LIMITED, "too many messages; this one was dropped",
                        null));
                return false;
            case FLOOD:
                log.info("{} closed for flooding (user {})", connectionId, userId());
                closeAfterFlush(CloseCodes.POLICY_VIOLATION, "rate limit exceeded");
                return false;
            default:
                return false;
        }
    }

    private void handle(ClientMessage message) {
        if (message instanceof ClientMessage.Auth) {
            authenticate((ClientMessage.Auth) message);
            return;
        }
        Principal who = principal;
        if (who == null) {
            send(services.frames().error(ErrorCode.UNAUTHENTICATED, "send auth first", message.type()));
            return;
        }
        if (message instanceof ClientMessage.Subscribe) {
            subscribe(who, ((ClientMessage.Subscribe) message).conversationId());
        } else if (message instanceof ClientMessage.Unsubscribe) {
            unsubscribe(((ClientMessage.Unsubscribe) message).conversationId());
        } else if (message instanceof ClientMessage.Typing) {
            ClientMessage.Typing typing = (ClientMessage.Typing) message;
            if (!who.mayAccess(typing.conversationId())) {
                forbidden(typing.conversationId(), "typing");
                return;
            }
            services.typing().typing(this, typing.conversationId(), typing.isTyping());
        } else if (message instanceof ClientMessage.Ping) {
            send(services.frames().pong(services.clock().instant()));
        }
    }

    private void authenticate(ClientMessage.Auth auth) {
        if (auth.token() == null) {
            reject("token is required: this server does not trust a bare user_id");
            return;
        }
        Principal verified;
        try {
            verified = services.verifier().verify(auth.token());
        } catch (TokenRejectedException e) {
            reject(e.getMessage());
            return;
        }
        if (auth.userId() != null && auth.userId() != verified.userId()) {
            reject("user_id does not match the token");
            return;
        }
        Principal current = principal;
        if (current != null) {
            reauthenticate(current, verified);
            return;
        }
        synchronized (lifecycle) {
            if (closed || authTimedOut) {
                return;
            }
            if (authTimer != null) {
                authTimer.cancel(false);
            }
            principal = verified;
            scheduleExpiry(verified);
            send(services.frames().authenticated(verified.userId(), verified.role().wireName(), connectionId));
            // Presence before the registry: the "online" broadcast goes to the other agents, and this
            // connection learns the full picture from its snapshot.
            services.presence().connected(this, verified.name());
            services.registry().register(this);
        }
        if (verified.role().isStaff()) {
            send(services.frames().presence(services.presence().snapshot()));
        }
        log.debug("{} authenticated as user {} ({})", connectionId, verified.userId(), verified.role().wireName());
    }

    /**
     * A fresh token on a live connection (e.g. before the old one expires). It must name the same user and
     * role; conversations a contact's new token no longer lists are unsubscribed.
     */
    private void reauthenticate(Principal current, Principal verified) {
        if (current.userId() != verified.userId() || current.role() != verified.role()) {
            reject("a connection cannot change its user or role; open a new one");
            return;
        }
        synchronized (lifecycle) {
            principal = verified;
            scheduleExpiry(verified);
        }
        if (!verified.role().isStaff()) {
            for (Long conversationId : Set.copyOf(current.conversations())) {
                if (!verified.mayAccess(conversationId) && services.registry().isSubscribed(this, conversationId)) {
                    unsubscribe(conversationId);
                }
            }
        }
        send(services.frames().authenticated(verified.userId(), verified.role().wireName(), connectionId));
    }

    private void subscribe(Principal who, long conversationId) {
        if (!who.mayAccess(conversationId)) {
            forbidden(conversationId, "subscribe");
            return;
        }
        if (!services.registry().isSubscribed(this, conversationId)) {
            synchronized (lifecycle) {
                if (subscriptionCount >= MAX_SUBSCRIPTIONS) {
                    send(services.frames().conversationError(ErrorCode.FORBIDDEN,
                            "subscription limit of " + MAX_SUBSCRIPTIONS + " conversations reached", "subscribe",
                            conversationId));
                    return;
                }
                if (services.registry().subscribe(this, conversationId)) {
                    subscriptionCount++;
                }
            }
        }
        send(services.frames().subscribed(conversationId));
    }

    private void unsubscribe(long conversationId) {
        if (services.registry().unsubscribe(this, conversationId)) {
            synchronized (lifecycle) {
                subscriptionCount--;
            }
        }
        services.typing().unsubscribed(this, conversationId);
        send(services.frames().unsubscribed(conversationId));
    }

    private void forbidden(long conversationId, String request) {
        send(services.frames().conversationError(ErrorCode.FORBIDDEN,
                "not allowed to access conversation " + conversationId, request, conversationId));
    }

    private void reject(String reason) {
        send(services.frames().error(ErrorCode.UNAUTHORIZED, reason, "auth"));
        closeAfterFlush(CloseCodes.UNAUTHORIZED, "unauthorized");
    }

    private void authTimedOut() {
        synchronized (lifecycle) {
            // Decided under the lock so an auth arriving at the same moment either wins or is refused, never both.
            if (principal != null || closed) {
                return;
            }
            authTimedOut = true;
        }
        send(services.frames().error(ErrorCode.UNAUTHORIZED,
                "no auth within " + services.authTimeout().toMillis() + " ms", null));
        closeAfterFlush(CloseCodes.UNAUTHORIZED, "authentication timeout");
    }

    /**
     * A connection lives no longer than its token: at {@code exp} (plus the clock skew the verifier allows) it is
     * closed with 4002 unless a fresh {@code auth} came first, so a revoked contact stops receiving. Called under
     * the lifecycle lock.
     */
    private void scheduleExpiry(Principal verified) {
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
        }
        long delay = Duration.between(services.clock().instant(), verified.expiresAt())
                .plus(TokenVerifier.CLOCK_SKEW).toMillis();
        expiryTimer = services.timers().schedule(() -> {
            if (principal == verified && !closing) {
                log.debug("{} token expired", connectionId);
                closeAfterFlush(CloseCodes.TOKEN_EXPIRED, "token expired");
            }
        }, Math.max(0, delay), TimeUnit.MILLISECONDS);
    }

    private void overflowed(int queued) {
        log.info("{} (user {}) fell {} frames behind; closing so it can reconnect", connectionId, userId(), queued);
        closing = true;
        // Noticed inside a fan-out; the transport closes on another thread (see TyrusTransport).
        transport.close(CloseCodes.TRY_AGAIN_LATER, "send queue full");
    }
}
