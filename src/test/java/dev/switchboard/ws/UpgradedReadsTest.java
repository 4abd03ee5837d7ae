package dev.switchboard.ws;

import dev.switchboard.http.TextHandler;
import dev.switchboard.http.WebServer;
import dev.switchboard.metrics.NodeMetrics;
import jakarta.websocket.OnMessage;
import jakarta.websocket.server.ServerEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real listener with an echo endpoint: once a connection is upgraded, its frames reach Tyrus past the HTTP codec,
 * which no longer holds the upgrade request, and plain HTTP on the same listener is untouched.
 */
class UpgradedReadsTest {
    private TyrusContainer container;
    private WebServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @ServerEndpoint("/echo")
    public static class Echo {
        @OnMessage
        public String echo(String text) {
            return text;
        }
    }

    @BeforeEach
    void start() throws Exception {
        container = new TyrusContainer(64 * 1024, 100, Duration.ofSeconds(10), NodeMetrics.detached());
        container.register(Echo.class);
        server = WebServer.create("127.0.0.1", 0, container, new OriginPolicy(Set.of(), true),
                Map.of("/", new TextHandler("hello")), NodeMetrics.detached());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void framesAfterTheUpgradeReachTyrusPastTheCodecWhichDropsTheUpgradeRequest() throws Exception {
        LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
        WebSocket socket = http.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        replies.add(data.toString());
                        webSocket.request(1);
                        return CompletableFuture.completedFuture(null);
                    }
                }).get(10, TimeUnit.SECONDS);
        socket.sendText("one", true).get(10, TimeUnit.SECONDS);
        assertEquals("one", replies.poll(10, TimeUnit.SECONDS));
        socket.sendText("two", true).get(10, TimeUnit.SECONDS);
        assertEquals("two", replies.poll(10, TimeUnit.SECONDS));

        assertTrue(container.upgradedReads().engaged(), "frames bypassed the HTTP codec");
        assertEquals(1, container.upgradedReads().released(), "the upgrade request was dropped");
        socket.abort();
    }

    @Test
    void plainHttpKeepsItsRequestsAndKeepsWorking() throws Exception {
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("hello", response.body().trim());
        }
        assertEquals(0, container.upgradedReads().released());
    }
}
