package dev.switchboard.config;

import dev.switchboard.auth.PemKeys;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Every setting of a Switchboard node, read once from the environment and validated at start.
 *
 * <p>Immutable on purpose: components receive the record (or the values they need) when they are built and
 * never re-read the environment, so a test can run several servers in one JVM with different settings.
 *
 * @param host             interface to bind; loopback unless the operator says otherwise
 * @param port             TCP port for WebSocket and HTTP; 0 picks a free port (tests)
 * @param database         where PostgreSQL is; {@code null} means start the embedded default in {@link #dataDir}
 * @param dataDir          folder for the embedded database and the generated development secret
 * @param jwtSecret        HS256 key shared with the web app; {@code null} when only RS256 is used, or when the
 *                         embedded default will generate one
 * @param jwtPublicKeyPem  RS256 public key (PEM) of the web app, or {@code null}
 * @param allowedOrigins   browser origins allowed to open a WebSocket; empty means same-origin only
 * @param allowAnyOrigin   {@code ALLOWED_ORIGINS=*}
 * @param nodeId           this node's name in a cluster, in logs and in connection ids
 * @param maxFrameBytes    largest client frame accepted; larger ones close the connection with 1009
 * @param sendQueueLimit   frames a client may be behind; longer than {@code slowConsumerTimeout} (or 16 times as
 *                         many at once) and it is disconnected with 1013
 * @param slowConsumerTimeout how long a client may stay more than {@code sendQueueLimit} frames behind
 * @param rateLimitPerSecond client messages per second allowed per connection (sustained)
 * @param rateLimitBurst   client messages allowed in a burst above the sustained rate
 * @param authTimeout      how long a new connection has to send {@code auth}
 * @param typingTimeout    when the server ends a typing indicator the sender did not refresh
 * @param presenceGrace    how long an agent with no connection stays online (page reloads do not flap)
 * @param pingInterval     how often the server pings each connection
 * @param idleTimeout      a connection silent this long (no frame, no pong) is closed as dead
 * @param maxConnections   open WebSocket connections allowed on this node
 * @param eventRetention   how long delivered events stay in {@code realtime.events}
 * @param databasePoolSize JDBC connections in the pool (the LISTEN connection is separate)
 * @param demo             serve the reference helpdesk and agent console
 * @param shutdownTimeout  how long SIGTERM may take before the process exits anyway
 */
public record Config(
        String host,
        int port,
        DatabaseUrl database,
        Path dataDir,
        String jwtSecret,
        String jwtPublicKeyPem,
        Set<String> allowedOrigins,
        boolean allowAnyOrigin,
        String nodeId,
        int maxFrameBytes,
        int sendQueueLimit,
        Duration slowConsumerTimeout,
        int rateLimitPerSecond,
        int rateLimitBurst,
        Duration authTimeout,
        Duration typingTimeout,
        Duration presenceGrace,
        Duration pingInterval,
        Duration idleTimeout,
        int maxConnections,
        Duration eventRetention,
        int databasePoolSize,
        boolean demo,
        Duration shutdownTimeout) {

    /** HS256 needs a 256-bit key; shorter secrets are refused by the JWT library anyway. */
    public static final int MIN_SECRET_BYTES = 32;

    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public Config {
        allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** True when no {@code DATABASE_URL} was given and the node runs its own PostgreSQL. */
    public boolean embedded() {
        return database == null;
    }

    /**
     * Builds the configuration from environment variables.
     *
     * @param env usually {@link System#getenv()}
     * @throws ConfigException listing every invalid setting, one line each
     */
    public static Config fromEnvironment(Map<String, String> env) {
        EnvReader r = new EnvReader(env);

        String host = r.string("HOST", "127.0.0.1");
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            r.problem("HOST", "is not an address or resolvable host name: '" + host + "'");
        }
        int port = r.integer("PORT", 8080, 0, 65535);

        DatabaseUrl database = null;
        String rawUrl = r.string("DATABASE_URL");
        if (rawUrl != null) {
            try {
                database = DatabaseUrl.parse(rawUrl)
                        .withCredentials(r.string("DATABASE_USER"), r.string("DATABASE_PASSWORD"));
            } catch (IllegalArgumentException e) {
                r.problem("DATABASE_URL", e.getMessage());
            }
        }
        boolean embedded = rawUrl == null;
        Path dataDir = Path.of(r.string("DATA_DIR", "data")).toAbsolutePath().normalize();

        String secret = r.string("JWT_SECRET");
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            r.problem("JWT_SECRET", "must be at least " + MIN_SECRET_BYTES
                    + " bytes (256 bits) for HS256; generate one with: openssl rand -base64 48");
        }
        String publicKey = r.string("JWT_PUBLIC_KEY");
        if (publicKey != null) {
            try {
                publicKey = PemKeys.readPemText(publicKey);
                PemKeys.parseRsaPublicKey(publicKey);
            } catch (IllegalArgumentException e) {
                r.problem("JWT_PUBLIC_KEY", e.getMessage());
            }
        }
        if (!embedded && secret == null && publicKey == null) {
            r.problem("JWT_SECRET", "is required when DATABASE_URL is set (or set JWT_PUBLIC_KEY for RS256 tokens)");
        }

        Set<String> origins = new LinkedHashSet<>();
        boolean anyOrigin = false;
        String rawOrigins = r.string("ALLOWED_ORIGINS");
        if (rawOrigins != null) {
            for (String part : rawOrigins.split(",")) {
                String origin = part.trim();
                if (origin.isEmpty()) {
                    continue;
                }
                if (origin.equals("*")) {
                    anyOrigin = true;
                } else if (validOrigin(origin)) {
                    origins.add(origin.toLowerCase(Locale.ROOT));
                } else {
                    r.problem("ALLOWED_ORIGINS", "entry '" + origin
                            + "' is not an origin like https://app.example.com (scheme://host[:port], no path)");
                }
            }
        }

        String nodeId = r.string("NODE_ID", defaultNodeId());
        if (!NODE_ID.matcher(nodeId).matches()) {
            r.problem("NODE_ID", "must be 1-64 letters, digits, '.', '_' or '-', got '" + nodeId + "'");
        }

        int maxFrame = r.integer("MAX_FRAME_BYTES", 64 * 1024, 1024, 16 * 1024 * 1024);
        int queueLimit = r.integer("SEND_QUEUE_LIMIT", 1024, 16, 1_000_000);
        Duration slowConsumerTimeout = r.duration("SLOW_CONSUMER_TIMEOUT", Duration.ofSeconds(10),
                Duration.ZERO, Duration.ofMinutes(10));
        int rate = r.integer("RATE_LIMIT_PER_SECOND", 20, 1, 100_000);
        int burst = r.integer("RATE_LIMIT_BURST", 40, 1, 1_000_000);
        Duration authTimeout = r.duration("AUTH_TIMEOUT", Duration.ofSeconds(10),
                Duration.ofMillis(100), Duration.ofMinutes(5));
        Duration typingTimeout = r.duration("TYPING_TIMEOUT", Duration.ofSeconds(6),
                Duration.ofMillis(100), Duration.ofMinutes(5));
        Duration presenceGrace = r.duration("PRESENCE_GRACE", Duration.ofSeconds(5),
                Duration.ZERO, Duration.ofMinutes(10));
        Duration pingInterval = r.duration("PING_INTERVAL", Duration.ofSeconds(30),
                Duration.ofMillis(100), Duration.ofMinutes(10));
        Duration idleTimeout = r.duration("IDLE_TIMEOUT", Duration.ofSeconds(75),
                Duration.ofMillis(200), Duration.ofHours(1));
        if (idleTimeout.compareTo(pingInterval) <= 0) {
            r.problem("IDLE_TIMEOUT", "must be longer than PING_INTERVAL (" + pingInterval.toSeconds() + " s), or every"
                    + " connection would be closed between two pings");
        }
        int maxConnections = r.integer("MAX_CONNECTIONS", 10_000, 1, 1_000_000);
        Duration retention = r.duration("EVENT_RETENTION", Duration.ofDays(3),
                Duration.ofMinutes(1), Duration.ofDays(365));
        int poolSize = r.integer("DATABASE_POOL_SIZE", 4, 1, 200);
        boolean demo = r.bool("DEMO", embedded);
        if (demo && !embedded && secret == null) {
            // The demo helpdesk signs its users in by minting HS256 tokens; a public key alone cannot sign.
            r.problem("DEMO", "=true needs JWT_SECRET: the demo helpdesk mints HS256 sign-in tokens"
                    + " (set DEMO=false when only JWT_PUBLIC_KEY is configured)");
        }
        Duration shutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", Duration.ofSeconds(8),
                Duration.ofSeconds(1), Duration.ofMinutes(5));

        if (!r.problems().isEmpty()) {
            throw new ConfigException(r.problems());
        }
        return new Config(host, port, database, dataDir, secret, publicKey, origins, anyOrigin, nodeId,
                maxFrame, queueLimit, slowConsumerTimeout, rate, burst, authTimeout, typingTimeout, presenceGrace,
                pingInterval,
                idleTimeout, maxConnections, retention, poolSize, demo, shutdownTimeout);
    }

    /** The same configuration with another database and secret, once the embedded default has resolved them. */
    public Config withDatabase(DatabaseUrl resolvedDatabase, String resolvedSecret) {
        return new Config(host, port, resolvedDatabase, dataDir, resolvedSecret, jwtPublicKeyPem, allowedOrigins,
                allowAnyOrigin, nodeId, maxFrameBytes, sendQueueLimit, slowConsumerTimeout, rateLimitPerSecond,
                rateLimitBurst,
                authTimeout, typingTimeout, presenceGrace, pingInterval, idleTimeout, maxConnections, eventRetention,
                databasePoolSize, demo, shutdownTimeout);
    }

    private static boolean validOrigin(String origin) {
        try {
            URI uri = new URI(origin);
            String scheme = uri.getScheme();
            return scheme != null
                    && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    && uri.getHost() != null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
                    && uri.getRawQuery() == null;
        } catch (Exception e) {
            return false;
        }
    }

    private static String defaultNodeId() {
        String hostName;
        try {
            hostName = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "");
        } catch (UnknownHostException e) {
            hostName = "node";
        }
        if (hostName.isEmpty() || hostName.length() > 50) {
            hostName = "node";
        }
        // A random suffix keeps two processes on one host apart when the operator sets no NODE_ID.
        return hostName + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** Hides the secrets: the record is logged at start. */
    @Override
    public String toString() {
        return "Config[host=" + host + ", port=" + port
                + ", database=" + (database == null ? "embedded (" + dataDir + ")" : database)
                + ", jwt=" + (jwtPublicKeyPem != null ? "RS256" : "") + (jwtSecret != null ? " HS256" : "")
                + ", origins=" + (allowAnyOrigin ? "*" : allowedOrigins.isEmpty() ? "same-origin" : allowedOrigins)
                + ", nodeId=" + nodeId + ", maxFrameBytes=" + maxFrameBytes + ", sendQueueLimit=" + sendQueueLimit
                + ", slowConsumerTimeout=" + slowConsumerTimeout
                + ", rateLimit=" + rateLimitPerSecond + "/s burst " + rateLimitBurst
                + ", authTimeout=" + authTimeout + ", typingTimeout=" + typingTimeout
                + ", presenceGrace=" + presenceGrace + ", pingInterval=" + pingInterval
                + ", idleTimeout=" + idleTimeout + ", maxConnections=" + maxConnections
                + ", eventRetention=" + eventRetention
                + ", databasePoolSize=" + databasePoolSize + ", demo=" + demo + "]";
    }
}
