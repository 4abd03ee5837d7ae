package dev.switchboard.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A development secret kept in one file of the data folder: generated once, readable by its owner only, and
 * reused across restarts so what was configured with it (minted tokens, a {@code .env}) keeps working.
 */
public final class SecretFile {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final int minLength;
    private final String what;

    /**
     * @param file      where the secret is kept
     * @param minLength shorter contents (an empty or truncated file) do not count as a secret
     * @param what      what the secret is, for error messages
     */
    public SecretFile(Path file, int minLength, String what) {
        this.file = file;
        this.minLength = minLength;
        this.what = what;
    }

    /** The file that keeps the secret. */
    public Path file() {
        return file;
    }

    /** The kept secret, or empty when the file is missing or holds no usable one; never creates it. */
    public Optional<String> find() {
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
            return secret.length() >= minLength ? Optional.of(secret) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + what + " in " + file, e);
        }
    }

    /**
     * The kept secret, or a new one made from {@code randomBytes} random bytes by {@code encode} and kept. The new
     * file is written in full under a temporary name and moved into place, so it is never readable by others,
     * not even for a moment, and never seen half written.
     */
    public String loadOrCreate(int randomBytes, Function<byte[], String> encode) {
        Optional<String> existing = find();
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] bytes = new byte[randomBytes];
        RANDOM.nextBytes(bytes);
        String secret = encode.apply(bytes);
        try {
            Path folder = file.toAbsolutePath().getParent();
            Files.createDirectories(folder);
            Path written = Files.createTempFile(folder, file.getFileName().toString(), ".new", ownerOnly(folder));
            Files.writeString(written, secret + "\n", StandardCharsets.UTF_8);
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the " + what + " in " + file, e);
        }
    }

    /** Owner-only permissions where the file system has POSIX ones; elsewhere the folder's own access applies. */
    private static FileAttribute<?>[] ownerOnly(Path folder) {
        if (!folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        Set<PosixFilePermission> readWrite = PosixFilePermissions.fromString("rw-------");
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(readWrite)};
    }
}
