package dev.switchboard.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads typed values of {@link Setting}s out of an environment map and collects one message per bad value instead
 * of failing on the first, so {@link Config#fromEnvironment} can report every problem at once.
 */
final class EnvReader {
    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    EnvReader(Map<String, String> env) {
        this.env = env;
    }

    /**
     * The trimmed value, else the literal default, else {@code null}: an empty variable means "use the default".
     */
    String string(Setting setting) {
        String value = given(setting);
        return value != null ? value : setting.defaultValue();
    }

    /** The trimmed value, or {@code fallback} (a computed default) when unset or blank. */
    String string(Setting setting, String fallback) {
        String value = given(setting);
        return value != null ? value : fallback;
    }

    /** True when the operator set the variable to something other than blanks. */
    boolean isSet(Setting setting) {
        return given(setting) != null;
    }

    int integer(Setting setting, int min, int max) {
        int fallback = Integer.parseInt(setting.requireDefault());
        String value = given(setting);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                problem(setting, "must be between " + min + " and " + max + ", got " + parsed);
                return fallback;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(setting, "must be a whole number, got '" + value + "'");
            return fallback;
        }
    }

    /** Accepts {@code true/false}, {@code 1/0}, {@code yes/no}, {@code on/off}; {@code fallback} when unset. */
    boolean bool(Setting setting, boolean fallback) {
        String value = given(setting);
        if (value == null) {
            return fallback;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true": case "1": case "yes": case "on":
                return true;
            case "false": case "0": case "no": case "off":
                return false;
            default:
                problem(setting, "must be true or false, got '" + value + "'");
                return fallback;
        }
    }

    /** Any form {@link Durations#parse} reads, between {@code min} and {@code max} inclusive. */
    Duration duration(Setting setting, Duration min, Duration max) {
        Duration fallback = Durations.parse(setting.requireDefault());
        String value = given(setting);
        if (value == null) {
            return fallback;
        }
        Duration parsed;
        try {
            parsed = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            problem(setting, "must be a duration such as " + Durations.EXAMPLES + ", got '" + value + "'");
            return fallback;
        }
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            problem(setting, "must be between " + Durations.format(min) + " and " + Durations.format(max)
                    + ", got '" + value + "'");
            return fallback;
        }
        return parsed;
    }

    /** Records that {@code setting}'s value is unusable; {@code message} follows the variable's name. */
    void problem(Setting setting, String message) {
        problems.add(setting.name() + " " + message);
    }

    List<String> problems() {
        return problems;
    }

    private String given(Setting setting) {
        String value = env.get(setting.name());
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.trim();
    }
}
