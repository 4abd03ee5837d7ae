package dev.switchboard.testing;

import dev.switchboard.config.DatabaseUrl;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real artifact, {@code target/switchboard.jar}, run as a child process the way supervisor runs it: for the
 * tests that need a real signal (SIGTERM, SIGKILL) or the command line. Used by integration tests ({@code *IT}),
 * which Maven runs after packaging.
 */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int port;

    private ServerProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** The jar built by {@code mvn package}; failsafe passes its path as a system property. */
    public static Path jar() {
        String path = System.getProperty("switchboard.jar", "target/switchboard.jar");
        Path jar = Path.of(path);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: run integration tests with mvn verify");
        }
        return jar;
    }

    /**
     * Starts the jar serving on a free port (or {@code env}'s PORT) against {@code database}, and waits until
     * {@code /health} answers 200.
     */
    public static ServerProcess start(DatabaseUrl database, Map<String, String> env) throws IOException {
        Map<String, String> full = new HashMap<>();
        full.put("HOST", "127.0.0.1");
        full.put("PORT", Integer.toString(freePort()));
        full.put("NODE_ID", "proc");
        if (database != null) {
            // Without a database the embedded default keeps its own development secret; don't override it.
            full.put("JWT_SECRET", TestServer.SECRET);
            full.put("DATABASE_URL", database.jdbcUrl());
            if (database.user() != null) {
                full.put("DATABASE_USER", database.user());
            }
        }
        full.putAll(env);
        ServerProcess server = launch(full, List.of());
        server.awaitHealthy();
        return server;
    }

    /** Runs the jar with arguments and environment and returns once it has started (no health wait). */
    public static ServerProcess launch(Map<String, String> env, List<String> args) throws IOException {
        Path log = Files.createTempFile("switchboard-", ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-jar");
        command.add(jar().toAbsolutePath().toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Only what the test says: a developer's own DATABASE_URL must not leak into the child.
        builder.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME") && !k.equals("TMPDIR"));
        builder.environment().putAll(env);
        int port = -1;
        try {
            port = Integer.parseInt(env.getOrDefault("PORT", "-1"));
        } catch (NumberFormatException deliberatelyBad) {
            // tests of configuration errors pass nonsense on purpose
        }
        return new ServerProcess(builder.start(), log, port);
    }

    /** A TCP port nobody listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process;
    }

    /** Everything the process printed so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Polls {@code /health} until it answers 200; fails with the process output if it never does. */
    public void awaitHealthy() {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        throw new IllegalStateException("server never became healthy:\n" + output());
    }

    /** Sends SIGTERM, as supervisor does on stop. */
    public void terminate() {
        process.destroy();
    }

    /** Sends SIGKILL: the process dies without any cleanup. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /**
     * Waits for the process to exit.
     *
     * @return the exit status
     */
    public int waitFor(Duration patience) {
        try {
            if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("process still running after " + patience + ":\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
