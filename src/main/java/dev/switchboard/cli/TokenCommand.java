package dev.switchboard.cli;

import dev.switchboard.auth.DevSecret;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.config.Config;
import dev.switchboard.config.ConfigException;
import dev.switchboard.config.Durations;
import dev.switchboard.protocol.PositiveId;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code switchboard token --user 123 --role agent --ttl 1h}: mints an HS256 token with the node's secret, for
 * operators trying the server out and for scripts. With no {@code JWT_SECRET} and no {@code DATABASE_URL} it uses
 * the embedded default's development secret that the server keeps in {@code DATA_DIR}, and refuses when there is
 * none rather than sign with a secret the server does not know.
 */
public final class TokenCommand {
    /** Longest lifetime minted: far beyond any sane token, and well inside what an expiry date can represent. */
    private static final Duration MAX_TTL = Duration.ofDays(36_500);

    private TokenCommand() {
    }

    /**
     * @return the process exit status: 0 on success, 2 on bad arguments or configuration
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Long user = null;
        Role role = null;
        Duration ttl = Duration.ofHours(1);
        String name = null;
        List<Long> conversations = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--help") || flag.equals("-h")) {
                    out.println(usage());
                    return 0;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String value = args[++i];
                switch (flag) {
                    case "--user":
                        user = PositiveId.parse(value).orElseThrow(
                                () -> new IllegalArgumentException("--user must be a positive whole-number id"));
                        break;
                    case "--role":
                        role = Role.fromWire(value);
                        if (role == null) {
                            throw new IllegalArgumentException("--role must be agent, admin or contact");
                        }
                        break;
                    case "--ttl":
                        ttl = parseTtl(value);
                        break;
                    case "--name":
                        name = value;
                        break;
                    case "--conversations":
                        conversations.addAll(conversationIds(value));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (user == null || role == null) {
                throw new IllegalArgumentException("--user and --role are required");
            }
        } catch (IllegalArgumentException e) {
            err.println("switchboard token: " + e.getMessage() + "\n" + usage());
            return 2;
        }

        String secret;
        try {
            // The server's own reading of the environment, so DATA_DIR and its default resolve as the server's do.
            Config config = Config.fromEnvironment(env);
            secret = config.jwt().secret();
            if (secret == null && config.database().embedded()) {
                // Never create one here: a fresh secret signs tokens the running server refuses.
                secret = DevSecret.find(config.database().dataDir()).orElse(null);
                if (secret == null) {
                    err.println("switchboard token: no JWT secret found: JWT_SECRET is not set and there is no"
                            + " secret in " + DevSecret.file(config.database().dataDir()) + ". Start the server once"
                            + " to create it, then run token from the same folder (or with the same DATA_DIR or"
                            + " JWT_SECRET as the server)");
                    return 2;
                }
            }
        } catch (ConfigException e) {
            e.problems().forEach(p -> err.println("switchboard token: invalid configuration: " + p));
            return 2;
        } catch (UncheckedIOException e) {
            err.println("switchboard token: " + e.getMessage() + ": " + e.getCause().getMessage());
            return 2;
        }
        if (secret == null) {
            err.println("switchboard token: JWT_SECRET is not set; with RS256 tokens come from your web app");
            return 2;
        }
        out.println(new TokenIssuer(secret).issue(user, role, name, conversations, ttl));
        return 0;
    }

    private static Duration parseTtl(String value) {
        Duration ttl;
        try {
            ttl = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ttl must look like 30m, 1h or 7d, got '" + value + "'");
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("--ttl must be at most " + MAX_TTL.toDays() + "d");
        }
        // A token's expiry is counted in whole seconds: anything shorter would be expired when minted.
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--ttl must be at least 1s");
        }
        return ttl;
    }

    private static String usage() {
        return "usage: switchboard token --user ID --role agent|admin|contact [--ttl 1h] [--name NAME]"
                + " [--conversations 1,2,3]";
    }

    /** A comma-separated list such as {@code 4, 5,6}: spaces around commas and empty entries are ignored. */
    private static List<Long> conversationIds(String list) {
        List<Long> ids = new ArrayList<>();
        for (String entry : list.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String id = entry.strip();
            ids.add(PositiveId.parse(id).orElseThrow(() -> new IllegalArgumentException(
                    "--conversations must be positive whole-number ids separated by commas, got " + id)));
        }
        return ids;
    }
}
