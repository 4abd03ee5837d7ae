package dev.switchboard.resume;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 5,000 contacts of one conversation lose their node at once and all reconnect at the same moment to the node
 * that replaced it, each with {@code last_event_id}: every one resumes ({@code recovered:true}) and receives the
 * events committed while it was away and the live ones after, each id once and in order. The clients are the JDK's
 * asynchronous WebSocket on two threads, so the test holds about one descriptor per client and per server socket.
 */
class ReconnectBurstIT {
    private static final int CLIENTS = 5_000;
    private static final long CONVERSATION = 900;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /**
     * A burst this size queues handshakes and auths behind each other on two cores for longer than the default 10 s
     * allowances, which would then refuse clients the test means to see resume, not time out.
     */
    private static final Map<String, String> PATIENT = Map.of("AUTH_TIMEOUT", "90s", "HANDSHAKE_TIMEOUT", "90s");

    @Test
    void fiveThousandClientsReconnectingAtOnceAllResumeWithoutADuplicate() throws Exception {
        DatabaseUrl url = TestDatabases.createDatabase();
        ExecutorService io = Executors.newFixedThreadPool(2);
        HttpClient http = HttpClient.newBuilder().executor(io).build();
        List<Contact> contacts = new ArrayList<>();
        try {
            TestServer first = TestServer.start(url, node("first"));
            try {
                for (int i = 0; i < CLIENTS; i += 500) {
                    List<String> tokens = new ArrayList<>();
                    for (int j = i; j < i + 500; j++) {
                        tokens.add(first.contactToken(10_000 + j, CONVERSATION));
                    }
                    contacts.addAll(connectWave(http, first.port(), tokens));
                }
                push(first, 1, 10);
                awaitAll(contacts, 10);
            } finally {
                first.close();
            }
            for (Contact contact : contacts) {
                contact.closed.get(30, TimeUnit.SECONDS);
            }
            push(first, 11, 30);

            try (TestServer second = TestServer.start(url, node("second"))) {
                long started = System.nanoTime();
                List<CompletableFuture<?>> burst = new ArrayList<>();
                for (Contact contact : contacts) {
                    burst.add(contact.connect(http, second.port(), 10));
                }
                CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
                awaitAll(contacts, 30);
                System.out.println(CLIENTS + " clients reconnected at once and resumed 20 events each in "
                        + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
                push(second, 31, 35);
                awaitAll(contacts, 35);
                Thread.sleep(500); // a late duplicate would arrive now; the ids below are checked exactly
                for (Contact contact : contacts) {
                    assertTrue(contact.recovered, "resumed");
                    assertEquals(LongStream.rangeClosed(1, 35).boxed().toList(), contact.ids(),
                            "every id once, in order");
                }
            }
        } finally {
            contacts.forEach(Contact::abort);
            io.shutdownNow();
        }
    }

    /**
     * Connects and subscribes one wave of the first node's contacts. This is the set-up, not what the test pins (the
     * burst below is): a contact not subscribed after a minute is reported with a thread dump of this JVM, the server
     * included, then replaced by a fresh connection once; a server that stays stuck still fails the test.
     */
    private static List<Contact> connectWave(HttpClient http, int port, List<String> tokens) throws Exception {
        List<Contact> wave = new ArrayList<>();
        List<CompletableFuture<?>> subscribed = new ArrayList<>();
        for (String token : tokens) {
            Contact contact = new Contact(token);
            wave.add(contact);
            subscribed.add(contact.connect(http, port, 0));
        }
        try {
            CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            return wave;
        } catch (TimeoutException e) {
            List<Integer> stuck = new ArrayList<>();
            for (int k = 0; k < wave.size(); k++) {
                if (!subscribed.get(k).isDone()) {
                    stuck.add(k);
                }
            }
            System.err.println(stuck.size() + " of " + wave.size() + " contacts not subscribed after 60 s; threads:");
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                System.err.println("\"" + thread.getName() + "\" " + thread.getState());
                for (StackTraceElement frame : stack) {
                    System.err.println("    at " + frame);
                }
            });
            List<CompletableFuture<?>> retried = new ArrayList<>();
            for (int k : stuck) {
                wave.get(k).abort();
                Contact fresh = new Contact(wave.get(k).token);
                wave.set(k, fresh);
                retried.add(fresh.connect(http, port, 0));
            }
            CompletableFuture.allOf(retried.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            return wave;
        }
    }

    private static Map<String, String> node(String id) {
        Map<String, String> env = new java.util.HashMap<>(PATIENT);
        env.put("NODE_ID", id);
        return env;
    }

    private static void push(TestServer server, int from, int to) {
        List<String> statements = new ArrayList<>();
        for (int n = from; n <= to; n++) {
            statements.add("SELECT realtime.notify_new_message(" + CONVERSATION + ", '{\"n\":" + n + "}')");
        }
        SqlEvents.exec(server, statements.toArray(String[]::new));
    }

    private static void awaitAll(List<Contact> contacts, long id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (Contact contact : contacts) {
            while (contact.lastId() < id) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("a client stopped at id " + contact.lastId() + " of " + id
                            + (contact.refusal == null ? "" : ": " + contact.refusal));
                }
                Thread.sleep(10);
            }
        }
    }

    /** One contact: authenticates, subscribes (resuming from {@code after} when it is not zero), records ids. */
    private static final class Contact implements WebSocket.Listener {
        private final String token;
        private final List<Long> ids = new ArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket socket;
        private volatile CompletableFuture<Void> closed = new CompletableFuture<>();
        /** Completed once the server confirmed the subscription: only then may events be pushed at it. */
        private volatile CompletableFuture<Void> subscribed = new CompletableFuture<>();
        private volatile boolean recovered;
        private volatile String refusal;
        private long after;
        private volatile String epoch;

        Contact(String token) {
            this.token = token;
        }

        CompletableFuture<?> connect(HttpClient http, int port, long afterId) {
            after = afterId;
            closed = new CompletableFuture<>();
            subscribed = new CompletableFuture<>();
            return http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(60))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), this)
                    .thenCompose(ws -> {
                        socket = ws;
                        // As the client library does: the position and its epoch on every reconnect.
                        String position = afterId > 0
                                ? ",\"last_event_id\":" + afterId + ",\"epoch\":\"" + epoch + "\"" : "";
                        return ws.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"" + position + "}",
                                true);
                    })
                    .exceptionally(e -> {
                        refusal = "connection failed: " + e;
                        subscribed.complete(null);
                        return null;
                    })
                    .thenCompose(sent -> subscribed);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                handle(partial.toString(), webSocket);
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        private void handle(String text, WebSocket webSocket) {
            JsonNode frame;
            try {
                frame = MAPPER.readTree(text);
            } catch (Exception e) {
                throw new IllegalStateException(text, e);
            }
            String event = frame.path("event").asText();
            if ("authenticated".equals(event)) {
                epoch = frame.path("data").path("epoch").asText();
                String subscribe = "{\"type\":\"subscribe\",\"conversation_id\":" + CONVERSATION
                        + (after > 0 ? ",\"last_event_id\":" + after : "") + "}";
                webSocket.sendText(subscribe, true);
            } else if ("subscribed".equals(event)) {
                recovered = after == 0 || frame.path("data").path("recovered").asBoolean();
                if (!recovered) {
                    refusal = text;
                }
                subscribed.complete(null);
            } else if ("resync_required".equals(event) || "error".equals(event)) {
                refusal = text;
            } else if (frame.hasNonNull("id")) {
                synchronized (this) {
                    ids.add(frame.get("id").asLong());
                }
            }
        }

        synchronized long lastId() {
            return ids.isEmpty() ? 0 : ids.get(ids.size() - 1);
        }

        synchronized List<Long> ids() {
            return List.copyOf(ids);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            refusal = "closed " + statusCode + " " + reason;
            closed.complete(null);
            subscribed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(null);
            subscribed.complete(null);
        }

        void abort() {
            if (socket != null) {
                socket.abort();
            }
        }
    }
}
