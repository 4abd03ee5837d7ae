package dev.switchboard.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.Role;
import dev.switchboard.testing.RawWebSocket;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} on a real node: the exposition passes Prometheus's own checker ({@code promtool check
 * metrics}), our meters pass its lint, and the values move when clients connect, authenticate, fail to, and events flow from SQL.
 */
class MetricsEndpointTest {
    /** Our meters and the JVM's, pool's and process's, as PromQL names them. */
    private static final Pattern METRIC_NAME =
            Pattern.compile("\\b(?:switchboard|jvm|hikaricp|process)_[a-z0-9_]+\\b");
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void exposition_passesPromtoolCheckMetrics() throws Exception {
        HttpResponse<String> response = scrapeResponse();
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                response.headers().toString());
        Path artifacts = Path.of(System.getProperty("switchboard.test.artifacts", "target/test-artifacts"));
        Files.createDirectories(artifacts);
        Files.writeString(artifacts.resolve("metrics.txt"), response.body());
        assertTrue(Files.isExecutable(PROMTOOL), "promtool is needed (Debian package prometheus; .ci/run installs it)");
        Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(response.body().getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String verdict = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
        // 0: clean; 3: parsed, with lint remarks; anything else: not valid exposition. Lint remarks are allowed only
        // on meters we do not name (Micrometer's process_cpu_time_ns, system_cpu_count).
        assertTrue(promtool.exitValue() == 0 || promtool.exitValue() == 3,
                "promtool check metrics exited " + promtool.exitValue() + ":\n" + verdict);
        for (String remark : verdict.lines().toList()) {
            assertTrue(!remark.startsWith("switchboard_"), "our meter fails promtool's lint: " + remark);
        }
    }

    @Test
    void exposition_listsJvmProcessAndPoolMeters() throws Exception {
        Scrape scrape = afterAGarbageCollection();
        for (String name : List.of("jvm_memory_used_bytes", "jvm_gc_pause_seconds_count", "jvm_threads_live_threads",
                "process_cpu_usage", "process_uptime_seconds", "hikaricp_connections_active",
                "hikaricp_connections_max")) {
            assertTrue(scrape.has(name), name + " missing from /metrics");
        }
    }

    @Test
    void connectionsByRole_countOpenAndAuthenticatedClients() throws Exception {
        double agents = scrape().value("switchboard_connections", "role", "agent");
        double unauthenticated = scrape().value("switchboard_connections", "role", "unauthenticated");
        try (WsClient pending = server.connect(); WsClient agent = server.agent(901)) {
            pending.send("type", "ping");
            pending.awaitError("unauthenticated");
            Scrape during = scrape();
            assertEquals(agents + 1, during.value("switchboard_connections", "role", "agent"));
            assertEquals(unauthenticated + 1, during.value("switchboard_connections", "role", "unauthenticated"));
        }
    }

    @Test
    void eventsFramesAndDeliveryLag_moveWhenSqlNotifies() throws Exception {
        Scrape before = scrape();
        try (WsClient agent = server.agent(902)) {
            agent.subscribe(4242);
            double subscriptions = scrape().value("switchboard_subscriptions");
            assertTrue(subscriptions >= 1, "subscriptions " + subscriptions);
            SqlEvents.exec(server, "SELECT realtime.notify_new_message(4242, '{\"id\":1,\"content\":\"oi\"}')");
            agent.await("new_message");
            Scrape after = scrape();
            assertEquals(before.value("switchboard_events_received_total", "event", "new_message", "source", "durable") + 1,
                    after.value("switchboard_events_received_total", "event", "new_message", "source", "durable"));
            assertTrue(after.value("switchboard_frames_sent_total") > before.value("switchboard_frames_sent_total"));
            assertEquals(before.value("switchboard_delivery_lag_seconds_count") + 1,
                    after.value("switchboard_delivery_lag_seconds_count"));
            assertTrue(after.has("switchboard_delivery_lag_seconds_bucket"), "a histogram, for p50/p99 in PromQL");
            assertTrue(after.value("switchboard_send_queue_frames_count")
                    > before.value("switchboard_send_queue_frames_count"));
            assertTrue(after.has("switchboard_listener_lag_events"));
            assertTrue(after.has("switchboard_listener_backlog"));
        }
    }

    @Test
    void authFailures_areCountedByReason() throws Exception {
        double badSignature = scrape().value("switchboard_auth_failures_total", "reason", "bad_signature");
        try (WsClient client = server.connect()) {
            String forged = server.token(903, Role.AGENT, "x", List.of()) + "x";
            JsonNode reply = client.send("type", "auth", "token", forged).awaitError("unauthorized");
            assertTrue(reply.toString().contains("signature"), reply.toString());
        }
        assertEquals(badSignature + 1, scrape().value("switchboard_auth_failures_total", "reason", "bad_signature"));
    }

    @Test
    void refusedOrigin_isCountedByReason() throws Exception {
        double before = scrape().value("switchboard_connections_refused_total", "reason", "origin");
        try (RawWebSocket raw = RawWebSocket.open(server.port(), Map.of("Origin", "https://evil.example"), 0)) {
            assertEquals(403, raw.status());
        }
        assertEquals(before + 1, scrape().value("switchboard_connections_refused_total", "reason", "origin"));
    }

    @Test
    void grafanaDashboard_queriesOnlyMetricsThisNodeExposes() throws Exception {
        // Events are counted per name once one arrives: let one arrive so the dashboard's series exists.
        SqlEvents.exec(server, "SELECT realtime.notify_user(905, 'marker', '{}')");
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("deploy/grafana-dashboard.json").toFile());
        afterAGarbageCollection();
        Scrape scrape = awaitScrape(s -> s.has("switchboard_events_received_total"));
        Set<String> exposed = scrape.text().lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toSet());
        int exprs = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                exprs++;
                Matcher names = METRIC_NAME.matcher(expr);
                boolean any = false;
                while (names.find()) {
                    any = true;
                    assertTrue(exposed.contains(names.group()), "panel '" + panel.path("title").asText()
                            + "' queries " + names.group() + ", which /metrics does not expose");
                }
                assertTrue(any, "no metric in " + expr);
            }
        }
        assertTrue(exprs >= 10, "the dashboard has " + exprs + " queries");
    }

    /**
     * Micrometer registers the GC pause timer at the first collection it hears of; a young test JVM may not have
     * collected yet, so ask for one (the server runs in this JVM) and wait for the timer to appear.
     */
    private static Scrape afterAGarbageCollection() throws Exception {
        System.gc();
        return awaitScrape(s -> s.has("jvm_gc_pause_seconds_count"));
    }

    private static Scrape awaitScrape(java.util.function.Predicate<Scrape> test) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        Scrape scrape = scrape();
        while (!test.test(scrape) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            scrape = scrape();
        }
        return scrape;
    }

    private static HttpResponse<String> scrapeResponse() throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Scrape scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = scrapeResponse();
        assertEquals(200, response.statusCode());
        return new Scrape(response.body());
    }

    /** Reads sample lines back; the format itself is promtool's to judge. */
    private record Scrape(String text) {
        boolean has(String name) {
            return text.lines().anyMatch(l -> l.startsWith(name + " ") || l.startsWith(name + "{"));
        }

        /** The sample whose labels include every given pair; 0 when absent (a counter not yet created). */
        double value(String name, String... labels) {
            for (String line : text.lines().toList()) {
                if (line.startsWith("#") || !(line.startsWith(name + " ") || line.startsWith(name + "{"))) {
                    continue;
                }
                boolean match = true;
                for (int i = 0; i < labels.length; i += 2) {
                    match &= line.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
                }
                if (match) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return 0;
        }
    }
}
