package dev.switchboard.bench;

import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A short fan-out probe, for comparing two builds of the hot path on a busy machine: the jar (system property
 * {@code switchboard.jar}) runs as its own process; {@code subscribers} JDK WebSocket clients in this process
 * subscribe to one conversation; {@code events} {@code new_message} events are pushed by SQL as fast as 4
 * connections commit them; it prints deliveries per second and the server's CPU time over the push. Not a test and
 * not the benchmark (bench/fanout is): the clients share the machine with the server. With {@code jfr=PATH} the
 * server records a JDK Flight Recording of the push there; with {@code idle=SECONDS} it first measures the server's
 * CPU while the connections sit idle; with {@code histogram=PATH} it writes the server's heap histogram (after a
 * full GC) of the idle connections there.
 *
 * <p>Run: {@code mvn -o exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.switchboard.bench.FanoutProbe
 * -Dexec.args="subscribers=1000 events=500" -Dswitchboard.jar=target/switchboard.jar}
 */
public final class FanoutProbe {
    private FanoutProbe() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int subscribers = Integer.parseInt(options.getOrDefault("subscribers", "1000"));
        int events = Integer.parseInt(options.getOrDefault("events", "500"));
        int idleSeconds = Integer.parseInt(options.getOrDefault("idle", "0"));
        String jfr = options.get("jfr");

        DatabaseUrl database = TestDatabases.createDatabase();
        Map<String, String> env = new HashMap<>();
        env.put("LOG_LEVEL", "WARN");
        env.put("MAX_CONNECTIONS", "60000");
        env.put("AUTH_TIMEOUT", "60s");
        try (ServerProcess server = ServerProcess.start(database, env)) {
            long pid = server.process().pid();
            TokenIssuer issuer = new TokenIssuer(TestServer.SECRET);
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
            AtomicLong received = new AtomicLong();
            CountDownLatch subscribed = new CountDownLatch(subscribers);
            List<WebSocket> sockets = new ArrayList<>();
            for (int i = 0; i < subscribers; i++) {
                String token = issuer.issue(1000 + i, Role.CONTACT, null, List.of(1L), Duration.ofHours(1));
                Counting listener = new Counting(received, subscribed);
                WebSocket socket = http.newWebSocketBuilder().buildAsync(uri, listener).get(30, TimeUnit.SECONDS);
                socket.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}", true).get();
                socket.sendText("{\"type\":\"subscribe\",\"conversation_id\":1}", true).get();
                sockets.add(socket);
            }
            if (!subscribed.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not every client subscribed");
            }
            if (idleSeconds > 0) {
                long cpu0 = cpuTicks(pid);
                Thread.sleep(idleSeconds * 1000L);
                long cpu1 = cpuTicks(pid);
                System.out.printf("idle: %d connections, server CPU %.1f %% of a core over %d s%n", subscribers,
                        100.0 * (cpu1 - cpu0) / 100.0 / idleSeconds, idleSeconds);
            }
            if (options.containsKey("histogram")) {
                Path histogram = Path.of(options.get("histogram"));
                jcmdTo(pid, histogram, "GC.class_histogram");
                jcmdTo(pid, Path.of(histogram + ".heap"), "GC.heap_info");
                System.out.println("heap histogram of " + subscribers + " idle connections: " + histogram);
                // After the full GC the histogram forced: the resident set the idle connections leave.
                System.out.println("server " + rss(pid) + " after GC with " + subscribers + " idle connections; load "
                        + Files.readString(Path.of("/proc/loadavg")).trim());
            }
            long expected = (long) events * subscribers;
            String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
            if (jfr != null) {
                jcmd(pid, "JFR.start", "name=probe", "settings=profile");
            }
            long cpuBefore = cpuTicks(pid);
            long start = System.nanoTime();
            List<CompletableFuture<Void>> pushers = new ArrayList<>();
            int pusherCount = 4;
            for (int p = 0; p < pusherCount; p++) {
                int share = events / pusherCount + (p < events % pusherCount ? 1 : 0);
                pushers.add(CompletableFuture.runAsync(() -> push(database, share)));
            }
            CompletableFuture.allOf(pushers.toArray(CompletableFuture[]::new)).get();
            long pushed = System.nanoTime();
            long deadline = pushed + TimeUnit.SECONDS.toNanos(60);
            while (received.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            long end = System.nanoTime();
            long cpuAfter = cpuTicks(pid);
            if (jfr != null) {
                jcmd(pid, "JFR.stop", "name=probe", "filename=" + jfr);
            }
            double seconds = (end - start) / 1e9;
            System.out.printf("fan-out 1 x %d, %d events: %d/%d deliveries in %.2f s (push %.2f s) = %.0f/s; "
                            + "server CPU %.2f s (%.0f %% of a core); load before %s%n",
                    subscribers, events, received.get(), expected, seconds, (pushed - start) / 1e9,
                    received.get() / seconds, (cpuAfter - cpuBefore) / 100.0,
                    100.0 * (cpuAfter - cpuBefore) / 100.0 / seconds, load0);
            for (WebSocket socket : sockets) {
                socket.abort();
            }
        }
    }

    private static void push(DatabaseUrl database, int count) {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), database.user(), null);
             PreparedStatement s = c.prepareStatement("SELECT realtime.notify_new_message(1, ?::jsonb)")) {
            c.createStatement().execute("SET synchronous_commit = off");
            for (int i = 0; i < count; i++) {
                s.setString(1, "{\"id\":" + i + ",\"content\":\"a message of an ordinary length for a chat\","
                        + "\"sender_id\":5}");
                s.execute();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void jcmd(long pid, String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd")
                .toString(), Long.toString(pid)));
        line.addAll(List.of(command));
        new ProcessBuilder(line).inheritIO().start().waitFor();
    }

    private static void jcmdTo(long pid, Path out, String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd")
                .toString(), Long.toString(pid)));
        line.addAll(List.of(command));
        new ProcessBuilder(line).redirectOutput(out.toFile()).start().waitFor();
    }

    /** utime + stime of the process, in clock ticks (100 per second on Linux). */
    /** The process's resident set, as {@code /proc/PID/status} reports it ({@code VmRSS: 123456 kB}). */
    private static String rss(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return line.replaceAll("\\s+", " ");
            }
        }
        return "VmRSS unknown";
    }

    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static final class Counting implements WebSocket.Listener {
        private final AtomicLong received;
        private final CountDownLatch subscribed;
        private final StringBuilder partial = new StringBuilder();

        Counting(AtomicLong received, CountDownLatch subscribed) {
            this.received = received;
            this.subscribed = subscribed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                if (text.startsWith("{\"event\":\"new_message\"")) {
                    received.incrementAndGet();
                } else if (text.contains("\"subscribed\"")) {
                    subscribed.countDown();
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
