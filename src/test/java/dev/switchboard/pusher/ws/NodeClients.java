package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.pusher.PusherApp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One {@code node clients.mjs} process (the pinned pusher-js and Laravel Echo from {@code src/test/pusher-clients})
 * and the JSON lines it prints, one observation each.
 */
final class NodeClients implements AutoCloseable {
    private static final Path CLIENTS = Path.of("src/test/pusher-clients");
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Process process;
    private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    private final StringBuilder stderr = new StringBuilder();
    private String socketId;

    private NodeClients(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    try {
                        lines.add(MAPPER.readTree(line));
                    } catch (IOException e) {
                        lines.add(MAPPER.createObjectNode().put("unparsed", line));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "node-clients-stdout");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "node-clients-stderr");
        errors.setDaemon(true);
        errors.start();
    }

    /** Starts {@code node clients.mjs scenario port key secret broadcaster args...}. */
    static NodeClients run(String scenario, int port, PusherApp app, String broadcaster, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("node", "clients.mjs", scenario, Integer.toString(port),
                app.key(), app.secret(), broadcaster));
        command.addAll(List.of(args));
        return new NodeClients(new ProcessBuilder(command).directory(CLIENTS.toFile()).start());
    }

    JsonNode await(Predicate<JsonNode> test, String what) throws InterruptedException {
        List<JsonNode> skipped = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode line = lines.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000),
                    TimeUnit.MILLISECONDS);
            if (line == null) {
                break;
            }
            if (line.has("fatal")) {
                throw new AssertionError("the Node clients failed: " + line.get("fatal").asText());
            }
            if (test.test(line)) {
                return line;
            }
            skipped.add(line);
        }
        throw new AssertionError("no " + what + " from the Node clients; saw " + skipped + "\nstderr:\n"
                + stderrText());
    }

    /** The socket_id a scenario reports as {@code {"ready": socket_id}} once it is set up. */
    String socketId() throws InterruptedException {
        if (socketId == null) {
            socketId = await(line -> line.has("ready"), "ready").path("ready").asText();
        }
        return socketId;
    }

    /** Every line up to and including the first that passes {@code last}. */
    List<JsonNode> until(Predicate<JsonNode> last) throws InterruptedException {
        List<JsonNode> all = new ArrayList<>();
        await(line -> {
            all.add(line);
            return last.test(line);
        }, "the end of the scenario");
        return all;
    }

    private String stderrText() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /** Closes the process's stdin, which ends it; kills it if it does not end. */
    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
