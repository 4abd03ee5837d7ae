package dev.switchboard.config;

/**
 * One environment variable Switchboard reads: its name, its default and what it means, declared once in the group
 * that reads it, so the group's reader, the start-up validation and the operator's help table share one source.
 *
 * @param name         the environment variable
 * @param defaultValue the value used when the variable is unset or blank, written as an operator would write it
 *                     ({@code 8080}, {@code 10s}); {@code null} when the default is computed at start or there is
 *                     none, see {@code shownDefault}
 * @param shownDefault the default as the help table shows it: {@code defaultValue}, or words for a computed one
 * @param description  what the setting does, one sentence
 */
public record Setting(String name, String defaultValue, String shownDefault, String description) {

    /** A setting whose default is a literal value the group's reader parses like any value an operator writes. */
    static Setting of(String name, String defaultValue, String description) {
        return new Setting(name, defaultValue, defaultValue, description);
    }

    /**
     * A setting with no literal default: none at all, or one computed at start (a host name, a generated secret).
     *
     * @param shownDefault the default in words, for the help table
     */
    static Setting computed(String name, String shownDefault, String description) {
        return new Setting(name, null, shownDefault, description);
    }

    /** The literal default, for readers that need one; a computed setting read that way is a programming error. */
    String requireDefault() {
        if (defaultValue == null) {
            throw new IllegalStateException(name + " has a computed default: read it with an explicit fallback");
        }
        return defaultValue;
    }
}
