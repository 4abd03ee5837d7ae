package dev.switchboard.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedDatabaseTest {
    @TempDir
    Path dataDir;

    @Test
    void aTakenPortFailsTheStartWithOneLineNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            IOException e = assertThrows(IOException.class, () -> EmbeddedDatabase.start(dataDir, port));
            assertTrue(e.getMessage().startsWith("EMBEDDED_DB_PORT " + port + " is already in use"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertFalse(Files.exists(dataDir.resolve("postgres")), "refused before touching DATA_DIR");
        }
    }
}
