package dev.switchboard.config;

import java.util.List;

/**
 * Thrown at start when one or more settings are invalid. Each problem is one line that names its variable,
 * so an operator reading the supervisor log fixes every bad setting in one pass.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per invalid setting, each starting with the variable's name. */
    public List<String> problems() {
        return problems;
    }
}
