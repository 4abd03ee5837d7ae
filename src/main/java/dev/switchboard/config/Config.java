package dev.switchboard.config;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every setting of a Switchboard node, read once from the environment and validated at start, in small groups:
 * a new setting is declared, read, validated and printed in the one group it belongs to.
 *
 * <p>Immutable on purpose: components receive the record (or the values they need) when they are built and
 * never re-read the environment, so a test can run several servers in one JVM with different settings.
 *
 * <p>{@link #toString} is the record's own, made of the groups' own, so it lists every setting there is; only
 * {@link JwtConfig} writes its own, to hide the keys, and {@link DatabaseUrl} hides the database password.
 *
 * @param listen    where the node accepts connections and from which browser origins
 * @param database  which PostgreSQL it uses
 * @param jwt       the keys that verify tokens
 * @param node      who this node is in a cluster
 * @param limits    what one client, and all together, may ask of the node
 * @param timeouts  how long the node waits for clients and for its own shutdown
 * @param retention how long delivered events are kept
 * @param demo      whether the reference helpdesk is served
 * @param pusher    the Pusher-compatible protocol: its apps and limits
 */
public record Config(
        ListenConfig listen,
        DatabaseConfig database,
        JwtConfig jwt,
        NodeConfig node,
        LimitsConfig limits,
        TimeoutsConfig timeouts,
        RetentionConfig retention,
        DemoConfig demo,
        PusherConfig pusher) {

    /**
     * Read by {@code logback.xml} before any of this runs, not by {@link #fromEnvironment}; declared here so the
     * help table lists every variable an operator can set.
     */
    static final Setting LOG_LEVEL = Setting.of("LOG_LEVEL", "INFO", "root log level");
    /**
     * Read by {@code logback.xml} too; checked here only so a misspelt format fails the start with the other
     * configuration errors instead of silently printing text.
     */
    static final Setting LOG_FORMAT = Setting.of("LOG_FORMAT", "text",
            "log line format: text (key=value) or json (one object per line)");

    /**
     * Every environment variable Switchboard reads, grouped as the record is, each with its default and meaning:
     * the source of the help table.
     */
    public static final List<Setting> SETTINGS = Stream.of(
                    ListenConfig.SETTINGS, DatabaseConfig.SETTINGS, JwtConfig.SETTINGS, NodeConfig.SETTINGS,
                    LimitsConfig.SETTINGS, TimeoutsConfig.SETTINGS, RetentionConfig.SETTINGS, DemoConfig.SETTINGS,
                    PusherConfig.SETTINGS, List.of(LOG_LEVEL, LOG_FORMAT))
            .flatMap(List::stream)
            .toList();

    /**
     * Builds the configuration from environment variables.
     *
     * @param env usually {@link System#getenv()}
     * @throws ConfigException listing every invalid setting, one line each
     */
    public static Config fromEnvironment(Map<String, String> env) {
        EnvReader r = new EnvReader(env);
        boolean databaseUrlGiven = DatabaseConfig.urlGiven(r);
        JwtConfig jwt = JwtConfig.from(r, databaseUrlGiven);
        Config config = new Config(
                ListenConfig.from(r),
                DatabaseConfig.from(r),
                jwt,
                NodeConfig.from(r),
                LimitsConfig.from(r),
                TimeoutsConfig.from(r),
                RetentionConfig.from(r),
                DemoConfig.from(r, databaseUrlGiven, jwt),
                PusherConfig.from(r, databaseUrlGiven));
        if (!List.of("text", "json").contains(r.string(LOG_FORMAT).toLowerCase(java.util.Locale.ROOT))) {
            r.problem(LOG_FORMAT, "must be text or json, got '" + r.string(LOG_FORMAT) + "'");
        }
        if (!r.problems().isEmpty()) {
            throw new ConfigException(r.problems());
        }
        return config;
    }

    /** The same configuration with another database and secret, once the embedded default has resolved them. */
    public Config withDatabase(DatabaseUrl resolvedDatabase, String resolvedSecret) {
        return new Config(listen, database.withUrl(resolvedDatabase), jwt.withSecret(resolvedSecret), node, limits,
                timeouts, retention, demo, pusher);
    }

    /** The same configuration with the Pusher apps resolved (the embedded default's development app). */
    public Config withPusher(PusherConfig resolvedPusher) {
        return new Config(listen, database, jwt, node, limits, timeouts, retention, demo, resolvedPusher);
    }
}
