package dev.switchboard.ws;

import dev.switchboard.auth.Principal;
import dev.switchboard.auth.Role;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.auth.TokenRejectedException;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.logging.EventLog;
import dev.switchboard.notifier.EventRecord;
import dev.switchboard.protocol.ClientMessage;
import dev.switchboard.protocol.EncodedFrame;
import dev.switchboard.protocol.CloseCodes;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.resume.Replay;
import dev.switchboard.resume.ResumeGate;
import dev.switchboard.resume.ResumeRequest;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.Feed;
import dev.switchboard.routing.Recipient;
import dev.switchboard.routing.Target;
import dev.switchboard.time.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * One client connection and its protocol state machine: waiting for {@code auth}, then authenticated, then
 * closed. Every client message is handled here, and every refusal becomes the {@code error} event or close code
 * the protocol defines; nothing a client sends can throw past this class.
 */
final class ClientSession {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final EventLog events = EventLog.of(ClientSession.class);
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** Bounds the registry's memory per connection; a page needs a handful. */
    static final int MAX_SUBSCRIPTIONS = 1000;
    /** The {@code resync_required} reason for a resume asked on a subscription that already exists. */
    static final String ALREADY_SUBSCRIBED = "already_subscribed";

    private final SessionServices services;
    private final String connectionId;
    /** The peer's IP, for log lines only; null when the transport cannot tell. */
    private final String remote;
    private final OutboundQueue out;
    private final RateLimiter limiter;
    /** Guards the fields below it; never held while calling out of this class (see RealtimeCore). */
    private final Object lifecycle = new Object();

    private volatile Principal principal;
    /** This connection as routing knows it; set once, at the first successful auth. */
    private volatile Member member;
    /** The epoch the client named in its first {@code auth}: what the ids of its subscribe resumes belong to. */
    private volatile String clientEpoch;
    private volatile boolean closing;
    private volatile long lastSeen;
    private boolean closed;
    private boolean authTimedOut;
    private boolean forcedClose;
    /** The member is in the registry and the trackers, so the close must take it out again. */
    private boolean joined;
    private Scheduler.Timer authTimer;
    private Scheduler.Timer expiryTimer;

    ClientSession(SessionServices services, OutboundQueue.Transport transport) {
        this.services = services;
        this.connectionId = services.nodeId() + "-" + SEQUENCE.incrementAndGet();
        this.remote = transport.remoteAddress();
        this.out = new OutboundQueue(transport, services.writers(), services.queueLimits(),
                services.time()::nanoTime, this::overflowed, services.metrics());
        long now = services.time().nanoTime();
        this.limiter = new RateLimiter(services.rateLimitPerSecond(), services.rateLimitBurst(), now);
        this.lastSeen = now;
    }

    /** Starts the auth timer; called once the WebSocket is open, before any message is handled. */
    void opened() {
        services.sessions().add(this);
        Scheduler.Timer timer = services.scheduler().schedule(this::authTimedOut, services.authTimeout());
        synchronized (lifecycle) {
            authTimer = timer;
        }
    }

    /** A text frame from the client. */
    void onText(String text) {
        lastSeen = services.time().nanoTime();
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
    void onBinary() {
        lastSeen = services.time().nanoTime();
        if (!closing && admit()) {
            send(services.frames().error(ErrorCode.INVALID_JSON, "binary frames are not supported; send JSON text",
                    null));
        }
    }

    /** A pong to the server's heartbeat ping: proof the peer is alive. */
    void onPong() {
        lastSeen = services.time().nanoTime();
    }

    /** The connection is closed, by either side. */
    void closed(int code, String reason) {
        Member leaving;
        Scheduler.Timer auth;
        Scheduler.Timer expiry;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            closing = true;
            auth = authTimer;
            expiry = expiryTimer;
            leaving = joined ? member : null;
        }
        cancel(auth);
        cancel(expiry);
        out.discard();
        services.sessions().remove(this);
        if (leaving != null) {
            leave(leaving);
        }
        log.debug("{} closed: {} {}", connectionId, code, reason);
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
            events.infoThrottled("connection_closed", "no_heartbeat", "code", CloseCodes.GOING_AWAY,
                    "connection", connectionId, "remote", remote, "user", userId());
            closing = true;
            out.closeNow(CloseCodes.GOING_AWAY, "no heartbeat");
            return;
        }
        if (!closing) {
            out.ping();
        }
    }

    /** Unique per connection across the cluster ({@code nodeId-n}). */
    String connectionId() {
        return connectionId;
    }

    /** Queues a frame for this connection; the writer sends it later. */
    void send(String frame) {
        out.offer(frame);
    }

    private boolean admit() {
        switch (limiter.acquire(services.time().nanoTime())) {
            case ALLOW:
                return true;
            case REFUSE_AND_WARN:
                services.metrics().rateLimited();
                send(services.frames().error(ErrorCode.RATE_LIMITED, "too many messages; this one was dropped",
                        null));
                return false;
            case FLOOD:
                services.metrics().floodClosed();
                events.infoThrottled("flood_closed", "rate_limit", "code", CloseCodes.POLICY_VIOLATION,
                        "connection", connectionId, "remote", remote, "user", userId());
                closeAfterFlush(CloseCodes.POLICY_VIOLATION, "rate limit exceeded");
                return false;
            default:
                services.metrics().rateLimited();
                return false;
        }
    }

    private void handle(ClientMessage message) {
        if (message instanceof ClientMessage.Auth auth) {
            authenticate(auth);
            return;
        }
        Principal who = principal;
        Member me = member;
        if (who == null || me == null) {
            send(services.frames().error(ErrorCode.UNAUTHENTICATED, "send auth first", message.type()));
            return;
        }
        if (message instanceof ClientMessage.Subscribe subscribe) {
            subscribe(who, me, subscribe);
        } else if (message instanceof ClientMessage.Unsubscribe unsubscribe) {
            unsubscribe(me, unsubscribe.conversationId());
        } else if (message instanceof ClientMessage.Typing typing) {
            if (!who.mayAccess(typing.conversationId())) {
                forbidden(typing.conversationId(), "typing");
                return;
            }
            services.typing().typing(me, typing.conversationId(), typing.isTyping());
        } else if (message instanceof ClientMessage.AdminSubscribe) {
            adminSubscribe(who, me);
        } else if (message instanceof ClientMessage.Ping) {
            send(services.frames().pong(services.time().now()));
        }
    }

    private void authenticate(ClientMessage.Auth auth) {
        if (auth.token() == null) {
            services.metrics().authFailed(NodeMetrics.AuthFailure.MISSING);
            reject("missing_token", "token is required: this server does not trust a bare user_id", auth.userId());
            return;
        }
        Principal verified;
        try {
            verified = services.verifier().verify(auth.token());
        } catch (TokenRejectedException e) {
            services.metrics().authFailed(e.reason());
            reject(e.reason().logName(), e.getMessage(), auth.userId());
            return;
        }
        if (auth.userId() != null && auth.userId() != verified.userId()) {
            services.metrics().authFailed(NodeMetrics.AuthFailure.USER_MISMATCH);
            reject("user_mismatch", "user_id does not match the token", auth.userId());
            return;
        }
        Principal current = principal;
        if (current != null) {
            reauthenticate(current, verified);
            return;
        }
        Member me = new Member(verified.userId(), verified.role().isStaff());
        Scheduler.Timer timeout;
        synchronized (lifecycle) {
            // Decided under the lock so an auth timeout at the same moment either wins or is refused, never both.
            if (closed || authTimedOut) {
                return;
            }
            timeout = authTimer;
            authTimer = null;
            principal = verified;
            member = me;
            clientEpoch = auth.epoch();
        }
        cancel(timeout);
        services.sessions().authenticated(this, roleTag());
        scheduleExpiry(verified);
        ResumeGate.Ticket resume = null;
        if (auth.lastEventId() != null) {
            // Held from before registration on, so no live event can overtake the replay.
            resume = me.gate.begin(new Feed.Personal(verified.userId(), me.staff));
        } else {
            send(services.frames().authenticated(verified.userId(), verified.role().wireName(), connectionId,
                    services.replay().epoch(), null));
        }
        // Presence before the registry: the "online" broadcast goes to the other agents, and this connection
        // learns the full picture from its snapshot.
        services.presence().connected(me, verified.name());
        services.registry().register(me);
        boolean closedMeanwhile;
        synchronized (lifecycle) {
            joined = true;
            closedMeanwhile = closed;
        }
        if (closedMeanwhile) {
            // The close ran before the member had joined, so it left nothing to undo; undo it here instead.
            leave(me);
            return;
        }
        if (me.staff) {
            // Through the member: behind the replay when resuming, like every live frame.
            me.send(services.frames().presence(services.presence().snapshot()));
        }
        if (resume != null) {
            Feed feed = resume.feed();
            ResumeGate.Ticket ticket = resume;
            services.replay().replay(new ResumeRequest(feed, auth.lastEventId(), auth.epoch()),
                    replay -> resumed(me, ticket, replay,
                            (resumed, epoch) -> services.frames().authenticated(verified.userId(),
                                    verified.role().wireName(), connectionId, epoch, resumed),
                            "auth", null));
        }
        log.debug("{} authenticated as user {} ({})", connectionId, verified.userId(), verified.role().wireName());
    }

    /**
     * A fresh token on a live connection (e.g. before the old one expires). It must name the same user and
     * role; conversations a contact's new token no longer lists are unsubscribed.
     */
    private void reauthenticate(Principal current, Principal verified) {
        if (current.userId() != verified.userId() || current.role() != verified.role()) {
            services.metrics().authFailed(NodeMetrics.AuthFailure.IDENTITY_CHANGE);
            reject("identity_change", "a connection cannot change its user or role; open a new one",
                    verified.userId());
            return;
        }
        principal = verified;
        scheduleExpiry(verified);
        Member me = member;
        if (!verified.role().isStaff()) {
            for (Long conversationId : Set.copyOf(current.conversations())) {
                if (!verified.mayAccess(conversationId) && services.registry().isSubscribed(me, conversationId)) {
                    unsubscribe(me, conversationId);
                }
            }
        }
        // A live connection has missed nothing: a resume asked for on a refresh is not needed.
        send(services.frames().authenticated(verified.userId(), verified.role().wireName(), connectionId,
                services.replay().epoch(), null));
    }

    private void subscribe(Principal who, Member me, ClientMessage.Subscribe request) {
        long conversationId = request.conversationId();
        if (!who.mayAccess(conversationId)) {
            forbidden(conversationId, "subscribe");
            return;
        }
        Long after = request.lastEventId();
        // Held from before the subscription takes effect, so no live event of it can overtake the replay.
        ResumeGate.Ticket resume = after == null ? null
                : me.gate.begin(new Feed.OneConversation(conversationId, me.staff));
        ConversationRegistry.Subscription outcome =
                services.registry().subscribe(me, conversationId, MAX_SUBSCRIPTIONS);
        if (outcome == ConversationRegistry.Subscription.LIMIT_REACHED) {
            if (resume != null) {
                me.gate.cancel(resume);
            }
            send(services.frames().conversationError(ErrorCode.FORBIDDEN,
                    "subscription limit of " + MAX_SUBSCRIPTIONS + " conversations reached", "subscribe",
                    conversationId));
            return;
        }
        if (resume == null) {
            // Through the member, so it stays behind a resume that is still being sent.
            me.send(services.frames().subscribed(conversationId));
            return;
        }
        if (outcome == ConversationRegistry.Subscription.ALREADY_SUBSCRIBED) {
            // Its events have been arriving live since some earlier subscribe, which may be after the id the client
            // names or before it: a replay could send events twice, no replay could skip some. Neither is honest.
            services.metrics().resumed(ALREADY_SUBSCRIBED, 0);
            me.gate.complete(resume, List.of(
                    services.frames().subscribed(conversationId, new ServerFrames.Resumed(false, 0)),
                    services.frames().resyncRequired(ALREADY_SUBSCRIBED, "subscribe", conversationId)),
                    List.of(), -1);
            return;
        }
        services.replay().replay(new ResumeRequest(resume.feed(), after, clientEpoch),
                replay -> resumed(me, resume, replay,
                        (resumed, epoch) -> services.frames().subscribed(conversationId, resumed),
                        "subscribe", conversationId));
    }

    /**
     * Sends a finished replay through the member's gate: the reply first ({@code authenticated} or
     * {@code subscribed}, saying whether the resume worked), then the events, merged with what arrived live
     * meanwhile. A refused resume is followed by {@code resync_required}. Runs on the replay source's thread.
     */
    private void resumed(Member me, ResumeGate.Ticket ticket, Replay replay,
                         BiFunction<ServerFrames.Resumed, String, String> reply, String request, Long conversationId) {
        if (replay instanceof Replay.Recovered recovered) {
            List<ResumeGate.ReplayedFrame> frames = new ArrayList<>(recovered.events().size());
            for (EventRecord event : recovered.events()) {
                frames.add(new ResumeGate.ReplayedFrame(event.id(),
                        services.frames().durable(event.id(), event.event(), event.dataJson())));
            }
            me.gate.complete(ticket,
                    List.of(reply.apply(new ServerFrames.Resumed(true, frames.size()), recovered.epoch())),
                    frames, recovered.throughId());
            services.metrics().resumed("recovered", frames.size());
            log.debug("{} resumed {} with {} events", connectionId, ticket.feed(), frames.size());
            return;
        }
        Replay.Refused refused = (Replay.Refused) replay;
        me.gate.complete(ticket, List.of(
                reply.apply(new ServerFrames.Resumed(false, 0), refused.epoch()),
                services.frames().resyncRequired(refused.reason().wireName(), request, conversationId)),
                List.of(), -1);
        services.metrics().resumed(refused.reason().wireName(), 0);
        log.debug("{} could not resume {}: {}", connectionId, ticket.feed(), refused.reason());
    }

    private void unsubscribe(Member me, long conversationId) {
        services.registry().unsubscribe(me, conversationId);
        services.typing().unsubscribed(me, conversationId);
        me.send(services.frames().unsubscribed(conversationId));
    }

    /** Takes an authenticated connection out of routing and ends its typing and presence. */
    private void leave(Member me) {
        services.adminFeed().unsubscribe(me);
        services.registry().unregister(me);
        services.typing().disconnected(me);
        services.presence().disconnected(me);
    }

    /** The operations stream carries every node's numbers: for {@code admin} tokens only. */
    private void adminSubscribe(Principal who, Member me) {
        if (who.role() != Role.ADMIN) {
            send(services.frames().error(ErrorCode.FORBIDDEN, "the operations stream needs an admin token",
                    "admin_subscribe"));
            return;
        }
        services.adminFeed().subscribe(me);
    }

    /** The connection's role as a metric tag: its token's, or {@code unauthenticated} before auth. */
    String roleTag() {
        Principal p = principal;
        return p == null ? OpenSessions.UNAUTHENTICATED : p.role().wireName();
    }

    private void forbidden(long conversationId, String request) {
        send(services.frames().conversationError(ErrorCode.FORBIDDEN,
                "not allowed to access conversation " + conversationId, request, conversationId));
    }

    /**
     * @param logReason   a fixed word for the log ({@code expired}, {@code bad_signature}, {@code missing_token}...)
     * @param message     what the client is told
     * @param claimedUser the user id the client named, if any, for the log
     */
    private void reject(String logReason, String message, Long claimedUser) {
        events.infoThrottled("auth_failed", logReason, "code", CloseCodes.UNAUTHORIZED, "connection", connectionId,
                "remote", remote, "user", userId(), "claimed_user", claimedUser);
        send(services.frames().error(ErrorCode.UNAUTHORIZED, message, "auth"));
        closeAfterFlush(CloseCodes.UNAUTHORIZED, "unauthorized");
    }

    private void authTimedOut() {
        synchronized (lifecycle) {
            // Decided under the lock so an auth arriving at the same moment either wins or is refused, never both.
            // Already refused and closing: its auth failure was counted (and answered) then.
            if (principal != null || closed || closing) {
                return;
            }
            authTimedOut = true;
        }
        services.metrics().authFailed(NodeMetrics.AuthFailure.TIMEOUT);
        events.infoThrottled("connection_closed", "auth_timeout", "code", CloseCodes.UNAUTHORIZED,
                "connection", connectionId, "remote", remote);
        send(services.frames().error(ErrorCode.UNAUTHORIZED,
                "no auth within " + services.authTimeout().toMillis() + " ms", null));
        closeAfterFlush(CloseCodes.UNAUTHORIZED, "authentication timeout");
    }

    /**
     * A connection lives no longer than its token: at {@code exp} (plus the clock skew the verifier allows) it is
     * closed with 4002 unless a fresh {@code auth} came first, so a revoked contact stops receiving.
     */
    private void scheduleExpiry(Principal verified) {
        Duration delay = Duration.between(services.time().now(), verified.expiresAt()).plus(TokenVerifier.CLOCK_SKEW);
        Scheduler.Timer timer = services.scheduler().schedule(() -> {
            if (principal == verified && !closing) {
                events.infoThrottled("connection_closed", "token_expired", "code", CloseCodes.TOKEN_EXPIRED,
                        "connection", connectionId, "remote", remote, "user", verified.userId());
                closeAfterFlush(CloseCodes.TOKEN_EXPIRED, "token expired");
            }
        }, delay);
        Scheduler.Timer replaced;
        synchronized (lifecycle) {
            if (closed) {
                replaced = timer;
            } else {
                replaced = expiryTimer;
                expiryTimer = timer;
            }
        }
        cancel(replaced);
    }

    private void overflowed(int queuedFrames, long queuedBytes) {
        events.infoThrottled("slow_consumer_closed", "send_queue_full", "code", CloseCodes.TRY_AGAIN_LATER,
                "connection", connectionId, "remote", remote, "user", userId(), "queued_frames", queuedFrames,
                "queued_bytes", queuedBytes);
        services.metrics().slowConsumerClosed();
        closing = true;
        // Noticed inside a fan-out: the queue closes on its writer, never on this thread.
        out.closeNow(CloseCodes.TRY_AGAIN_LATER, "send queue full");
    }

    /**
     * More live frames arrived while a resume was read than a send queue may ever hold: the connection cannot be
     * kept in order, so it is closed like a slow consumer, and the client resumes again.
     */
    private void heldOverflowed() {
        events.infoThrottled("slow_consumer_closed", "resume_held_full", "code", CloseCodes.TRY_AGAIN_LATER,
                "connection", connectionId, "remote", remote, "user", userId());
        services.metrics().slowConsumerClosed();
        closing = true;
        out.closeNow(CloseCodes.TRY_AGAIN_LATER, "too many events while resuming");
    }

    /** The authenticated user, or null (left out of log lines) before auth. */
    private Long userId() {
        Principal p = principal;
        return p == null ? null : p.userId();
    }

    private static void cancel(Scheduler.Timer timer) {
        if (timer != null) {
            timer.cancel();
        }
    }

    /**
     * This connection as routing sees it: exists only once authenticated, so its user is always known. Its frames
     * pass the gate, which holds them while a resume is being read.
     */
    private final class Member implements Recipient {
        private final long userId;
        private final boolean staff;
        private final ResumeGate gate = new ResumeGate(out::offer, services.queueLimits().hardFrames(),
                ClientSession.this::heldOverflowed);

        Member(long userId, boolean staff) {
            this.userId = userId;
            this.staff = staff;
        }

        @Override
        public String connectionId() {
            return connectionId;
        }

        @Override
        public long userId() {
            return userId;
        }

        @Override
        public boolean isStaff() {
            return staff;
        }

        @Override
        public void send(String frame) {
            gate.frame(frame);
        }

        @Override
        public void sendDurable(long eventId, Target target, EncodedFrame frame) {
            gate.durable(eventId, target, frame);
        }

        @Override
        public void send(EncodedFrame frame) {
            gate.frame(frame);
        }

        @Override
        public String toString() {
            return connectionId;
        }
    }
}
