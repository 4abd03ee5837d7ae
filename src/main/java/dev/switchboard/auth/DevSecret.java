package dev.switchboard.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The embedded default's JWT secret: generated once and kept in the data folder, so tokens minted with
 * {@code switchboard token} keep working across restarts of a development server.
 */
public final class DevSecret {
    static final String FILE_NAME = "jwt-secret";

    private DevSecret() {
    }

    /** The file in {@code dataDir} that keeps the secret. */
    public static Path file(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /**
     * Reads the secret kept in {@code dataDir} without ever creating one: for {@code switchboard token}, whose
     * tokens are only worth something when signed with the secret the server already uses.
     *
     * @return the secret, or empty when {@code dataDir} holds no usable one
     */
    public static Optional<String> find(Path dataDir) {
        Path file = file(dataDir);
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
            return secret.length() >= 32 ? Optional.of(secret) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the development JWT secret in " + file, e);
        }
    }

    /** Reads the secret kept in {@code dataDir}, creating it (owner-only readable) on first use. */
    public static String loadOrCreate(Path dataDir) {
        Optional<String> existing = find(dataDir);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path file = file(dataDir);
        try {
            Files.createDirectories(dataDir);
            byte[] bytes = new byte[48];
            new SecureRandom().nextBytes(bytes);
            String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the folder's own permissions apply
            }
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the development JWT secret in " + file, e);
        }
    }
}
