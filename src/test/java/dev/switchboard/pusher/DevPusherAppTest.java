package dev.switchboard.pusher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevPusherAppTest {

    @Test
    void secretIsCreatedOnceOwnerOnlyAndKeptAcrossRestarts(@TempDir Path dataDir) throws Exception {
        PusherApp first = DevPusherApp.loadOrCreate(dataDir);
        assertEquals(DevPusherApp.KEY, first.key());
        assertTrue(first.secret().length() >= 32, first.secret());
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(DevPusherApp.file(dataDir))));
        assertEquals(first.secret(), DevPusherApp.loadOrCreate(dataDir).secret(), "the same .env keeps working");
    }

    @Test
    void eachDataFolderGetsItsOwnSecret(@TempDir Path one, @TempDir Path two) {
        assertNotEquals(DevPusherApp.loadOrCreate(one).secret(), DevPusherApp.loadOrCreate(two).secret());
    }
}
