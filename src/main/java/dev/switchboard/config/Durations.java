package dev.switchboard.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way Switchboard reads a duration an operator typed, in a setting or on the command line, so
 * {@code 10s} means the same everywhere.
 */
public final class Durations {
    private static final Pattern SHORT_FORM = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    /** How a duration may be written, for error messages. */
    public static final String EXAMPLES = "500ms, 10s, 5m, 2h or 7d";

    private Durations() {
    }

    /**
     * Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 7d} (case-insensitive, optional space before
     * the unit) or ISO-8601 ({@code PT10S}). Ranges are the caller's business: ISO-8601 can be negative.
     *
     * @throws IllegalArgumentException when the text is none of those forms or too large for a {@link Duration}
     */
    public static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.startsWith("p")) {
            try {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw notADuration(text);
            }
        }
        Matcher m = SHORT_FORM.matcher(value);
        if (!m.matches()) {
            throw notADuration(text);
        }
        try {
            long amount = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": return Duration.ofMillis(amount);
                case "s": return Duration.ofSeconds(amount);
                case "m": return Duration.ofMinutes(amount);
                case "h": return Duration.ofHours(amount);
                default: return Duration.ofDays(amount);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // More digits than a long, or more time than a Duration holds: as unusable as any other typo.
            throw notADuration(text);
        }
    }

    /**
     * The shortest exact way to write {@code d} in the short form {@link #parse} reads back: {@code 8s}, {@code 5m},
     * {@code 3d}, {@code 1500ms}.
     */
    public static String format(Duration d) {
        if (d.toMillis() < 1000 || d.toMillisPart() != 0) {
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

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException("is not a duration such as " + EXAMPLES + ": '" + text + "'");
    }
}
