package dev.switchboard.auth;

import java.nio.file.Path;
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
        return kept(dataDir).find();
    }

    /** Reads the secret kept in {@code dataDir}, creating it (owner-only readable) on first use. */
    public static String loadOrCreate(Path dataDir) {
        return kept(dataDir).loadOrCreate(48, bytes -> Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    private static SecretFile kept(Path dataDir) {
        // Anything shorter than the 64 characters it is made with is a damaged file, not a secret.
        return new SecretFile(file(dataDir), 32, "development JWT secret");
    }
}
