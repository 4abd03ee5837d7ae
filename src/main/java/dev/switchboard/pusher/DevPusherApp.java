package dev.switchboard.pusher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The embedded default's Pusher app: a fixed id and key, and a secret generated once and kept in the data folder,
 * so a development {@code .env} keeps working across restarts.
 */
public final class DevPusherApp {
    /** The app id of the development app. */
    public static final String ID = "switchboard-dev";
    /** The key of the development app: pusher-js connects to {@code /app/switchboard-dev-key}. */
    public static final String KEY = "switchboard-dev-key";
    static final String FILE_NAME = "pusher-secret";

    private DevPusherApp() {
    }

    /** The file in {@code dataDir} that keeps the secret. */
    public static Path file(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /** The development app, its secret read from {@code dataDir} or created there (owner-only) on first use. */
    public static PusherApp loadOrCreate(Path dataDir) {
        Path file = file(dataDir);
        try {
            if (Files.isRegularFile(file)) {
                String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (secret.length() >= 16) {
                    return new PusherApp(ID, KEY, secret);
                }
            }
            Files.createDirectories(dataDir);
            byte[] bytes = new byte[20];
            new SecureRandom().nextBytes(bytes);
            String secret = HexFormat.of().formatHex(bytes);
            Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the folder's own permissions apply
            }
            return new PusherApp(ID, KEY, secret);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the development Pusher secret in " + file, e);
        }
    }
}
