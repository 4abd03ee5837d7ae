package dev.switchboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.auth.DevSecret;
import dev.switchboard.auth.PemKeys;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.cluster.ClusterBus;
import dev.switchboard.cluster.ClusterInbox;
import dev.switchboard.config.Config;
import dev.switchboard.db.Database;
import dev.switchboard.db.EmbeddedDatabase;
import dev.switchboard.demo.DemoApp;
import dev.switchboard.http.HealthHandler;
import dev.switchboard.http.HealthProbe;
import dev.switchboard.http.Liveness;
import dev.switchboard.http.FolderHandler;
import dev.switchboard.http.StaticFiles;
import dev.switchboard.http.TextHandler;
import dev.switchboard.http.WebServer;
import dev.switchboard.logging.EventLog;
import dev.switchboard.metrics.ClusterStats;
import dev.switchboard.metrics.ListenerLag;
import dev.switchboard.metrics.MetricsHandler;
import dev.switchboard.metrics.NodeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.switchboard.notifier.EventListener;
import dev.switchboard.notifier.EventPruner;
import dev.switchboard.notifier.Notifier;
import dev.switchboard.notifier.Sequencer;
import dev.switchboard.protocol.CloseCodes;
import dev.switchboard.pusher.ChannelPublisher;
import dev.switchboard.pusher.http.PusherHttpApi;
import dev.switchboard.pusher.ChannelDirectory;
import dev.switchboard.pusher.DevPusherApp;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.pusher.RosterSync;
import dev.switchboard.pusher.ws.PusherEndpoint;
import dev.switchboard.pusher.ws.PusherServer;
import dev.switchboard.resume.DatabaseReplaySource;
import dev.switchboard.ws.OpenSessions;
import dev.switchboard.ws.OriginPolicy;
import dev.switchboard.time.ExecutorScheduler;
import dev.switchboard.time.TimeSource;
import dev.switchboard.ws.RealtimeCore;
import dev.switchboard.ws.TyrusContainer;
import dev.switchboard.ws.WebSocketEndpoint;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import javax.sql.DataSource;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running Switchboard node, wired from a {@link Config}. {@code Main} starts one for the command line; tests
 * start one per test class on a random port through the same {@link #start}, so they exercise the production
 * wiring.
 */
public final class Switchboard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Switchboard.class);
    private static final EventLog events = EventLog.of(Switchboard.class);
    /** Resumes read at once, each with one pooled connection; the rest wait their turn. */
    private static final int REPLAY_THREADS = 2;

    private final Config config;
    private final int port;
    private final HikariDataSource pool;
    private final Notifier notifier;
    private final OpenSessions sessions;
    private final RealtimeCore core;
    private final WebServer web;
    private final HealthProbe probe;
    /** Everything to stop, most recently started first. */
    private final Deque<AutoCloseable> resources;
    private boolean closed;
    /** The Pusher protocol side; null when no Pusher app is configured. */
    private PusherServer pusher;

    private Switchboard(Config config, int port, HikariDataSource pool, Notifier notifier, RealtimeCore core,
                        WebServer web, HealthProbe probe, Deque<AutoCloseable> resources) {
        this.probe = probe;
        this.config = config;
        this.port = port;
        this.pool = pool;
        this.notifier = notifier;
        this.sessions = core.sessions();
        this.core = core;
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
        if (config.database().embedded()) {
            EmbeddedDatabase embedded = EmbeddedDatabase.start(config.database().dataDir(),
                    config.database().embeddedPort());
            resources.push(embedded);
            String secret = config.jwt().secret();
            if (secret == null) {
                secret = DevSecret.loadOrCreate(config.database().dataDir());
                log.info("Development JWT secret kept in {}; mint tokens with: java -jar target/switchboard.jar"
                        + " token --user 1 --role agent", config.database().dataDir().resolve("jwt-secret"));
            }
            config = config.withDatabase(embedded.url(), secret);
            if (config.pusher().devApp()) {
                PusherApp dev = DevPusherApp.loadOrCreate(config.database().dataDir());
                log.info("Development Pusher app for Laravel Echo: REVERB_APP_ID={} REVERB_APP_KEY={}"
                        + " REVERB_APP_SECRET={} (secret kept in {})", dev.id(), dev.key(), dev.secret(),
                        DevPusherApp.file(config.database().dataDir()));
                config = config.withPusher(config.pusher().withApps(List.of(dev)));
            }
        }
        log.info("Starting node {} with {}", config.node().id(), config);

        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        NodeMetrics metrics = new NodeMetrics(prometheus);
        metrics.bindJvm();
        resources.push(metrics::close);
        HikariDataSource pool = Database.pool(config.database().url(), config.database().poolSize(),
                config.node().id(), prometheus);
        resources.push(pool);
        Database.migrate(pool);

        ObjectMapper mapper = new ObjectMapper();
        ScheduledExecutorService timers = scheduler("switchboard-timers");
        resources.push(timers::shutdownNow);
        ScheduledExecutorService maintenance = scheduler("switchboard-maintenance");
        resources.push(maintenance::shutdownNow);
        ExecutorService writers = writers();
        resources.push(writers::shutdownNow);

        TokenVerifier verifier = new TokenVerifier(config.jwt().secret(),
                config.jwt().publicKeyPem() == null ? null : PemKeys.parseRsaPublicKey(config.jwt().publicKeyPem()));
        DatabaseReplaySource replay = DatabaseReplaySource.start(pool, config.limits().maxResumeEvents(),
                RealtimeCore.MAX_RESUME_CHARS, REPLAY_THREADS);
        resources.push(replay);
        // The Pusher protocol side shares the writers and the send-queue limits of the helpdesk side; committed
        // channel events reach its channels through the core's dispatcher, like every other event.
        PusherServer pusher = config.pusher().enabled() ? new PusherServer(config.pusher(), mapper, TimeSource.SYSTEM,
                writers, RealtimeCore.queueLimits(coreSettings(config)), metrics) : null;
        List<PusherApp> pusherApps = pusher == null ? List.of() : config.pusher().apps();
        ChannelDirectory pusherChannels = pusher == null ? ChannelDirectory.NONE : pusher.directory();
        RealtimeCore core = RealtimeCore.create(coreSettings(config), verifier, mapper,
                new ExecutorScheduler(timers), TimeSource.SYSTEM, writers, metrics,
                new ChannelPublisher(pusherApps, pusherChannels), replay);

        // The database side only feeds the core: committed events through the listener, nothing else.
        Config db = config;
        resources.push(Sequencer.start(() -> Database.openSequencerConnection(db.database().url(), db.node().id()),
                config.node().sequencerSpacing()));
        // Presence and typing across nodes: heard on the LISTEN connection, told from the bus's own connection.
        // Pusher presence members travel the same way, so a presence channel has one member list across nodes.
        RosterSync roster = pusher == null ? RosterSync.NONE : pusher.roster();
        ClusterBus bus = new ClusterBus(config.node().id(),
                () -> Database.openClusterConnection(db.database().url(), db.node().id()), core.presence(), roster,
                mapper, config.node().clusterRenew(), config.node().clusterLease());
        EventListener listener = new EventListener(
                () -> Database.openListenerConnection(db.database().url(), db.node().id()), core.dispatcher(),
                new EventListener.Channel(ClusterBus.CHANNEL, new ClusterInbox(config.node().id(), core.presence(),
                        core.typing(), roster, mapper, bus::requestRenewal)));
        listener.start();
        resources.push(listener);
        bus.start();
        core.attachCluster(bus);
        if (pusher != null) {
            pusher.attachCluster(bus);
        }
        resources.push(bus);
        metrics.gauge("switchboard.cluster.peers", "Other live nodes this node counts agents from",
                core.presence(), presence -> presence.knownPeers().size());
        metrics.gauge("switchboard.cluster.dropped", "Presence and typing notifications not sent since start",
                bus, ClusterBus::dropped);

        HealthProbe probe = new HealthProbe(pool, listener::healthy);
        probe.check();
        maintenance.scheduleWithFixedDelay(probe::check, 2, 2, TimeUnit.SECONDS);
        ListenerLag lag = new ListenerLag(pool, listener::lastId, metrics);
        maintenance.scheduleWithFixedDelay(lag::sample, 0, 2, TimeUnit.SECONDS);
        EventPruner pruner = new EventPruner(pool, config.retention().events());
        maintenance.scheduleWithFixedDelay(pruner::prune, 1, 10, TimeUnit.MINUTES);
        timers.scheduleAtFixedRate(core::heartbeat,
                config.timeouts().pingInterval().toMillis(), config.timeouts().pingInterval().toMillis(),
                TimeUnit.MILLISECONDS);

        if (pusher != null) {
            timers.scheduleAtFixedRate(pusher::heartbeat, 1, 1, TimeUnit.SECONDS);
        }

        Notifier notifier = new Notifier(mapper);
        TokenIssuer issuer = config.jwt().secret() == null ? null : new TokenIssuer(config.jwt().secret());

        Map<String, HttpHandler> handlers = new LinkedHashMap<>();
        Liveness liveness = new Liveness(System::nanoTime);
        timers.scheduleAtFixedRate(() -> {
            liveness.timersTicked();
            writers.execute(liveness::writersTicked);
        }, 1, 1, TimeUnit.SECONDS);
        Instant startedAt = Instant.now();
        for (HealthHandler.Check check : HealthHandler.Check.values()) {
            handlers.put(check == HealthHandler.Check.HEALTH ? "/health"
                    : "/health/" + check.name().toLowerCase(java.util.Locale.ROOT),
                    new HealthHandler(check, probe, liveness, mapper, config.node().id(), core.sessions()::size,
                            startedAt, pusher == null ? null : pusher::connectionCount,
                            pusher == null ? null : pusher::channelCount));
        }
        handlers.put("/metrics", new MetricsHandler(prometheus));
        handlers.put("/admin/*", new FolderHandler("/admin", StaticFiles.fromClasspath("static/admin/")));
        ClusterStats cluster = new ClusterStats(config.node().id(), pool, core, lag, probe, mapper, startedAt);
        maintenance.scheduleWithFixedDelay(cluster::tick, 0, ClusterStats.TICK.toMillis(), TimeUnit.MILLISECONDS);
        handlers.put("/assets/*", StaticFiles.fromClasspath("static/assets/"));
        if (!pusherApps.isEmpty()) {
            PusherHttpApi pusherApi = new PusherHttpApi(pusherApps, pusherChannels, pool, mapper, TimeSource.SYSTEM,
                    PusherHttpApi.DEFAULT_MAX_BODY_BYTES);
            resources.push(pusherApi);
            handlers.put(PusherHttpApi.MAPPING, pusherApi);
        }
        if (config.demo().enabled()) {
            // The reference helpdesk and agent console take over "/" (Config refuses DEMO without an HS256 secret).
            DemoApp demo = DemoApp.install(pool, notifier, issuer, verifier, mapper);
            resources.push(demo);
            handlers.putAll(demo.handlers());
        } else {
            handlers.put("", new TextHandler("Switchboard node " + config.node().id()
                    + ": WebSocket at /ws, health at /health, client library at /assets/js/websocket-client.js\n"));
        }

        TyrusContainer container = new TyrusContainer(config.limits().maxFrameBytes(),
                config.limits().maxConnections(), config.timeouts().handshake(), metrics);
        container.register(WebSocketEndpoint.config(core));
        if (pusher != null) {
            container.register(PusherEndpoint.config(pusher));
        }
        WebServer web = WebServer.create(config.listen().host(), config.listen().port(), container,
                new OriginPolicy(config.listen().allowedOrigins(), config.listen().allowAnyOrigin()), handlers,
                metrics);
        int port = web.start();
        resources.push(web::stop);
        if (config.demo().enabled()) {
            log.info("Agent console: http://{}:{}/  (customer page: http://{}:{}/demo/customer?conversation=1)",
                    config.listen().host(), port, config.listen().host(), port);
        }
        log.info("Switchboard node {} serving on http://{}:{} (WebSocket ws://{}:{}{})", config.node().id(),
                config.listen().host(), port, config.listen().host(), port, WebSocketEndpoint.PATH);
        if (pusher != null) {
            log.info("Pusher protocol for Laravel Echo and pusher-js at ws://{}:{}/app/{key} ({} app(s))",
                    config.listen().host(), port, config.pusher().apps().size());
        }
        Switchboard node = new Switchboard(config, port, pool, notifier, core, web, probe, resources);
        node.pusher = pusher;
        return node;
    }

    /**
     * This node's Pusher channels, where committed channel events are published and the HTTP API reads from;
     * {@link ChannelDirectory#NONE} when no Pusher app is configured.
     */
    public ChannelDirectory pusherChannels() {
        return pusher == null ? ChannelDirectory.NONE : pusher.directory();
    }

    /**
     * Marks the node as draining: {@code GET /health/ready} answers 503 from now on, so orchestrators send no new
     * clients; {@link #close()} starts with it.
     */
    public void drain() {
        probe.drain();
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
        return core.registry().size();
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
        drain();
        events.info("node_draining", "node", config.node().id(), "sessions", sessions.size());
        web.stopAccepting();
        sessions.closeAll(CloseCodes.GOING_AWAY, "server shutting down");
        if (pusher != null) {
            pusher.closeAll();
        }
        long deadline = System.nanoTime() + Math.min(3_000, config.timeouts().shutdown().toMillis() / 2) * 1_000_000L;
        while ((sessions.size() > 0 || (pusher != null && pusher.openConnections() > 0))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (sessions.size() > 0) {
            // Stuck behind clients that stopped reading: stopping the listener drops their connections.
            events.info("sessions_dropped", "node", config.node().id(), "sessions", sessions.size(),
                    "message", "sessions did not close in time");
        }
        closeAll(resources);
        events.info("node_stopped", "node", config.node().id());
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

    /** The realtime core's part of the configuration. */
    private static RealtimeCore.Settings coreSettings(Config config) {
        return new RealtimeCore.Settings(config.node().id(), config.timeouts().auth(), config.timeouts().typing(),
                config.timeouts().presenceGrace(), config.limits().sendQueueLimit(), config.timeouts().slowConsumer(),
                config.limits().rateLimitPerSecond(), config.limits().rateLimitBurst(), config.limits().maxFrameBytes(), config.timeouts().idle());
    }

    /**
     * Runs every connection's socket writes and closes, one at a time per connection. Writes are asynchronous,
     * so a few threads serve thousands of connections; a close may run our close handling inline, which is short.
     * Its queue holds at most one pump per connection (plus closes and pings), so it is bounded by the connections.
     */
    private static ExecutorService writers() {
        AtomicInteger count = new AtomicInteger();
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        return Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "switchboard-writer-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
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
