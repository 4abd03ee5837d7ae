package dev.switchboard.testing;

import dev.switchboard.Switchboard;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.config.Config;
import dev.switchboard.config.DatabaseUrl;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Switchboard node for a test: the production wiring ({@link Switchboard#start}) on a random port, against
 * its own fresh database on the shared test PostgreSQL.
 */
public final class TestServer implements AutoCloseable {
    /** HS256 secret shared by test servers and the tokens tests mint. */
    public static final String SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

    private final Switchboard node;
    private final DatabaseUrl database;
    private final TokenIssuer issuer = new TokenIssuer(SECRET);

    private TestServer(Switchboard node, DatabaseUrl database) {
        this.node = node;
        this.database = database;
    }

    /** Starts a node with test defaults; {@code overrides} are environment variables (e.g. PRESENCE_GRACE). */
    public static TestServer start(Map<String, String> overrides) {
        return start(TestDatabases.createDatabase(), overrides);
    }

    /** Starts a node with test defaults. */
    public static TestServer start() {
        return start(Map.of());
    }

    /** Starts a node on a given database. */
    public static TestServer start(DatabaseUrl database, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "0");
        env.put("DATABASE_URL", database.jdbcUrl());
        if (database.user() != null) {
            env.put("DATABASE_USER", database.user());
        }
        if (database.password() != null) {
            env.put("DATABASE_PASSWORD", database.password());
        }
        env.put("JWT_SECRET", SECRET);
        env.put("NODE_ID", "test");
        env.put("PRESENCE_GRACE", "200ms");
        env.putAll(overrides);
        try {
            return new TestServer(Switchboard.start(Config.fromEnvironment(env)), database);
        } catch (Exception e) {
            throw new IllegalStateException("test server failed to start", e);
        }
    }

    public int port() {
        return node.port();
    }

    public Switchboard node() {
        return node;
    }

    public DatabaseUrl database() {
        return database;
    }

    /** A token for an agent. */
    public String agentToken(long userId) {
        return token(userId, Role.AGENT, "Agent " + userId, List.of());
    }

    /** A token for a contact allowed into the given conversations. */
    public String contactToken(long userId, Long... conversations) {
        return token(userId, Role.CONTACT, "Contact " + userId, List.of(conversations));
    }

    public String token(long userId, Role role, String name, List<Long> conversations) {
        return issuer.issue(userId, role, name, conversations, Duration.ofHours(1));
    }

    /** A new, unauthenticated connection. */
    public WsClient connect() {
        return WsClient.connect(port());
    }

    /** A connection authenticated as an agent. */
    public WsClient agent(long userId) {
        WsClient client = connect();
        client.authenticate(agentToken(userId));
        client.await("presence");
        return client;
    }

    /** A connection authenticated as a contact. */
    public WsClient contact(long userId, Long... conversations) {
        WsClient client = connect();
        client.authenticate(contactToken(userId, conversations));
        return client;
    }

    /** A superuser JDBC connection to this server's database, autocommit on. */
    public Connection sql() throws SQLException {
        return TestDatabases.superuser(TestDatabases.databaseName(database));
    }

    @Override
    public void close() {
        node.close();
    }
}
