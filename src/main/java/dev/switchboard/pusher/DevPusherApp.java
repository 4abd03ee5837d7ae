package dev.switchboard.pusher;

import dev.switchboard.auth.SecretFile;

import java.nio.file.Path;
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
        SecretFile kept = new SecretFile(file(dataDir), 16, "development Pusher secret");
        return new PusherApp(ID, KEY, kept.loadOrCreate(20, bytes -> HexFormat.of().formatHex(bytes)));
    }
}
