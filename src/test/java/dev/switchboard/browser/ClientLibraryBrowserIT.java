package dev.switchboard.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.WebSocketRoute;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.BrowserPage;
import dev.switchboard.testing.Browsers;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.switchboard.browser.TestPages.STATUS_BOX;
import static dev.switchboard.browser.TestPages.WATCH;
import static dev.switchboard.browser.TestPages.js;
import static dev.switchboard.browser.TestPages.page;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The browser client library ({@code /assets/js/websocket-client.js}) running in a real
 * headless Chromium against the real server: the in-process production wiring ({@link TestServer}) where the
 * server only has to be there, the real jar ({@link ServerProcess}) where it has to die and come back.
 *
 * <p>Pages are served from the server's own origin (see {@link BrowserPage#open}) and load the library from the
 * server. Events are pushed the way the web app pushes them, through {@code realtime.notify_*} in SQL; a second,
 * Java client ({@link WsClient}) plays the other agent where a test needs someone to type or to watch typing.
 *
 * <p>Waits are upper bounds ({@link BrowserPage#PATIENCE}); nothing asserts that anything was fast.
 */
class ClientLibraryBrowserIT {
    @RegisterExtension
    static final Browsers BROWSERS = new Browsers();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TokenIssuer ISSUER = new TokenIssuer(TestServer.SECRET);
    /** The agent using the browser, and the conversation open on their screen. */
    private static final long AGENT = 7;
    private static final long OTHER_AGENT = 8;
    private static final long CONVERSATION = 456;
    /** Chromium's own console line for a WebSocket it could not open (the server is down): expected there. */
    private static final String REFUSED = "WebSocket connection to 'ws://127\\.0\\.0\\.1:\\d+/ws' failed";

    // ---------------------------------------------------------------- (a) the Ratchet-era frontend snippet

    /**
     * The frontend code teams wrote for the PHP Ratchet server ("Uso no Frontend"), unchanged except that
     * {@code connect} gets the token and PHP has printed the user id. The app functions it calls
     * ({@code addMessageToChat}, ...) are the page's, as they would be in the web app.
     */
    private static String seedPage(String token) {
        return page("Switchboard · exemplo do seed", STATUS_BOX + """
                <div><button id="open">Abrir conversa #456</button><button id="close">Fechar conversa</button></div>
                <div class="panel"><h2>Conversas</h2><ul id="conversations"></ul></div>
                <div class="panel"><h2>Conversa #456</h2><div id="chat"></div><div id="typing"></div></div>
                <input id="message-input" placeholder="Digite uma mensagem…" autocomplete="off">

                <!-- 1. Incluir Cliente WebSocket -->
                <script src="/assets/js/websocket-client.js"></script>
                """ + WATCH + """
                <script>
                watch(window.wsClient);
                // What the web app's page provides: the token it minted and its own UI functions.
                const token = TOKEN;
                const conversationId = 456;
                function addMessageToChat(message) {
                  const div = document.createElement('div');
                  div.className = 'message';
                  div.textContent = message.content;
                  document.getElementById('chat').appendChild(div);
                }
                function updateConversationList(conversation) {
                  const id = 'conversation-' + conversation.id;
                  const li = document.getElementById(id) || document.createElement('li');
                  li.id = id;
                  li.textContent = '#' + conversation.id + ' · ' + conversation.status
                    + ' · atribuída a ' + conversation.assigned_to;
                  document.getElementById('conversations').appendChild(li);
                }
                function showTypingIndicator(userId, isTyping) {
                  document.getElementById('typing').textContent = isTyping ? 'Agente ' + userId + ' está digitando…' : '';
                }
                </script>

                <script>
                // 2. Conectar e Autenticar
                // Obter ID do usuário logado (do PHP ou localStorage)
                const userId = 7;

                // Conectar
                window.wsClient.connect(userId, token);

                // Registrar handlers
                window.wsClient.on('connected', () => {
                    console.log('WebSocket conectado!');
                });

                window.wsClient.on('new_message', (data) => {
                    // Adicionar mensagem à interface
                    addMessageToChat(data.message);
                });

                window.wsClient.on('conversation_updated', (data) => {
                    // Atualizar lista de conversas
                    updateConversationList(data.conversation);
                });

                window.wsClient.on('typing', (data) => {
                    // Mostrar indicador de digitação
                    showTypingIndicator(data.user_id, data.is_typing);
                });
                </script>

                <script>
                // 3. Inscrever em Conversa
                document.getElementById('open').addEventListener('click', () => {
                    // Quando abrir uma conversa
                    window.wsClient.subscribe(conversationId);
                });
                document.getElementById('close').addEventListener('click', () => {
                    // Quando fechar uma conversa
                    window.wsClient.unsubscribe(conversationId);
                });
                </script>

                <script>
                // 4. Enviar Indicador de Digitação
                let typingTimeout;

                document.getElementById('message-input').addEventListener('input', () => {
                    window.wsClient.sendTyping(conversationId, true);

                    clearTimeout(typingTimeout);
                    typingTimeout = setTimeout(() => {
                        window.wsClient.sendTyping(conversationId, false);
                    }, 3000);
                });
                </script>
                """.replace("TOKEN", js(token)));
    }

    @Test
    void seedFrontendSnippetRunsWithOnlyTheTokenAdded() throws Exception {
        // Typing indicators must end because the page said so, not because the server timed them out.
        try (TestServer server = TestServer.start(Map.of("TYPING_TIMEOUT", "60s"))) {
            BrowserPage browser = BROWSERS.newPage().open(server.port(), "seed.html", seedPage(server.agentToken(AGENT)));

            browser.waitFor("window.wsClient.status === 'connected'", "the client connected");
            browser.waitForConsole("log: WebSocket conectado!");
            assertEquals(true, browser.eval("window.wsClient.connected"));

            // 3. Quando abrir uma conversa
            browser.page().click("#open");
            browser.waitFor(subscribedFrames(CONVERSATION) + " >= 1", "the server confirmed the subscription");

            try (WsClient other = server.agent(OTHER_AGENT)) {
                other.subscribe(CONVERSATION);

                notify(server, "SELECT realtime.notify_new_message(456,"
                        + " '{\"id\":1,\"content\":\"Olá, preciso de ajuda com meu pedido\"}'::jsonb)");
                browser.waitFor("document.getElementById('chat').textContent.includes('preciso de ajuda')",
                        "new_message rendered by addMessageToChat(data.message)");

                notify(server, "SELECT realtime.notify_conversation_updated(456,"
                        + " '{\"id\":456,\"status\":\"open\",\"assigned_to\":7}'::jsonb)");
                browser.waitFor("document.getElementById('conversation-456')"
                                + " && document.getElementById('conversation-456').textContent.includes('atribuída a 7')",
                        "conversation_updated rendered by updateConversationList(data.conversation)");

                // The other agent types: the page's showTypingIndicator(data.user_id, data.is_typing).
                other.send("type", "typing", "conversation_id", CONVERSATION, "is_typing", true);
                browser.waitFor("document.getElementById('typing').textContent === 'Agente 8 está digitando…'",
                        "the other agent's typing indicator");
                browser.screenshot("client-seed-snippet");
                other.send("type", "typing", "conversation_id", CONVERSATION, "is_typing", false);
                browser.waitFor("document.getElementById('typing').textContent === ''", "the typing indicator cleared");

                // 4. This agent types: sendTyping(conversationId, true) per keystroke, false 3 s after the last.
                other.drain();
                browser.page().locator("#message-input").pressSequentially("Já verifico",
                        new Locator.PressSequentiallyOptions().setDelay(40));
                other.awaitMatching(f -> isTyping(f, AGENT, true), "typing true from the page");
                JsonNode stopped = other.awaitMatching(f -> isTyping(f, AGENT, false), "typing false from the page");
                assertEquals(CONVERSATION, stopped.path("data").path("conversation_id").asLong());

                // 3. Quando fechar uma conversa: message_read goes to subscribers only, so it must stop arriving.
                browser.page().click("#close");
                browser.waitFor(framesOf("unsubscribed") + ".length >= 1", "the server confirmed the unsubscribe");
                assertEquals(0L, ((Number) browser.eval("window.wsClient.subscriptions.length")).longValue());
                int before = ((Number) browser.eval(framesOf("message_read") + ".length")).intValue();
                notify(server, "SELECT realtime.notify_message_read(456, 1, 8)");
                // Durable events are dispatched in id order, so once this later one is in, the other was handled.
                notify(server, "SELECT realtime.notify_user(7, 'probe', '{}'::jsonb)");
                browser.waitFor(framesOf("probe") + ".length === 1", "the probe event after message_read");
                assertEquals(before, ((Number) browser.eval(framesOf("message_read") + ".length")).intValue(),
                        "message_read of a conversation the page unsubscribed from");
            }
            browser.assertNoUnexpectedErrors();
        }
    }

    // ---------------------------------------------------------------- (b) ES module

    @Test
    void esModuleFormWorksAndIsServedAsJavaScript() throws Exception {
        try (TestServer server = TestServer.start()) {
            String html = page("Switchboard · módulo ES", STATUS_BOX + """
                    <div class="panel"><h2>Eventos</h2><div id="chat"></div></div>
                    """ + WATCH + """
                    <script type="module">
                    import { SwitchboardClient } from '/assets/js/websocket-client.mjs';
                    import defaultClient, { wsClient } from '/assets/js/websocket-client.mjs';
                    window.__module = {
                      sameClass: SwitchboardClient === window.SwitchboardClient,
                      sameDefault: defaultClient === wsClient && wsClient === window.wsClient
                    };
                    const client = new SwitchboardClient();
                    window.client = client;
                    watch(client);
                    client.on('new_message', (data) => {
                      const div = document.createElement('div');
                      div.textContent = data.message.content;
                      document.getElementById('chat').appendChild(div);
                    });
                    client.connect({ userId: 7, token: TOKEN });
                    client.subscribe(456);
                    </script>
                    """.replace("TOKEN", js(server.agentToken(AGENT))));
            BrowserPage browser = BROWSERS.newPage();
            // What the browser itself was told: a module served as anything but JavaScript is refused.
            Map<String, String> types = new ConcurrentHashMap<>();
            browser.page().onResponse(response -> {
                String url = response.url();
                if (url.contains("/assets/js/")) {
                    types.put(url.substring(url.lastIndexOf('/') + 1), String.valueOf(response.headerValue("content-type")));
                }
            });
            browser.open(server.port(), "module.html", html);

            browser.waitFor("window.client && window.client.status === 'connected'", "the module's client connected");
            for (String file : List.of("websocket-client.mjs", "websocket-client.js")) {
                String type = types.getOrDefault(file, "(not loaded)");
                assertTrue(type.matches("(?i)(text|application)/javascript(;.*)?"), file + " was served as " + type);
            }
            assertEquals(true, browser.eval("window.__module.sameClass"), "the module exports the global class");
            assertEquals(true, browser.eval("window.__module.sameDefault"), "default export is wsClient");
            browser.waitFor(subscribedFrames(CONVERSATION) + " >= 1", "the subscribe made before connecting, sent once authenticated");

            notify(server, "SELECT realtime.notify_new_message(456, '{\"id\":2,\"content\":\"via módulo\"}'::jsonb)");
            browser.waitFor("document.getElementById('chat').textContent.includes('via módulo')", "new_message");
            browser.assertNoUnexpectedErrors();
        }
    }

    // ---------------------------------------------------------------- (c) (d) server dies, comes back

    /** The library's global client, connected as the agent and following the conversation. */
    private static String reconnectPage(String token) {
        return page("Switchboard · reconexão", STATUS_BOX + """
                <div class="panel"><h2>Conversa #456</h2><div id="chat"></div></div>
                <div class="panel"><h2>Conexão</h2><ol id="log"></ol></div>
                <script src="/assets/js/websocket-client.js"></script>
                """ + WATCH + """
                <script>
                const client = window.wsClient;
                watch(client);
                const log = (text) => {
                  const li = document.createElement('li');
                  li.textContent = new Date().toISOString().substring(11, 19) + ' ' + text;
                  document.getElementById('log').appendChild(li);
                };
                client.on('disconnected', (d) => log('desconectado (código ' + d.code + ')'));
                client.on('reconnecting', (d) => log('reconectando: tentativa ' + d.attempt + ' em ' + d.delay + ' ms'));
                client.on('connected', () => log('conectado'));
                client.on('new_message', (data) => {
                  const div = document.createElement('div');
                  div.textContent = data.message.content;
                  document.getElementById('chat').appendChild(div);
                });
                // maxDelay only bounds how long this test waits once the server is back; the backoff schedule
                // itself is covered by the Node unit tests.
                client.connect({ userId: 7, token: TOKEN, maxDelay: 3000 });
                client.subscribe(456);
                </script>
                """.replace("TOKEN", js(token)));
    }

    @Test
    void killedServerShowsReconnectingThenConnectedAndSubscriptionsKeepDelivering() throws Exception {
        DatabaseUrl database = TestDatabases.createDatabase();
        ServerProcess first = ServerProcess.start(database, Map.of());
        int port = first.port();
        BrowserPage browser;
        try {
            browser = BROWSERS.newPage().open(port, "reconnect.html", reconnectPage(agentToken()));
            browser.waitFor("window.wsClient.status === 'connected'", "the client connected");
            browser.waitFor(subscribedFrames(CONVERSATION) + " >= 1", "the subscription confirmed");

            first.kill(); // SIGKILL: no close frame, the browser sees the TCP connection drop
        } finally {
            first.close();
        }

        browser.waitFor("window.wsClient.status === 'reconnecting'", "status reconnecting");
        browser.waitFor(lifeOf("reconnecting") + ".length >= 2 && window.wsClient.reconnectAttempts >= 2",
                "a second reconnect attempt while the server is down");
        assertEquals(false, browser.eval("window.wsClient.connected"));
        browser.screenshot("client-reconnecting-after-kill");

        try (ServerProcess second = ServerProcess.start(database, Map.of("PORT", Integer.toString(port)))) {
            assertEquals(port, second.port(), "restarted on the same port, as behind a proxy or supervisor");
            assertResumesOnRestartedServer(browser, database, "client-reconnected-after-kill");
        }
        browser.assertNoUnexpectedErrors(REFUSED);
    }

    @Test
    void gracefulStopAlsoLeadsToReconnect() throws Exception {
        DatabaseUrl database = TestDatabases.createDatabase();
        ServerProcess first = ServerProcess.start(database, Map.of());
        int port = first.port();
        BrowserPage browser;
        try {
            browser = BROWSERS.newPage().open(port, "reconnect.html", reconnectPage(agentToken()));
            browser.waitFor("window.wsClient.status === 'connected'", "the client connected");
            browser.waitFor(subscribedFrames(CONVERSATION) + " >= 1", "the subscription confirmed");

            first.terminate(); // SIGTERM: the server closes every session with 1001 and exits
            assertEquals(0, first.waitFor(Duration.ofSeconds(30)), "exit status after SIGTERM");
        } finally {
            first.close();
        }

        browser.waitFor(lifeOf("disconnected") + ".some((e) => e.data.code === 1001)", "a 1001 close (going away)");
        browser.waitFor("window.wsClient.status === 'reconnecting' && window.wsClient.reconnectAttempts >= 1",
                "status reconnecting with an attempt counted");

        try (ServerProcess second = ServerProcess.start(database, Map.of("PORT", Integer.toString(port)))) {
            assertEquals(port, second.port(), "restarted on the same port, as behind a proxy or supervisor");
            assertResumesOnRestartedServer(browser, database, "client-reconnected-after-sigterm");
        }
        browser.assertNoUnexpectedErrors(REFUSED);
    }

    /** Back to connected, the remembered subscription re-sent, and an event pushed after the restart delivered. */
    private static void assertResumesOnRestartedServer(BrowserPage browser, DatabaseUrl database, String screenshot)
            throws SQLException {
        browser.waitFor("window.wsClient.status === 'connected'", "connected again after the restart");
        assertEquals(0L, ((Number) browser.eval("window.wsClient.reconnectAttempts")).longValue(),
                "attempts reset once authenticated");
        browser.waitFor(subscribedFrames(CONVERSATION) + " >= 2", "the subscription re-sent after reconnect");

        // message_read goes to the conversation's subscribers only: it arrives only through the remembered subscription.
        notify(database, "SELECT realtime.notify_message_read(456, 3, 9)");
        browser.waitFor(framesOf("message_read") + ".some((f) => f.data.message_id === 3)",
                "message_read through the re-sent subscription");
        notify(database, "SELECT realtime.notify_new_message(456, '{\"id\":3,\"content\":\"de volta\"}'::jsonb)");
        browser.waitFor("document.getElementById('chat').textContent.includes('de volta')",
                "new_message after the restart");
        browser.screenshot(screenshot);
    }

    // ---------------------------------------------------------------- (e) bad token

    @Test
    void rejectedTokenFailsWithUnauthorizedAndNeverRetries() throws Exception {
        try (TestServer server = TestServer.start()) {
            String forged = new TokenIssuer("another-secret-that-is-long-enough-for-hs256-!!")
                    .issue(AGENT, Role.AGENT, "Agent 7", List.of(), Duration.ofHours(1));
            BrowserPage browser = BROWSERS.newPage();
            AtomicInteger sockets = new AtomicInteger();
            browser.page().onWebSocket(ws -> sockets.incrementAndGet());
            browser.open(server.port(), "unauthorized.html", reconnectPage(forged));

            browser.waitFor("window.wsClient.status === 'failed'", "status failed");
            browser.waitFor(lifeOf("disconnected") + ".some((e) => e.data.code === 4001)", "close code 4001");
            assertEquals(1L, ((Number) browser.eval(lifeOf("error") + ".length")).longValue(),
                    "one error event: " + browser.state());
            assertEquals("unauthorized", browser.eval(lifeOf("error") + "[0].data.code"));
            assertEquals(false, browser.eval("window.wsClient.connected"));
            browser.screenshot("client-unauthorized");

            // The server forgets the rejected session once the close handshake is over: wait for that first.
            long deadline = System.nanoTime() + BrowserPage.PATIENCE.toNanos();
            while (server.node().openSessions() != 0 && System.nanoTime() < deadline) {
                browser.page().waitForTimeout(100);
            }
            // Negative check: over several seconds (a first retry would come within 1 s), no new WebSocket from
            // the page, none open on the server, no reconnect scheduled. Slowness can only make this pass.
            for (int i = 0; i < 20; i++) {
                browser.page().waitForTimeout(250);
                assertEquals(0, server.node().openSessions(), "sessions open on the server");
            }
            assertEquals(1, sockets.get(), "WebSockets the page opened");
            assertEquals(0L, ((Number) browser.eval(lifeOf("reconnecting") + ".length")).longValue());
            assertEquals(0L, ((Number) browser.eval("window.wsClient.reconnectAttempts")).longValue());
            assertEquals("failed", browser.eval("window.wsClient.status"));
            browser.assertNoUnexpectedErrors();
        }
    }

    // ---------------------------------------------------------------- (f) typingFor

    @Test
    void typingForSendsTrueWhileTypingAndFalseAfterIdle() throws Exception {
        // The server's own expiry must not be what ends the indicator: the false has to come from the page.
        try (TestServer server = TestServer.start(Map.of("TYPING_TIMEOUT", "60s"));
             WsClient other = server.agent(OTHER_AGENT)) {
            other.subscribe(CONVERSATION);
            String html = page("Switchboard · typingFor", STATUS_BOX + """
                    <div class="panel"><h2>Conversa #456</h2>
                    <input id="reply" placeholder="Responder…" autocomplete="off"></div>
                    <script src="/assets/js/websocket-client.js"></script>
                    """ + WATCH + """
                    <script>
                    watch(window.wsClient);
                    window.wsClient.connect(7, TOKEN);
                    window.stopTyping = window.wsClient.typingFor(456, document.getElementById('reply'));
                    </script>
                    """.replace("TOKEN", js(server.agentToken(AGENT))));
            BrowserPage browser = BROWSERS.newPage().open(server.port(), "typing.html", html);
            browser.waitFor("window.wsClient.status === 'connected'", "the client connected");
            other.drain();

            long started = System.nanoTime();
            browser.page().locator("#reply").pressSequentially("Olá! Já estou verificando.",
                    new Locator.PressSequentiallyOptions().setDelay(40));
            long typedMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            browser.screenshot("client-typing-for");

            // Every typing frame from the page until its false, which only the page's 3 s idle timer can send.
            int trues = 0;
            while (true) {
                JsonNode frame = other.next();
                if (isTyping(frame, AGENT, true)) {
                    assertEquals(CONVERSATION, frame.path("data").path("conversation_id").asLong());
                    trues++;
                } else if (isTyping(frame, AGENT, false)) {
                    break;
                }
            }
            assertTrue(trues >= 1, "typing=true before the false");
            // At most one true per 2 s while typing: an upper bound that a slow machine only loosens.
            assertTrue(trues <= 1 + typedMillis / 2000, trues + " typing=true in " + typedMillis + " ms of typing");
            assertEquals("Olá! Já estou verificando.", browser.page().inputValue("#reply"));
            browser.assertNoUnexpectedErrors();
        }
    }

    // ---------------------------------------------------------------- (g) duplicate durable events

    @Test
    void duplicateDurableEventsAreDropped() throws Exception {
        try (TestServer server = TestServer.start()) {
            BrowserPage browser = BROWSERS.newPage();
            // Sits between the page and the real server, and hands every durable event to the page twice, as a
            // replay after a resume would.
            AtomicInteger duplicated = new AtomicInteger();
            browser.page().routeWebSocket("ws://127.0.0.1:" + server.port() + "/ws", page -> {
                WebSocketRoute real = page.connectToServer();
                page.onMessage(frame -> real.send(frame.text()));
                real.onMessage(frame -> {
                    page.send(frame.text());
                    if (isDurable(frame.text())) {
                        page.send(frame.text());
                        duplicated.incrementAndGet();
                    }
                });
            });
            String html = page("Switchboard · duplicados", STATUS_BOX + """
                    <div class="panel"><h2>Conversa #456</h2><div id="chat"></div></div>
                    <script src="/assets/js/websocket-client.js"></script>
                    """ + WATCH + """
                    <script>
                    watch(window.wsClient);
                    window.wsClient.on('new_message', (data, envelope) => {
                      const div = document.createElement('div');
                      div.textContent = '#' + envelope.id + ' ' + data.message.content;
                      document.getElementById('chat').appendChild(div);
                    });
                    window.wsClient.connect(7, TOKEN);
                    window.wsClient.subscribe(456);
                    </script>
                    """.replace("TOKEN", js(server.agentToken(AGENT))));
            browser.open(server.port(), "duplicates.html", html);
            browser.waitFor("window.wsClient.status === 'connected'", "the client connected");
            browser.waitFor(subscribedFrames(CONVERSATION) + " >= 1", "the subscription confirmed");

            notify(server, "SELECT realtime.notify_new_message(456, '{\"id\":1,\"content\":\"primeira\"}'::jsonb)");
            notify(server, "SELECT realtime.notify_new_message(456, '{\"id\":2,\"content\":\"segunda\"}'::jsonb)");
            browser.waitFor(framesOf("new_message") + ".length >= 2", "both messages");
            // Frames on one socket arrive in order: once a later event is in, both copies of each were handled.
            notify(server, "SELECT realtime.notify_user(7, 'probe', '{}'::jsonb)");
            browser.waitFor(framesOf("probe") + ".length >= 1", "the probe event");

            assertTrue(duplicated.get() >= 3, "the route sent " + duplicated.get() + " duplicates");
            assertEquals(2L, ((Number) browser.eval(framesOf("new_message") + ".length")).longValue(),
                    "new_message events handed to the page's handlers: " + browser.state());
            assertEquals(1L, ((Number) browser.eval(framesOf("probe") + ".length")).longValue());
            assertEquals(2L, ((Number) browser.eval("document.querySelectorAll('#chat div').length")).longValue());
            Object lastId = browser.eval("window.wsClient.lastEventId");
            Object probeId = browser.eval(framesOf("probe") + "[0].id");
            assertEquals(((Number) probeId).longValue(), ((Number) lastId).longValue(), "lastEventId");
            browser.screenshot("client-duplicates-dropped");
            browser.assertNoUnexpectedErrors();
        }
    }

    // ---------------------------------------------------------------- (h) refused subscribe, token refresh

    /** A contact's page: the library's global client, its events recorded, nothing else. */
    private static String contactPage() {
        return page("Switchboard · cliente", STATUS_BOX + """
                <script src="/assets/js/websocket-client.js"></script>
                """ + WATCH + """
                <script>watch(window.wsClient);</script>
                """);
    }

    @Test
    void subscribeRefusedAsForbiddenIsNotSentAgainAfterAReconnect() throws Exception {
        try (TestServer server = TestServer.start()) {
            BrowserPage browser = BROWSERS.newPage();
            // What the page wrote on each of its WebSockets, as Chromium saw it leave.
            List<List<String>> sentPerSocket = new java.util.concurrent.CopyOnWriteArrayList<>();
            browser.page().onWebSocket(ws -> {
                List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
                sentPerSocket.add(sent);
                ws.onFrameSent(frame -> sent.add(frame.text()));
            });
            browser.open(server.port(), "forbidden.html", contactPage());
            // The contact may see conversation 456 only; its page also asks for 457.
            browser.eval("([token]) => { window.wsClient.connect({ userId: 200, token, maxDelay: 1000 });"
                    + " window.wsClient.subscribe(456); window.wsClient.subscribe(457); }",
                    List.of(server.contactToken(200, CONVERSATION)));

            browser.waitFor(framesOf("error") + ".some((f) => f.data.code === 'forbidden'"
                    + " && f.data.conversation_id === 457 && f.data.request === 'subscribe')", "the forbidden error for 457");
            browser.waitFor(subscribedFrames(CONVERSATION) + " >= 1", "456 subscribed");
            assertEquals(List.of(456L), subscriptions(browser), "the refused conversation is forgotten");

            // The server drops the connection (a frame over MAX_FRAME_BYTES: Chromium, still sending it, reports
            // 1006 rather than the server's 1009) and the client reconnects.
            browser.eval("window.wsClient.send({ type: 'note', pad: 'x'.repeat(70000) })");
            browser.waitFor(lifeOf("disconnected") + ".length >= 1", "the connection dropped by the server");
            browser.waitFor("window.wsClient.status === 'connected' && " + subscribedFrames(CONVERSATION) + " >= 2",
                    "connected again, 456 re-subscribed");
            // Frames on one socket are answered in order: once this pong is in, any re-sent subscribe was answered.
            browser.eval("window.wsClient.ping()");
            browser.waitFor(framesOf("pong") + ".length >= 1", "the pong after the re-subscribes");

            assertEquals(2, sentPerSocket.size(), "WebSockets the page opened");
            List<String> resent = sentPerSocket.get(1).stream().filter(f -> f.contains("\"subscribe\"")).toList();
            assertEquals(List.of("{\"type\":\"subscribe\",\"conversation_id\":456}"), resent,
                    "subscribes sent after the reconnect");
            assertEquals(1L, ((Number) browser.eval(framesOf("error") + ".filter((f) => f.data.code === 'forbidden')"
                    + ".length")).longValue(), "forbidden errors from the server: " + browser.state());
            assertEquals(List.of(456L), subscriptions(browser));
            browser.screenshot("client-forbidden-not-resent");
            browser.assertNoUnexpectedErrors();
        }
    }

    /**
     * The page's side of a token refresh. That the server then lets the connection outlive the old token's
     * {@code exp} is pinned by the server's own authentication tests, without a browser.
     */
    @Test
    void reauthenticateSwapsTheTokenOnTheLiveConnection() throws Exception {
        try (TestServer server = TestServer.start()) {
            BrowserPage browser = BROWSERS.newPage();
            AtomicInteger sockets = new AtomicInteger();
            List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
            browser.page().onWebSocket(ws -> {
                sockets.incrementAndGet();
                ws.onFrameSent(frame -> sent.add(frame.text()));
            });
            browser.open(server.port(), "reauth.html", contactPage());
            browser.eval("([token]) => { window.wsClient.connect({ userId: 201, token });"
                    + " window.wsClient.subscribe(456); }", List.of(server.contactToken(201, CONVERSATION)));
            browser.waitFor("window.wsClient.status === 'connected'", "connected");
            String connectionId = (String) browser.eval("window.wsClient.connectionId");

            String fresh = server.token(201, Role.CONTACT, "Cliente renovado", List.of(CONVERSATION));
            browser.eval("([token]) => { window.__reauth = window.wsClient.reauthenticate(token)"
                    + ".then((data) => ({ ok: data }), (err) => ({ failed: err.code })); }", List.of(fresh));
            @SuppressWarnings("unchecked")
            Map<String, Object> outcome = (Map<String, Object>) browser.eval("window.__reauth");
            assertTrue(outcome.containsKey("ok"), "reauthenticate settled with " + outcome);
            assertEquals(connectionId, ((Map<?, ?>) outcome.get("ok")).get("connection_id"),
                    "the same connection, confirmed again");

            browser.eval("window.wsClient.ping()");
            browser.waitFor(framesOf("pong") + ".length >= 1", "a pong on the refreshed connection");
            assertEquals(0L, ((Number) browser.eval(lifeOf("disconnected") + ".length")).longValue(),
                    "disconnects: " + browser.state());
            assertEquals(1, sockets.get(), "WebSockets the page opened");
            assertEquals(connectionId, browser.eval("window.wsClient.connectionId"));
            List<String> auths = sent.stream().filter(f -> f.contains("\"type\":\"auth\"")).toList();
            assertEquals(2, auths.size(), "auth frames on the one socket: " + auths);
            assertTrue(auths.get(1).contains(fresh), "the second auth carries the fresh token");

            // A token for someone else is refused: the Promise rejects and the server closes with 4001.
            Object refused = browser.eval("([token]) => window.wsClient.reauthenticate(token)"
                    + ".then(() => 'accepted', (err) => err.code)", List.of(server.contactToken(202, CONVERSATION)));
            assertEquals("unauthorized", refused);
            browser.waitFor("window.wsClient.status === 'failed'", "status failed after 4001");
            browser.assertNoUnexpectedErrors();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static List<Long> subscriptions(BrowserPage browser) {
        List<?> ids = (List<?>) browser.eval("window.wsClient.subscriptions");
        return ids.stream().map(id -> ((Number) id).longValue()).toList();
    }

    private static String agentToken() {
        return ISSUER.issue(AGENT, Role.AGENT, "Agent " + AGENT, List.of(), Duration.ofHours(1));
    }

    private static String framesOf(String event) {
        return "window.__framesOf(" + js(event) + ")";
    }

    private static String lifeOf(String event) {
        return "window.__lifeOf(" + js(event) + ")";
    }

    private static String subscribedFrames(long conversationId) {
        return framesOf("subscribed") + ".filter((f) => f.data.conversation_id === " + conversationId + ").length";
    }

    /** A durable event carries an {@code id} at the top level of its frame. */
    private static boolean isDurable(String frame) {
        try {
            return JSON.readTree(frame).has("id");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean isTyping(JsonNode frame, long userId, boolean typing) {
        return "typing".equals(frame.path("event").asText())
                && frame.path("data").path("user_id").asLong() == userId
                && frame.path("data").path("is_typing").asBoolean() == typing;
    }

    /** Runs a statement on the server's database, autocommit: the event goes out after this commit. */
    private static void notify(TestServer server, String sql) throws SQLException {
        try (Connection c = server.sql(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void notify(DatabaseUrl database, String sql) throws SQLException {
        try (Connection c = TestDatabases.superuser(TestDatabases.databaseName(database));
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
