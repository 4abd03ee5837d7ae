package dev.switchboard.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values out of an environment map and collects one message per bad value instead of failing on
 * the first, so {@link Config#fromEnvironment} can report every problem at once.
 */
final class EnvReader {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    EnvReader(Map<String, String> env) {
        this.env = env;
    }

    /** The trimmed value, or {@code null} when unset or blank: an empty variable means "use the default". */
    String string(String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.trim();
    }

    String string(String name, String fallback) {
        String value = string(name);
        return value == null ? fallback : value;
    }

    int integer(String name, int fallback, int min, int max) {
        String value = string(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                problem(name, "must be between " + min + " and " + max + ", got " + parsed);
                return fallback;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(name, "must be a whole number, got '" + value + "'");
            return fallback;
        }
    }

    boolean bool(String name, boolean fallback) {
        String value = string(name);
        if (value == null) {
            return fallback;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true": case "1": case "yes": case "on":
                return true;
            case "false": case "0": case "no": case "off":
                return false;
            default:
                problem(name, "must be true or false, got '" + value + "'");
                return fallback;
        }
    }

    /** Accepts {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 ({@code PT10S}). */
    Duration duration(String name, Duration fallback, Duration min, Duration max) {
        String value = string(name);
        if (value == null) {
            return fallback;
        }
        Duration parsed = parseDuration(value);
        if (parsed == null) {
            problem(name, "must be a duration such as 500ms, 10s, 5m, 2h or 7d, got '" + value + "'");
            return fallback;
        }
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            problem(name, "must be between " + human(min) + " and " + human(max) + ", got '" + value + "'");
            return fallback;
        }
        return parsed;
    }

    static Duration parseDuration(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.startsWith("p")) {
            try {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                return null;
            }
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            return null;
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return null;
        }
        try {
            switch (m.group(2)) {
                case "ms": return Duration.ofMillis(amount);
                case "s": return Duration.ofSeconds(amount);
                case "m": return Duration.ofMinutes(amount);
                case "h": return Duration.ofHours(amount);
                default: return Duration.ofDays(amount);
            }
        } catch (ArithmeticException e) {
            return null; // e.g. 999999999999999999h: too large for a Duration, reported like any other bad value
        }
    }

    private static String human(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + "ms";
        }
        if (d.toSeconds() < 60 || d.toSeconds() % 60 != 0) {
            return d.toSeconds() + "s";
        }
        if (d.toMinutes() < 60 || d.toMinutes() % 60 != 0) {
            return d.toMinutes() + "m";
        }
        if (d.toHours() < 24 || d.toHours() % 24 != 0) {
            return d.toHours() + "h";
        }
        return d.toDays() + "d";
    }

    void problem(String name, String message) {
        problems.add(name + " " + message);
    }

    List<String> problems() {
        return problems;
    }
}
