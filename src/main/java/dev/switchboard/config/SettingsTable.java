package dev.switchboard.config;

import java.util.List;

/**
 * The operator's list of settings, rendered from {@link Config#SETTINGS}, the declarations the configuration
 * itself reads, so the help text cannot promise a variable, or a default, the server does not have.
 */
public final class SettingsTable {
    /** Wide enough for the longest description line and narrow enough for a terminal. */
    static final int WIDTH = 100;

    private SettingsTable() {
    }

    /** Every setting in {@link Config#SETTINGS}'s order: name and default on one line, the meaning wrapped below. */
    public static String render() {
        return render(Config.SETTINGS);
    }

    static String render(List<Setting> settings) {
        int nameWidth = settings.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        String indent = " ".repeat(4);
        StringBuilder out = new StringBuilder();
        out.append("Settings (environment variables; durations: ").append(Durations.EXAMPLES)
                .append(", or ISO-8601 PT10S):\n");
        for (Setting s : settings) {
            out.append("  ").append(s.name()).append(" ".repeat(nameWidth - s.name().length()))
                    .append("  default: ").append(s.shownDefault()).append('\n');
            wrap(s.description(), indent, out);
        }
        return out.toString();
    }

    private static void wrap(String text, String indent, StringBuilder out) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                out.append(line).append('\n');
                line.setLength(0);
                line.append(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.append(line).append('\n');
    }
}
