package dev.switchboard.ws;

import dev.switchboard.testing.RawWebSocket;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many agents that authenticate, subscribe, type and then reset their TCP connections, all at once: every send to
 * a reset connection fails and closes it on whichever thread was sending, while presence and typing broadcasts
 * go to every other agent. The node must keep answering /health throughout and come out of it serving, with no
 * thread deadlocked.
 */
class ConnectionChurnTest {
    private static final int CLIENTS = 100;
    private static final int CYCLES = 2_000;
    /**
     * Mostly distinct agents, so nearly every connect and drop broadcasts online/offline to every other agent
     * (writes to connections that may be reset by then), with the occasional second tab.
     */
    private static final int AGENTS = 500;
    private static final int CONVERSATIONS = 1;
    private static final Duration CHURN_LIMIT = Duration.ofSeconds(90);

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    void nodeKeepsServingWhileAgentsTypeAndResetTheirConnections() throws Exception {
        TestServer server = TestServer.start(Map.of("PRESENCE_GRACE", "0ms"));
        boolean deadlocked = true;
        try {
            AtomicInteger started = new AtomicInteger();
            AtomicInteger completed = new AtomicInteger();
            AtomicReference<String> deadlock = new AtomicReference<>();
            long deadline = System.nanoTime() + CHURN_LIMIT.toNanos();

            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            for (int i = 0; i < CLIENTS; i++) {
                clients.execute(() -> {
                    while (deadlock.get() == null && System.nanoTime() < deadline
                            && started.incrementAndGet() <= CYCLES) {
                        try {
                            cycle(server);
                            completed.incrementAndGet();
                        } catch (RuntimeException | AssertionError e) {
                            // A refused or broken connection is part of churn; the checks below judge the node.
                        }
                    }
                });
            }
            clients.shutdown();
            List<String> healthFailures = new ArrayList<>();
            long nextHealthCheck = System.nanoTime();
            while (!clients.awaitTermination(200, TimeUnit.MILLISECONDS)) {
                String found = deadlockedThreads();
                if (found != null) {
                    deadlock.compareAndSet(null, found);
                }
                if (deadlock.get() == null && System.nanoTime() >= nextHealthCheck) {
                    nextHealthCheck = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                    try {
                        int status = health(server);
                        if (status != 200) {
                            healthFailures.add("status " + status + " after " + completed.get() + " cycles");
                        }
                    } catch (Exception e) {
                        healthFailures.add(e + " after " + completed.get() + " cycles");
                    }
                }
            }
            assertNull(deadlock.get(), "deadlocked during the churn after " + completed.get() + " cycles");
            assertEquals(List.of(), healthFailures, "/health answers throughout the churn");
            assertNull(deadlockedThreads(), "deadlocked after " + completed.get() + " cycles");
            deadlocked = false;
            System.out.println("churn: " + completed.get() + " cycles completed");
            assertTrue(completed.get() >= CYCLES / 2, "most cycles complete within the time limit: "
                    + completed.get() + " of " + CYCLES);

            assertEquals(200, health(server), "/health answers after the churn");
            try (WsClient newcomer = server.agent(AGENTS + 1)) {
                newcomer.sync();
            }
            assertNull(deadlockedThreads(), "deadlocked at the end");
        } finally {
            if (deadlocked) {
                // Closing a node with deadlocked workers would hang the test JVM; leave it to die with it.
                Thread stopper = new Thread(server::close, "churn-test-stopper");
                stopper.setDaemon(true);
                stopper.start();
            } else {
                server.close();
            }
        }
    }

    /** One agent tab's short life: auth, subscribe, type, maybe stop typing, then a reset instead of a close. */
    private static void cycle(TestServer server) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long agent = 1 + random.nextInt(AGENTS);
        long conversation = 1 + random.nextInt(CONVERSATIONS);
        try (RawWebSocket socket = RawWebSocket.open(server.port(), Map.of(), 0)) {
            socket.sendText("{\"type\":\"auth\",\"token\":\"" + server.agentToken(agent) + "\"}");
            String reply = socket.readText();
            if (reply == null || !reply.contains("\"authenticated\"")) {
                return;
            }
            socket.sendText("{\"type\":\"subscribe\",\"conversation_id\":" + conversation + "}");
            for (String frame = socket.readText(); frame != null && !frame.contains("\"subscribed\"");
                 frame = socket.readText()) {
                // presence and typing of the others, unread by a real crashed tab as well
            }
            int toggles = 1 + random.nextInt(3);
            for (int i = 0; i < toggles; i++) {
                socket.sendText(typing(conversation, true));
                if (random.nextBoolean()) {
                    socket.sendText(typing(conversation, false));
                }
            }
            // Drops at varying moments relative to the relays its own messages start.
            pause(random.nextInt(3));
            socket.reset();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String typing(long conversation, boolean isTyping) {
        return "{\"type\":\"typing\",\"conversation_id\":" + conversation + ",\"is_typing\":" + isTyping + "}";
    }

    private static int health(TestServer server) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                .timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** The deadlocked threads with what they wait for and hold, or {@code null} when there are none. */
    private static String deadlockedThreads() {
        long[] ids = THREADS.findDeadlockedThreads();
        if (ids == null) {
            return null;
        }
        List<String> described = new ArrayList<>();
        for (ThreadInfo info : THREADS.getThreadInfo(ids, true, true)) {
            if (info != null) {
                described.add(info.toString());
            }
        }
        return String.join("\n", described);
    }
}
