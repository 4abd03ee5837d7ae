package dev.switchboard.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.resume.ReplaySource;
import dev.switchboard.testing.ManualClock;
import dev.switchboard.testing.ManualExecutor;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

/**
 * The realtime core with no network, database or real time: sessions over {@link RecordingTransport}s, a
 * {@link ManualClock}, and writers that run only when a test looks at what was written.
 */
final class CoreHarness {
    static final String SECRET = "unit-test-secret-that-is-long-enough-for-hs256-0123456789";
    static final Duration AUTH_TIMEOUT = Duration.ofSeconds(10);
    static final Duration TYPING_TIMEOUT = Duration.ofSeconds(6);
    static final Duration PRESENCE_GRACE = Duration.ofSeconds(5);
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    final ManualClock clock = new ManualClock();
    final ManualExecutor writers = new ManualExecutor();
    final RealtimeCore core;
    private final TokenIssuer issuer = new TokenIssuer(SECRET);

    CoreHarness() {
        this(20, 40);
    }

    CoreHarness(int ratePerSecond, int burst) {
        this(ratePerSecond, burst, null);
    }

    /** @param writerExecutor runs the writes; {@code null} for the manual one */
    CoreHarness(int ratePerSecond, int burst, Executor writerExecutor) {
        this(ratePerSecond, burst, writerExecutor, ReplaySource.none());
    }

    /** A core whose resumes are answered by {@code replay}. */
    CoreHarness(ReplaySource replay) {
        this(20, 40, null, replay);
    }

    private CoreHarness(int ratePerSecond, int burst, Executor writerExecutor, ReplaySource replay) {
        RealtimeCore.Settings settings = new RealtimeCore.Settings("unit", AUTH_TIMEOUT, TYPING_TIMEOUT,
                PRESENCE_GRACE, 64, Duration.ofSeconds(10), ratePerSecond, burst, 64 * 1024, IDLE_TIMEOUT);
        core = RealtimeCore.create(settings, new TokenVerifier(SECRET, null), new ObjectMapper(), clock, clock,
                writerExecutor == null ? writers : writerExecutor, dev.switchboard.metrics.NodeMetrics.detached(),
                replay);
    }

    String agentToken(long userId) {
        return issuer.issue(userId, Role.AGENT, "Agent " + userId, List.of(), Duration.ofHours(1));
    }

    String contactToken(long userId, Duration lifetime, Long... conversations) {
        return issuer.issue(userId, Role.CONTACT, "Contact " + userId, List.of(conversations), lifetime);
    }

    /** A new, unauthenticated connection. */
    Client connect() {
        RecordingTransport transport = new RecordingTransport(core.presence(), core.typing());
        ClientSession session = core.open(transport);
        transport.attach(session);
        return new Client(session, transport);
    }

    Client agent(long userId) {
        Client client = connect();
        client.auth(agentToken(userId));
        client.await("authenticated");
        return client;
    }

    Client contact(long userId, Long... conversations) {
        Client client = connect();
        client.auth(contactToken(userId, Duration.ofHours(1), conversations));
        client.await("authenticated");
        return client;
    }

    /** One connection, as a test drives it. */
    final class Client {
        final ClientSession session;
        final RecordingTransport transport;
        private int read;

        Client(ClientSession session, RecordingTransport transport) {
            this.session = session;
            this.transport = transport;
        }

        Client send(String json) {
            session.onText(json);
            return this;
        }

        Client auth(String token) {
            return send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
        }

        Client subscribe(long conversationId) {
            return send("{\"type\":\"subscribe\",\"conversation_id\":" + conversationId + "}");
        }

        Client typing(long conversationId, boolean isTyping) {
            return send("{\"type\":\"typing\",\"conversation_id\":" + conversationId + ",\"is_typing\":" + isTyping
                    + "}");
        }

        /** Frames written since the last call, after the writers have run. */
        List<JsonNode> frames() {
            writers.runAll();
            List<JsonNode> all = transport.frames();
            List<JsonNode> fresh = all.subList(read, all.size());
            read = all.size();
            return List.copyOf(fresh);
        }

        /** The events among {@link #frames()}, by name. */
        List<String> events() {
            return frames().stream().map(f -> f.path("event").asText()).collect(Collectors.toList());
        }

        /** The first new frame of an event, failing when there is none. */
        JsonNode await(String event) {
            List<JsonNode> fresh = frames();
            return fresh.stream().filter(f -> event.equals(f.path("event").asText())).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + event + " among " + fresh));
        }

        /** The close code written, after the writers have run; -1 while open. */
        int closeCode() {
            writers.runAll();
            return transport.closeCode();
        }

        /** The peer vanished (a reset): Tyrus reports the close. */
        void drop() {
            session.closed(1006, "");
        }
    }
}
