package dev.switchboard.metrics;

import dev.switchboard.auth.TokenRejectedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The node's meters, in one registry: what the realtime core counts as it works, what the database side samples,
 * and the JVM's own. Every recording method is lock-free and does no I/O (Micrometer's counters and histograms
 * are atomics), so the core may call them from any thread, even under one of its own locks.
 *
 * <p>Built once in the node's wiring with the Prometheus registry that {@code GET /metrics} renders; the core's
 * unit tests use {@link #detached()}, which records into memory and is read back the same way.
 */
public final class NodeMetrics {
    /** Distinct event names counted separately; beyond them, "other", so a buggy app cannot grow /metrics. */
    static final int MAX_EVENT_NAMES = 64;
    static final String OTHER_EVENT = "other";

    /** Where an event came from. */
    public enum EventSource {
        /** A committed row of the events table. */
        DURABLE,
        /** A transient NOTIFY (typing from the app). */
        TRANSIENT
    }

    /** Why a WebSocket upgrade was refused before any session existed. */
    public enum Refusal {
        ORIGIN, MAX_CONNECTIONS, BAD_KEY, HANDSHAKE_TIMEOUT
    }

    /** Why an {@code auth} failed, beside the token's own reasons ({@link TokenRejectedException.Reason}). */
    public enum AuthFailure {
        /** No token at all. */
        MISSING,
        /** {@code user_id} next to the token names someone else. */
        USER_MISMATCH,
        /** A re-auth tried to change the connection's user or role. */
        IDENTITY_CHANGE,
        /** No {@code auth} within the auth timeout. */
        TIMEOUT
    }

    private final MeterRegistry registry;
    private final Map<String, Counter> durableEvents = new ConcurrentHashMap<>();
    private final Map<String, Counter> transientEvents = new ConcurrentHashMap<>();
    private final Counter framesSent;
    private final Timer deliveryLag;
    private final DistributionSummary sendQueueFrames;
    private final Counter slowConsumersClosed;
    private final Counter rateLimited;
    private final Counter floodsClosed;
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    private final Map<String, Counter> authFailures = new ConcurrentHashMap<>();
    private final Map<String, Counter> resumes = new ConcurrentHashMap<>();
    private final Counter eventsReplayed;
    private volatile JvmGcMetrics gc;
    /** The fan-out running on each thread, if any: see {@link #fanOut}. */
    private final ThreadLocal<FanOut> fanOut = new ThreadLocal<>();

    /** Registers the node's meters (and the JVM's) in {@code registry}. */
    public NodeMetrics(MeterRegistry registry) {
        this.registry = registry;
        framesSent = Counter.builder("switchboard.frames.sent")
                .description("Frames handed to client sockets").register(registry);
        deliveryLag = Timer.builder("switchboard.delivery.lag")
                .description("From the event's created_at (its transaction's start, by the database clock) to its"
                        + " frame being queued for every recipient on this node")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        sendQueueFrames = DistributionSummary.builder("switchboard.send.queue.frames")
                .description("Send-queue depth when a frame is queued: for an event, the deepest among its recipients"
                        + " (one sample per event); for a reply to one client, that client's")
                .baseUnit("frames")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0)
                .maximumExpectedValue(10_000.0)
                .register(registry);
        slowConsumersClosed = Counter.builder("switchboard.slow.consumers.closed")
                .description("Connections closed (1013) because they fell too far behind").register(registry);
        rateLimited = Counter.builder("switchboard.rate.limited")
                .description("Client messages dropped by the rate limit").register(registry);
        floodsClosed = Counter.builder("switchboard.floods.closed")
                .description("Connections closed (1008) for flooding past the rate limit").register(registry);
        eventsReplayed = Counter.builder("switchboard.events.replayed")
                .description("Events sent to resuming connections from the event table").register(registry);
        for (String outcome : RESUME_OUTCOMES) {
            resume(outcome);
        }
        // Every reason exists from the start at 0, so rate() and alerts see a series before the first failure.
        for (TokenRejectedException.Reason reason : TokenRejectedException.Reason.values()) {
            authFailure(reason.logName(), 0);
        }
        for (AuthFailure reason : AuthFailure.values()) {
            authFailure(tag(reason), 0);
        }
        for (Refusal refusal : Refusal.values()) {
            refusals.put(refusal, Counter.builder("switchboard.connections.refused")
                    .description("WebSocket upgrades refused before a session existed")
                    .tag("reason", tag(refusal)).register(registry));
        }
    }

    /**
     * Adds the JVM's meters (memory, GC, threads, classes) and the process's (CPU, uptime). Once per node: the GC
     * meters listen to the JVM until {@link #close()}.
     */
    public void bindJvm() {
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        this.gc = gc;
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Stops listening to the JVM's GC notifications. */
    public void close() {
        JvmGcMetrics bound = gc;
        if (bound != null) {
            bound.close();
        }
    }

    /** Meters kept in memory only: for a core built without a node around it (unit tests). */
    public static NodeMetrics detached() {
        return new NodeMetrics(new SimpleMeterRegistry());
    }

    /** The registry, to add meters of other components (the pool) and to read these back. */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Registers a gauge read when scraped; {@code read} must be cheap, lock-free and do no I/O.
     */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> read, String... tags) {
        Gauge.builder(name, source, read).description(description).tags(tags).strongReference(true)
                .register(registry);
    }

    /** An event reached the dispatcher. */
    public void eventReceived(String event, EventSource source) {
        Map<String, Counter> counters = source == EventSource.DURABLE ? durableEvents : transientEvents;
        Counter counter = counters.get(event);
        if (counter == null) {
            String name = counters.size() >= MAX_EVENT_NAMES ? OTHER_EVENT : event;
            counter = counters.computeIfAbsent(name, n -> Counter.builder("switchboard.events.received")
                    .description("Events this node's listener received")
                    .tag("event", n).tag("source", tag(source)).register(registry));
        }
        counter.increment();
    }

    /** A frame was handed to a client's socket. */
    public void frameSent() {
        framesSent.increment();
    }

    /** A durable event's frame is queued for all of its recipients here, {@code lag} after it was created. */
    public void delivered(Duration lag) {
        deliveryLag.record(lag.isNegative() ? Duration.ZERO : lag);
    }

    /**
     * A frame was queued behind {@code depth - 1} others. Inside {@link #fanOut} only the deepest queue of the
     * fan-out is recorded, once, when it ends; elsewhere (a reply to one client) each call is a sample.
     */
    public void queued(int depth) {
        FanOut open = fanOut.get();
        if (open != null) {
            open.deepest = Math.max(open.deepest, depth);
            return;
        }
        sendQueueFrames.record(depth);
    }

    /**
     * Runs {@code delivery}, an event's fan-out to its recipients, on this thread, and records the send-queue depth
     * sample of the event: the deepest queue among its recipients. One histogram sample per event instead of one
     * per recipient: recording a sample costs more than queueing the frame, and the deepest queue is what an
     * operator looks for (a backlog building somewhere), not the thousands of empty ones beside it.
     */
    public void fanOut(Runnable delivery) {
        if (fanOut.get() != null) {
            delivery.run();
            return;
        }
        FanOut open = new FanOut();
        fanOut.set(open);
        try {
            delivery.run();
        } finally {
            fanOut.remove();
            if (open.deepest > 0) {
                sendQueueFrames.record(open.deepest);
            }
        }
    }

    /** The deepest queue a fan-out has queued into so far; confined to the thread running it. */
    private static final class FanOut {
        int deepest;
    }

    /** A connection was closed for falling behind. */
    public void slowConsumerClosed() {
        slowConsumersClosed.increment();
    }

    /** A client message was dropped by the rate limit. */
    public void rateLimited() {
        rateLimited.increment();
    }

    /** A connection was closed for flooding. */
    public void floodClosed() {
        floodsClosed.increment();
    }

    /** An upgrade was refused. */
    public void refused(Refusal refusal) {
        refusals.get(refusal).increment();
    }

    /**
     * The outcomes of a resume: {@code recovered}, or why not. Listed so every series exists from the start at 0,
     * as a refusal for a reason the server never gives would be a bug.
     */
    public static final java.util.List<String> RESUME_OUTCOMES = java.util.List.of("recovered", "epoch", "retention",
            "too_many", "unavailable", "already_subscribed");

    /**
     * A resume ({@code last_event_id}) was answered.
     *
     * @param outcome  {@code recovered}, or the {@code resync_required} reason
     * @param replayed how many events it sent
     */
    public void resumed(String outcome, int replayed) {
        resume(outcome).increment();
        eventsReplayed.increment(replayed);
    }

    private Counter resume(String outcome) {
        return resumes.computeIfAbsent(outcome, o -> Counter.builder("switchboard.resumes")
                .description("Resumes after a reconnect, by outcome").tag("outcome", o).register(registry));
    }

    /** An {@code auth} was refused for its token. */
    public void authFailed(TokenRejectedException.Reason reason) {
        authFailure(reason.logName());
    }

    /** An {@code auth} was refused, or never came. */
    public void authFailed(AuthFailure reason) {
        authFailure(tag(reason));
    }

    private void authFailure(String reason) {
        authFailure(reason, 1);
    }

    private void authFailure(String reason, double amount) {
        authFailures.computeIfAbsent(reason, r -> Counter.builder("switchboard.auth.failures")
                .description("Authentications refused, by reason").tag("reason", r).register(registry))
                .increment(amount);
    }

    /** Events received so far, all names and sources. */
    public double eventsReceivedTotal() {
        double total = 0;
        for (Counter c : durableEvents.values()) {
            total += c.count();
        }
        for (Counter c : transientEvents.values()) {
            total += c.count();
        }
        return total;
    }

    /** Frames sent so far. */
    public double framesSentTotal() {
        return framesSent.count();
    }

    /** Slow consumers closed so far. */
    public double slowConsumersClosedTotal() {
        return slowConsumersClosed.count();
    }

    /** The delivery-lag timer, for windowed percentiles. */
    public Timer deliveryLag() {
        return deliveryLag;
    }

    private static String tag(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
