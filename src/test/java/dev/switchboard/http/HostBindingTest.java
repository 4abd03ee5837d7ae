package dev.switchboard.http;

import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * HOST is honoured exactly. Tyrus's stock Grizzly container binds 0.0.0.0 whatever it is told; binding to
 * 127.0.0.2 and finding 127.0.0.1 closed proves ours does not.
 */
class HostBindingTest {
    @Test
    void serverListensOnlyOnTheConfiguredAddress() throws Exception {
        try (TestServer server = TestServer.start(Map.of("HOST", "127.0.0.2"))) {
            try (Socket ok = new Socket()) {
                ok.connect(new InetSocketAddress("127.0.0.2", server.port()), 5_000);
            }
            assertThrows(ConnectException.class, () -> {
                try (Socket refused = new Socket()) {
                    refused.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
                }
            });
        }
    }
}
