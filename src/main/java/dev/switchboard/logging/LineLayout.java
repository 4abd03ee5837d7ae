package dev.switchboard.logging;

import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import org.slf4j.event.KeyValuePair;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Logback layout for every line the server prints, in one of two formats chosen by {@code LOG_FORMAT}:
 * <ul>
 *   <li>{@code text} (the default): {@code time LEVEL [thread] logger - message key=value ...}. A value is quoted
 *       when it holds a space, quote, {@code =} or control character, with quotes, backslashes and control
 *       characters escaped, so nothing a client sends (an origin, a claimed user id) can start a line of its own
 *       or pass for another key;</li>
 *   <li>{@code json}: one JSON object per line with {@code time}, {@code level}, {@code logger}, {@code thread},
 *       the key-value pairs as members, {@code message} when there is one, {@code exception} as one string.</li>
 * </ul>
 * Stack traces follow the line in {@code text}; in {@code json} they stay inside the object.
 */
public final class LineLayout extends LayoutBase<ILoggingEvent> {
    /** The values {@code LOG_FORMAT} accepts. */
    public static final List<String> FORMATS = List.of("text", "json");

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneOffset.UTC);
    private final TargetLengthBasedClassNameAbbreviator abbreviator = new TargetLengthBasedClassNameAbbreviator(30);
    private boolean json;

    /** {@code text} or {@code json}; anything else is {@code text} (the configuration reports it at start). */
    public void setFormat(String format) {
        this.json = "json".equals(format == null ? null : format.trim().toLowerCase(Locale.ROOT));
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        return json ? json(event) : text(event);
    }

    private String text(ILoggingEvent event) {
        StringBuilder out = new StringBuilder(160);
        out.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(' ');
        String level = event.getLevel().toString();
        out.append(level).append(" ".repeat(Math.max(0, 5 - level.length())));
        out.append(" [").append(event.getThreadName()).append("] ");
        out.append(abbreviator.abbreviate(event.getLoggerName())).append(" -");
        String message = event.getFormattedMessage();
        if (message != null && !message.isEmpty()) {
            out.append(' ');
            escapeLineBreaks(message, out);
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair pair : pairs) {
                out.append(' ').append(pair.key).append('=');
                textValue(String.valueOf(pair.value), out);
            }
        }
        out.append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            out.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
        }
        return out.toString();
    }

    private String json(ILoggingEvent event) {
        StringBuilder out = new StringBuilder(200);
        out.append("{\"time\":");
        jsonString(TIME.format(Instant.ofEpochMilli(event.getTimeStamp())), out);
        out.append(",\"level\":");
        jsonString(event.getLevel().toString(), out);
        out.append(",\"logger\":");
        jsonString(event.getLoggerName(), out);
        out.append(",\"thread\":");
        jsonString(event.getThreadName(), out);
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair pair : pairs) {
                out.append(',');
                jsonString(pair.key, out);
                out.append(':');
                jsonValue(pair.value, out);
            }
        }
        String message = event.getFormattedMessage();
        if (message != null && !message.isEmpty()) {
            out.append(",\"message\":");
            jsonString(message, out);
        }
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            out.append(",\"exception\":");
            jsonString(ThrowableProxyUtil.asString(thrown), out);
        }
        return out.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
    }

    /**
     * Writes {@code value} bare when it is one plain word, else quoted exactly as a JSON string: an operator's
     * tools read both formats with one unescaping rule, and no client text can end the line.
     */
    static void textValue(String value, StringBuilder out) {
        if (!value.isEmpty() && value.chars().allMatch(LineLayout::plain)) {
            out.append(value);
            return;
        }
        jsonString(value, out);
    }

    private static boolean plain(int c) {
        return c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
    }

    private static void escapeLineBreaks(String message, StringBuilder out) {
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else {
                out.append(c);
            }
        }
    }

    private static void jsonValue(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte) {
            out.append(value);
        } else {
            jsonString(String.valueOf(value), out);
        }
    }

    /** A JSON string literal; control characters and the two Unicode line separators are escaped too. */
    static void jsonString(String value, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
