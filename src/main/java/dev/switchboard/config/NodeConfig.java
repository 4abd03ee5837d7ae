package dev.switchboard.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Who this node is among the nodes sharing one database.
 *
 * @param id this node's name in a cluster, in logs, health and connection ids
 */
public record NodeConfig(String id) {
    static final Setting NODE_ID = Setting.computed("NODE_ID", "(host name + random suffix)",
            "this node's name in logs, health and connection ids: 1-64 letters, digits, '.', '_' or '-'");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(NODE_ID);

    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    static NodeConfig from(EnvReader r) {
        String id = r.string(NODE_ID, defaultId());
        if (!VALID_ID.matcher(id).matches()) {
            r.problem(NODE_ID, "must be 1-64 letters, digits, '.', '_' or '-', got '" + id + "'");
        }
        return new NodeConfig(id);
    }

    private static String defaultId() {
        String hostName;
        try {
            hostName = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "");
        } catch (UnknownHostException e) {
            hostName = "node";
        }
        if (hostName.isEmpty() || hostName.length() > 50) {
            hostName = "node";
        }
        // A random suffix keeps two processes on one host apart when the operator sets no NODE_ID.
        return hostName + "-" + UUID.randomUUID().toString().substring(0, 6);
    }
}
