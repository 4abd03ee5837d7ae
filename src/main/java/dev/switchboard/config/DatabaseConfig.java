package dev.switchboard.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Which PostgreSQL the node uses and how many connections it holds.
 *
 * @param url      where PostgreSQL is; {@code null} until the embedded default has started, when no
 *                 {@code DATABASE_URL} is given (see {@link #embedded()})
 * @param poolSize JDBC connections in the pool (the LISTEN connection is separate)
 * @param dataDir  folder for the embedded database and the generated development secret
 * @param embeddedPort loopback port of the embedded PostgreSQL, fixed so the web app's configuration keeps
 *                     working across restarts; 0 picks any free port (tests running side by side)
 */
public record DatabaseConfig(DatabaseUrl url, int poolSize, Path dataDir, int embeddedPort) {
    static final Setting DATABASE_URL = Setting.computed("DATABASE_URL", "(none: embedded PostgreSQL)",
            "postgres://user:pass@host:5432/db?sslmode=require or jdbc:postgresql://host:5432/db");
    static final Setting DATABASE_USER = Setting.computed("DATABASE_USER", "(from the URL)",
            "overrides the user in DATABASE_URL");
    static final Setting DATABASE_PASSWORD = Setting.computed("DATABASE_PASSWORD", "(from the URL)",
            "overrides the password in DATABASE_URL");
    static final Setting DATABASE_POOL_SIZE = Setting.of("DATABASE_POOL_SIZE", "4",
            "pooled connections (the LISTEN connection is separate)");
    static final Setting DATA_DIR = Setting.of("DATA_DIR", "./data",
            "embedded default only: PostgreSQL files and the development secret");

    /**
     * 25432 keeps PostgreSQL's 5432 recognisable without taking it from a system PostgreSQL (nor 5433, where
     * Debian puts a second cluster), and lies below every operating system's ephemeral range (Linux 32768+,
     * Windows and macOS 49152+), so an outgoing connection can never happen to hold it when the node starts.
     */
    static final Setting EMBEDDED_DB_PORT = Setting.of("EMBEDDED_DB_PORT", "25432",
            "embedded default only: loopback port of its PostgreSQL, for your app to connect to; 0 for any free"
                    + " port");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS =
            List.of(DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, DATABASE_POOL_SIZE, DATA_DIR,
                    EMBEDDED_DB_PORT);

    /** True when no database is given and the node runs its own PostgreSQL in {@link #dataDir}. */
    public boolean embedded() {
        return url == null;
    }

    /** The same settings pointing at {@code resolvedUrl}, once the embedded default has started. */
    public DatabaseConfig withUrl(DatabaseUrl resolvedUrl) {
        return new DatabaseConfig(resolvedUrl, poolSize, dataDir, embeddedPort);
    }

    static DatabaseConfig from(EnvReader r) {
        DatabaseUrl url = null;
        String rawUrl = r.string(DATABASE_URL);
        if (rawUrl != null) {
            try {
                url = DatabaseUrl.parse(rawUrl)
                        .withCredentials(r.string(DATABASE_USER), r.string(DATABASE_PASSWORD));
            } catch (IllegalArgumentException e) {
                r.problem(DATABASE_URL, e.getMessage());
            }
        }
        Path dataDir = Path.of(r.string(DATA_DIR)).toAbsolutePath().normalize();
        int poolSize = r.integer(DATABASE_POOL_SIZE, 1, 200);
        int embeddedPort = r.integer(EMBEDDED_DB_PORT, 0, 65535);
        return new DatabaseConfig(url, poolSize, dataDir, embeddedPort);
    }

    /**
     * True when the operator gave a {@code DATABASE_URL}, usable or not: the rules of other groups that depend on
     * it (a production node needs a JWT key, the demo is off) apply as soon as one is set.
     */
    static boolean urlGiven(EnvReader r) {
        return r.isSet(DATABASE_URL);
    }
}
