package dev.switchboard.protocol;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigInteger;
import java.util.OptionalLong;

/**
 * The one rule for "a positive whole-number id", wherever an id arrives: a client frame, a token claim, a command
 * line option, a demo request body or URL. Each caller turns an empty result into its own error.
 *
 * <p>Accepted: a whole number from 1 to {@link Long#MAX_VALUE} given as a number, or a string of 1 to
 * {@value #MAX_DIGITS} ASCII digits (leading zeros allowed), because PHP pages often print ids as strings. No sign,
 * no whitespace, no fraction or exponent, not even {@code 1.0}. Eighteen digits always fit in a {@code long}, so a
 * string can never overflow; ids that large do not occur in practice.
 */
public final class PositiveId {
    /** Longest digit string accepted. */
    public static final int MAX_DIGITS = 18;

    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private PositiveId() {
    }

    /** Parses a string of digits; empty for anything else or for zero. */
    public static OptionalLong parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_DIGITS) {
            return OptionalLong.empty();
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalLong.empty();
            }
            value = value * 10 + (c - '0');
        }
        return positive(value);
    }

    /** A JSON integer or a JSON string of digits; empty for any other JSON value, {@code null} included. */
    public static OptionalLong fromJson(JsonNode node) {
        if (node == null) {
            return OptionalLong.empty();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? positive(node.longValue()) : OptionalLong.empty();
        }
        if (node.isTextual()) {
            return parse(node.textValue());
        }
        return OptionalLong.empty();
    }

    /**
     * A value as a JSON library decoded it: an integer type or a string of digits. Floating-point numbers are
     * refused even when whole, as {@link #fromJson} refuses {@code 1.0}.
     */
    public static OptionalLong fromValue(Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return positive(((Number) value).longValue());
        }
        if (value instanceof BigInteger) {
            BigInteger big = (BigInteger) value;
            return big.signum() > 0 && big.compareTo(LONG_MAX) <= 0 ? positive(big.longValue()) : OptionalLong.empty();
        }
        if (value instanceof String) {
            return parse((String) value);
        }
        return OptionalLong.empty();
    }

    private static OptionalLong positive(long value) {
        return value > 0 ? OptionalLong.of(value) : OptionalLong.empty();
    }
}
