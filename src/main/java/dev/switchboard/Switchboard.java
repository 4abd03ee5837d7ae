package dev.switchboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.auth.DevSecret;
import dev.switchboard.auth.PemKeys;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.config.Config;
import dev.switchboard.db.Database;
import dev.switchboard.db.EmbeddedDatabase;
import dev.switchboard.demo.DemoApp;
import dev.switchboard.http.HealthHandler;
import dev.switchboard.http.HealthProbe;
import dev.switchboard.http.StaticFiles;
import dev.switchboard.http.TextHandler;
import dev.switchboard.http.WebServer;
import dev.switchboard.notifier.EventDispatcher;
import dev.switchboard.notifier.EventListener;
import dev.switchboard.notifier.EventPruner;
import dev.switchboard.notifier.Notifier;
import dev.switchboard.notifier.Sequencer;
import dev.switchboard.presence.PresenceTracker;
import dev.switchboard.presence.TypingTracker;
import dev.switchboard.protocol.CloseCodes;
import dev.switchboard.protocol.MessageDecoder;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.ws.OpenSessions;
import dev.switchboard.ws.OriginPolicy;
import dev.switchboard.ws.SessionServices;
import dev.switchboard.ws.TyrusContainer;
import dev.switchboard.ws.WebSocketEndpoint;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import javax.sql.DataSource;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A running Switchboard node, wired from a {@link Config}. {@code Main} starts one for the command line; tests
 * start one per test class on a random port through the same {@link #start}, so they exercise the production
 * wiring.
 */
public final class Switchboard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Switchboard.class);

    private final Config config;
    private final int port;
    private final HikariDataSource pool;
    private final Notifier notifier;
    private final OpenSessions sessions;
    private final ConversationRegistry registry;
    private final WebServer web;
    /** Everything to stop, most recently started first. */
    private final Deque<AutoCloseable> resources;
    private boolean closed;

    private Switchboard(Config config, int port, HikariDataSource pool, Notifier notifier,
                        OpenSessions sessions, ConversationRegistry registry,
                        WebServer web, Deque<AutoCloseable> resources) {
        this.config = config;
        this.port = port;
        this.pool = pool;
        this.notifier = notifier;
        this.sessions = sessions;
        this.registry = registry;
        this.web = web;
        this.resources = resources;
    }

    /**
     * Starts a node: the embedded database when none is configured, the pool and migrations, the LISTEN
     * connection, then the WebSocket/HTTP listener. Returns once it serves.
     *
     * @throws Exception when any part fails to start; whatever had started is stopped again
     */
    public static Switchboard start(Config config) throws Exception {
        installJulBridge();
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            return start(config, resources);
        } catch (Exception | Error e) {
            closeAll(resources);
            throw e;
        }
    }

    private static Switchboard start(Config requested, Deque<AutoCloseable> resources) throws Exception {
        Config config = requested;
        if (config.embedded()) {
            EmbeddedDatabase embedded = EmbeddedDatabase.start(config.dataDir());
            resources.push(embedded);
            String secret = config.jwtSecret();
            if (secret == null) {
                secret = DevSecret.loadOrCreate(config.dataDir());
                log.info("Development JWT secret kept in {}; mint tokens with: java -jar target/switchboard.jar"
                        + " token --user 1 --role agent", config.dataDir().resolve("jwt-secret"));
            }
            config = config.withDatabase(embedded.url(), secret);
        }
        log.info("Starting node {} with {}", config.nodeId(), config);

        HikariDataSource pool = Database.pool(config.database(), config.databasePoolSize(), config.nodeId());
        resources.push(pool);
        Database.migrate(pool);

        ObjectMapper mapper = new ObjectMapper();
        ServerFrames frames = new ServerFrames(mapper);
        ScheduledExecutorService timers = scheduler("switchboard-timers");
        resources.push(timers::shutdownNow);
        ScheduledExecutorService maintenance = scheduler("switchboard-maintenance");
        resources.push(maintenance::shutdownNow);

        ConversationRegistry registry = new ConversationRegistry();
        PresenceTracker presence = new PresenceTracker(registry, frames, timers, config.presenceGrace());
        TypingTracker typing = new TypingTracker(registry, frames, timers, config.typingTimeout());
        TokenVerifier verifier = new TokenVerifier(config.jwtSecret(),
                config.jwtPublicKeyPem() == null ? null : PemKeys.parseRsaPublicKey(config.jwtPublicKeyPem()));
        OpenSessions sessions = new OpenSessions();
        SessionServices services = new SessionServices(config.nodeId(), verifier, new MessageDecoder(mapper),
                frames, registry, presence, typing, sessions, timers, Clock.systemUTC(), config.authTimeout(),
                config.sendQueueLimit(), config.slowConsumerTimeout(), config.rateLimitPerSecond(),
                config.rateLimitBurst(),
                config.maxFrameBytes());

        Config db = config;
        resources.push(Sequencer.start(() -> Database.openSequencerConnection(db.database(), db.nodeId())));
        EventListener listener = new EventListener(
                () -> Database.openListenerConnection(db.database(), db.nodeId()),
                new EventDispatcher(registry, presence, typing, frames, mapper));
        listener.start();
        resources.push(listener);

        HealthProbe probe = new HealthProbe(pool, listener::healthy);
        probe.check();
        maintenance.scheduleWithFixedDelay(probe::check, 2, 2, TimeUnit.SECONDS);
        EventPruner pruner = new EventPruner(pool, config.eventRetention());
        maintenance.scheduleWithFixedDelay(pruner::prune, 1, 10, TimeUnit.MINUTES);
        long idleNanos = config.idleTimeout().toNanos();
        timers.scheduleAtFixedRate(() -> sessions.heartbeat(System.nanoTime(), idleNanos),
                config.pingInterval().toMillis(), config.pingInterval().toMillis(), TimeUnit.MILLISECONDS);

        Notifier notifier = new Notifier(mapper);
        TokenIssuer issuer = config.jwtSecret() == null ? null : new TokenIssuer(config.jwtSecret());

        Map<String, HttpHandler> handlers = new LinkedHashMap<>();
        handlers.put("/health", new HealthHandler(probe, mapper, config.nodeId(), sessions::size));
        handlers.put("/assets/*", StaticFiles.fromClasspath("static/assets/"));
        if (config.demo()) {
            // The reference helpdesk and agent console take over "/" (Config refuses DEMO without an HS256 secret).
            DemoApp demo = DemoApp.install(pool, notifier, issuer, verifier, mapper);
            resources.push(demo);
            handlers.putAll(demo.handlers());
        } else {
            handlers.put("", new TextHandler("Switchboard node " + config.nodeId()
                    + ": WebSocket at /ws, health at /health, client library at /assets/js/websocket-client.js\n"));
        }

        TyrusContainer container = new TyrusContainer(config.maxFrameBytes(), config.maxConnections());
        container.register(WebSocketEndpoint.config(services));
        WebServer web = WebServer.create(config.host(), config.port(), container,
                new OriginPolicy(config.allowedOrigins(), config.allowAnyOrigin()), handlers);
        int port = web.start();
        resources.push(web::stop);
        if (config.demo()) {
            log.info("Agent console: http://{}:{}/  (customer page: http://{}:{}/demo/customer?conversation=1)",
                    config.host(), port, config.host(), port);
        }
        log.info("Switchboard node {} serving on http://{}:{} (WebSocket ws://{}:{}{})", config.nodeId(),
                config.host(), port, config.host(), port, WebSocketEndpoint.PATH);
        return new Switchboard(config, port, pool, notifier, sessions, registry, web, resources);
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /** The configuration in effect (with the embedded database and secret resolved). */
    public Config config() {
        return config;
    }

    /** The node's connection pool, for the demo helpdesk and tests. */
    public DataSource dataSource() {
        return pool;
    }

    /** The Java notifier API bound to this node's JSON settings. */
    public Notifier notifier() {
        return notifier;
    }

    /** Open WebSocket sessions. */
    public int openSessions() {
        return sessions.size();
    }

    /** Authenticated connections. */
    public int authenticatedConnections() {
        return registry.size();
    }

    /**
     * Graceful stop: refuse new connections, close every session with 1001 after what is queued for it (so
     * clients reconnect, to another node if there is one), wait briefly for them, then stop the listener, the
     * pool and the embedded database.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Shutting down node {}: closing {} sessions", config.nodeId(), sessions.size());
        web.stopAccepting();
        sessions.closeAll(CloseCodes.GOING_AWAY, "server shutting down");
        long deadline = System.nanoTime() + Math.min(3_000, config.shutdownTimeout().toMillis() / 2) * 1_000_000L;
        while (sessions.size() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (sessions.size() > 0) {
            // Stuck behind clients that stopped reading: stopping the listener drops their connections.
            log.info("{} sessions did not close in time; dropping them", sessions.size());
        }
        closeAll(resources);
        log.info("Node {} stopped", config.nodeId());
    }

    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("Error while stopping {}: {}", resource, e.toString());
            }
        }
    }

    private static ScheduledExecutorService scheduler(String name) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
        // Typing timers are cancelled far more often than they fire; keep cancelled ones out of the queue.
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    private static synchronized void installJulBridge() {
        // Tyrus and Grizzly log through java.util.logging; route it into SLF4J/Logback once per JVM.
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

}
