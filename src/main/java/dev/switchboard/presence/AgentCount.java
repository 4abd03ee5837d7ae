package dev.switchboard.presence;

/**
 * An agent's open connections on one node, and the display name her token carries.
 *
 * @param connections open connections on that node; zero when she just left it
 * @param name        the display name, {@code null} when the token has none
 */
public record AgentCount(int connections, String name) {
    public AgentCount {
        if (connections < 0) {
            throw new IllegalArgumentException("connections must not be negative: " + connections);
        }
    }
}
