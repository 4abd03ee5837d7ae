package dev.switchboard.logging;

import java.net.InetSocketAddress;

/** A peer's address as log lines write it: the IP alone, which is what an operator greps and blocks. */
public final class RemoteAddress {
    private RemoteAddress() {
    }

    /** {@code 203.0.113.7} for a socket address, or its text for anything else; null stays null. */
    public static String of(Object peer) {
        if (peer instanceof InetSocketAddress socket) {
            return socket.getAddress() != null ? socket.getAddress().getHostAddress() : socket.getHostString();
        }
        return peer == null ? null : String.valueOf(peer);
    }
}
