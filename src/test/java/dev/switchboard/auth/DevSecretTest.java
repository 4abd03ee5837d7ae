package dev.switchboard.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevSecretTest {
    @TempDir
    Path dataDir;

    @Test
    void loadOrCreateKeepsOneOwnerOnlySecretAcrossCalls() throws Exception {
        Path nested = dataDir.resolve("not-yet").resolve("there");
        String secret = DevSecret.loadOrCreate(nested);
        Path file = nested.resolve("jwt-secret");
        assertEquals(secret, Files.readString(file).trim());
        assertTrue(secret.length() >= 32, "a usable HS256 secret");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file),
                "only the owner may read the secret");
        assertEquals(secret, DevSecret.loadOrCreate(nested), "reused, not regenerated");
        assertEquals(Optional.of(secret), DevSecret.find(nested));
    }

    @Test
    void findNeverCreatesASecret() {
        assertEquals(Optional.empty(), DevSecret.find(dataDir));
        assertFalse(Files.exists(dataDir.resolve("jwt-secret")));
    }

    @Test
    void findIgnoresASecretTooShortForHs256() throws Exception {
        Files.writeString(dataDir.resolve("jwt-secret"), "short\n");
        assertEquals(Optional.empty(), DevSecret.find(dataDir));
    }
}
