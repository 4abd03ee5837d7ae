package dev.switchboard.config;

import java.util.List;

/**
 * The reference helpdesk and agent console the node can serve.
 *
 * @param enabled serve the demo pages and their JSON API
 */
public record DemoConfig(boolean enabled) {
    static final Setting DEMO = Setting.computed("DEMO", "(true when embedded, else false)",
            "serve the demo helpdesk and console");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(DEMO);

    /**
     * @param databaseUrlGiven whether the operator set {@code DATABASE_URL}: then the demo is off unless asked for
     * @param jwt              the demo signs its users in by minting HS256 tokens, so it needs the secret
     */
    static DemoConfig from(EnvReader r, boolean databaseUrlGiven, JwtConfig jwt) {
        boolean enabled = r.bool(DEMO, !databaseUrlGiven);
        if (enabled && databaseUrlGiven && jwt.secret() == null) {
            // The embedded default generates a secret later; with a DATABASE_URL a public key alone cannot sign.
            r.problem(DEMO, "=true needs JWT_SECRET: the demo helpdesk mints HS256 sign-in tokens"
                    + " (set DEMO=false when only JWT_PUBLIC_KEY is configured)");
        }
        return new DemoConfig(enabled);
    }
}
