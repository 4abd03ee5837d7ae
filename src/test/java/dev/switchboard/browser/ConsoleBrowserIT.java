package dev.switchboard.browser;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.BoundingBox;
import com.microsoft.playwright.options.ViewportSize;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.BrowserPage;
import dev.switchboard.testing.Browsers;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static dev.switchboard.browser.TestPages.js;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's agent console ({@code /}) and customer page ({@code /demo/customer}) end to end, in real headless
 * Chromium against the real server with {@code DEMO=true}: each person (Ana's console,
 * Bruno's console, João's customer page) has a browser context of their own, signs in through the page's own
 * demo sign-in, and works only through the UI.
 *
 * <p>Every test starts its own server on a fresh database, so each starts from the demo's seed: conversation 1
 * is João's, assigned to Ana; conversation 4 is João's, unassigned; the next one created gets id 5.
 *
 * <p>Waits are upper bounds ({@link BrowserPage#PATIENCE}, 20 s); nothing asserts that anything was fast.
 * Screenshots (1280x800, and 390x844 in the phone tests) go to {@code target/test-artifacts/screenshots/};
 * {@code console.png} is the one in README, and {@code docs/} keeps a phone and a desktop view of each page.
 */
class ConsoleBrowserIT {
    @RegisterExtension
    static final Browsers BROWSERS = new Browsers();

    static {
        PlaywrightAssertions.setDefaultAssertionTimeout(BrowserPage.PATIENCE.toMillis());
    }

    private static final String EN = "en-US";
    private static final String PT = "pt-BR";
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 800;
    /** A common phone (CSS pixels); the pages must also work from 360 to 430 wide. */
    private static final int PHONE_WIDTH = 390;
    private static final int PHONE_HEIGHT = 844;
    private static final List<Integer> OTHER_PHONE_WIDTHS = List.of(360, 430);

    private static final long ANA = 1;
    private static final long BRUNO = 2;
    private static final long CARLA = 3;
    private static final long JOAO = 1001;
    /** Seed: João's "Não consigo acessar minha conta", assigned to Ana. */
    private static final long JOAOS_ACCOUNT = 1;
    /** Seed: João's "Alterar endereço de entrega", unassigned. */
    private static final long JOAOS_ADDRESS = 4;

    /** Where the pages keep their sign-in (common.js session()). */
    private static final String AGENT_SESSION_KEY = "switchboard.demo.agent";
    private static final String CONTACT_SESSION_KEY = "switchboard.demo.contact";

    /** Chromium's own console line for a WebSocket it could not open (the server is down): expected there. */
    private static final String REFUSED = "WebSocket connection to 'ws://127\\.0\\.0\\.1:\\d+/ws' failed";
    /** Chromium's console line for an API answer of 401, expected where the token is refused on purpose. */
    private static final String UNAUTHORIZED_FETCH = "status of 401";

    // ------------------------------------------------------------------ 1. messages, typing, read receipts

    @Test
    void customerMessageReachesAnasOpenConversationAndBrunosListWithTypingAndReadReceipts() {
        // The server's own typing expiry (6 s) must not be what clears the indicator: that is the page's job.
        try (TestServer server = demoServer(Map.of("TYPING_TIMEOUT", "60s"))) {
            BrowserPage ana = console(server.port(), ANA, EN);
            BrowserPage bruno = console(server.port(), BRUNO, EN);
            BrowserPage joao = customer(server.port(), JOAOS_ACCOUNT, EN);
            openConversation(ana, JOAOS_ACCOUNT);
            assertThat(testId(joao, "chat-assignee")).hasText("Served by Ana Souza");

            // Bruno has nothing open; the demo data's newer conversation 4 is above João's conversation 1.
            Locator brunosItem = testId(bruno, "conversation-" + JOAOS_ACCOUNT);
            assertThat(brunosItem).isVisible();
            int brunosUnread = Integer.parseInt(brunosItem.getAttribute("data-unread"));
            assertNotEquals("conversation-" + JOAOS_ACCOUNT, firstConversation(bruno).getAttribute("data-testid"));

            // João types: Ana sees it, in English.
            Locator anasTyping = testId(ana, "typing-indicator");
            assertThat(anasTyping).hasAttribute("data-active", "false");
            String first = "Ainda não consegui entrar, tentei de novo agora.";
            typeSlowly(joao, first);
            assertThat(anasTyping).hasAttribute("data-active", "true");
            assertThat(anasTyping).hasText("João is typing…");

            // He sends: the message appears in Ana's open conversation and the typing line clears.
            testId(joao, "message-input").press("Enter");
            Locator inAnas = message(ana, first);
            assertThat(inAnas).hasAttribute("data-sender-type", "contact");
            assertThat(anasTyping).hasAttribute("data-active", "false");
            assertThat(anasTyping).hasText("");

            // Bruno's list: the conversation moves to the top with one more unread.
            assertThat(firstConversation(bruno)).hasAttribute("data-testid", "conversation-" + JOAOS_ACCOUNT);
            assertThat(brunosItem).hasAttribute("data-unread", String.valueOf(brunosUnread + 1));
            assertThat(brunosItem.locator(".conversation-preview")).hasText(first);

            // Ana has it open, so her console marks it read: João's message gets its ✓✓.
            Locator joaosOwn = message(joao, first);
            assertThat(joaosOwn).hasAttribute("data-read", "true");
            assertThat(joaosOwn.getByTestId("message-receipt")).hasText("✓✓");

            // Ana replies: João sees her typing, then her message; his page reads it, so her reply gets ✓✓.
            String reply = "Entendi, João. Acabei de enviar um link para redefinir a senha.";
            Locator anasInput = testId(ana, "message-input");
            anasInput.pressSequentially(reply, new Locator.PressSequentiallyOptions().setDelay(15));
            assertThat(testId(joao, "typing-indicator")).hasText("Ana is typing…");
            anasInput.press("Enter");
            assertThat(message(joao, reply)).hasAttribute("data-sender-type", "agent");
            assertThat(testId(joao, "typing-indicator")).hasAttribute("data-active", "false");
            Locator anasOwn = message(ana, reply);
            assertThat(anasOwn).hasAttribute("data-read", "true");
            assertThat(anasOwn.getByTestId("message-receipt")).hasText("✓✓");
            assertThat(brunosItem.locator(".conversation-preview")).hasText("Ana: " + reply);

            // João starts typing again and stops: the screenshot for README, then the line clears once his page
            // says he stopped (typing=false after 3 s idle; the server's expiry is 60 s here).
            int mark = eventCount(ana);
            typeSlowly(joao, "Recebi o link, vou tentar");
            assertThat(anasTyping).hasAttribute("data-active", "true");
            assertThat(anasTyping).hasText("João is typing…");
            ana.screenshot("console");
            joao.screenshot("customer");
            ana.waitFor(eventsSince(mark) + ".some((e) => e.event === 'typing' && e.data.user_id === " + JOAO
                    + " && e.data.is_typing === false)", "João's typing=false after he stopped");
            assertThat(anasTyping).hasAttribute("data-active", "false");
            assertThat(anasTyping).hasText("");

            for (BrowserPage page : List.of(ana, bruno, joao)) {
                page.assertNoUnexpectedErrors();
            }
        }
    }

    // ------------------------------------------------------------------ 2. assign, close, reopen

    /**
     * The console's only assign action is "Assign to me", and it shows the {@code conversation_assigned} toast only
     * when someone else did the assigning: the toast is seen when another agent's tool assigns through the API
     * (here Bruno's signed-in page calls it with his own token, as his web app would).
     */
    @Test
    void assignCloseAndReopenReachEveryoneAndTheAssigneeGetsAToast() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage ana = console(server.port(), ANA, EN);
            BrowserPage bruno = console(server.port(), BRUNO, EN);
            BrowserPage joao = customer(server.port(), JOAOS_ADDRESS, EN);
            openConversation(ana, JOAOS_ADDRESS);
            Locator brunosItem = testId(bruno, "conversation-" + JOAOS_ADDRESS);
            assertThat(brunosItem).hasAttribute("data-assignee", "");
            assertThat(testId(ana, "chat-assignee")).hasText("Unassigned");
            assertThat(testId(joao, "chat-assignee")).hasText("Waiting for an agent");

            // Bruno assigns it to Ana with "Assign to…": she gets the custom event's toast; everyone's view follows.
            openConversation(bruno, JOAOS_ADDRESS);
            testId(bruno, "assign-select").selectOption(String.valueOf(ANA));
            Locator toast = testId(ana, "assigned-toast");
            assertThat(toast).isVisible();
            assertThat(toast).hasText("Bruno Lima assigned you “Alterar endereço de entrega”");
            ana.screenshot("console-assigned-toast");
            assertThat(testId(ana, "chat-assignee")).hasText("Assigned to you");
            assertThat(testId(ana, "assign-button")).isDisabled();
            assertThat(testId(ana, "conversation-assignee-" + JOAOS_ADDRESS)).hasText("You");
            assertThat(brunosItem).hasAttribute("data-assignee", String.valueOf(ANA));
            assertThat(testId(bruno, "conversation-assignee-" + JOAOS_ADDRESS)).hasText("Ana Souza");
            assertThat(testId(joao, "chat-assignee")).hasText("Served by Ana Souza");

            // Bruno takes it himself with the console's button: the event reaches him, but no toast for his own act.
            testId(bruno, "assign-button").click();
            assertThat(testId(bruno, "chat-assignee")).hasText("Assigned to you");
            bruno.waitFor(eventsSince(0) + ".some((e) => e.event === 'conversation_assigned'"
                    + " && e.data.conversation_id === " + JOAOS_ADDRESS + ")", "conversation_assigned for Bruno");
            assertThat(testId(ana, "conversation-" + JOAOS_ADDRESS)).hasAttribute("data-assignee",
                    String.valueOf(BRUNO));
            assertThat(testId(ana, "chat-assignee")).hasText("Assigned to Bruno Lima");
            assertThat(testId(ana, "assign-button")).isEnabled();
            assertThat(testId(joao, "chat-assignee")).hasText("Served by Bruno Lima");
            assertEquals(0, testId(bruno, "assigned-toast").count(), "a toast for assigning oneself");

            // Ana closes it.
            testId(ana, "close-button").click();
            assertThat(testId(ana, "reopen-button")).isVisible();
            assertThat(testId(ana, "close-button")).isHidden();
            assertThat(testId(ana, "message-input")).isDisabled();
            assertThat(brunosItem).hasAttribute("data-status", "closed");
            assertThat(testId(bruno, "chat-status")).hasAttribute("data-status", "closed");
            assertThat(testId(bruno, "chat-status")).hasText("Closed");
            assertThat(testId(joao, "chat-status")).hasAttribute("data-status", "closed");
            assertThat(testId(joao, "chat-notice")).hasText("This conversation was closed. Writing again reopens it.");

            // And reopens it.
            testId(ana, "reopen-button").click();
            assertThat(testId(ana, "close-button")).isVisible();
            assertThat(testId(ana, "message-input")).isEnabled();
            assertThat(brunosItem).hasAttribute("data-status", "open");
            assertThat(testId(bruno, "chat-status")).hasText("Open");
            assertThat(testId(joao, "chat-status")).hasAttribute("data-status", "open");
            assertThat(testId(joao, "chat-notice")).isHidden();

            for (BrowserPage page : List.of(ana, bruno, joao)) {
                page.assertNoUnexpectedErrors();
            }
        }
    }

    // ------------------------------------------------------------------ 3. new conversation

    @Test
    void customerStartsAConversationThatAppearsInBothAgentsListsAndCanChatInIt() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage ana = console(server.port(), ANA, EN);
            BrowserPage bruno = console(server.port(), BRUNO, EN);
            assertThat(testId(ana, "conversation-count")).hasText("4");

            // João opens the customer page without a link, picks himself, and gets the new-conversation form.
            BrowserPage joao = BROWSERS.newPersonPage(EN, WIDTH, HEIGHT);
            joao.page().navigate(base(server.port()) + "/demo/customer");
            testId(joao, "login-contact-" + JOAO).click();
            assertThat(testId(joao, "connection")).hasAttribute("data-status", "connected");
            watchEvents(joao);
            assertThat(testId(joao, "new-conversation-subject")).isVisible();
            String subject = "Produto chegou com defeito";
            String content = "Olá! A tela do celular que comprei chegou trincada. Como faço a troca?";
            testId(joao, "new-conversation-subject").fill(subject);
            testId(joao, "new-conversation-content").fill(content);
            testId(joao, "new-conversation-submit").click();

            joao.page().waitForURL(Pattern.compile(".*/demo/customer\\?conversation=\\d+$"));
            Matcher id = Pattern.compile("conversation=(\\d+)").matcher(joao.page().url());
            assertTrue(id.find(), joao.page().url());
            long conversation = Long.parseLong(id.group(1));
            assertThat(testId(joao, "chat-subject")).hasText(subject);
            assertThat(message(joao, content)).hasAttribute("data-sender-type", "contact");

            // new_conversation: on top of both agents' lists, open and unassigned.
            for (BrowserPage agent : List.of(ana, bruno)) {
                Locator item = testId(agent, "conversation-" + conversation);
                assertThat(item).isVisible();
                assertThat(firstConversation(agent)).hasAttribute("data-testid", "conversation-" + conversation);
                assertThat(item).hasAttribute("data-status", "open");
                assertThat(item).hasAttribute("data-assignee", "");
                assertThat(item.locator(".conversation-subject")).hasText(subject);
                assertThat(testId(agent, "conversation-count")).hasText("5");
                agent.waitFor(eventsSince(0) + ".some((e) => e.event === 'new_conversation'"
                        + " && e.data.conversation.id === " + conversation + ")", "the new_conversation event");
            }

            // The page swapped in the fresh token that names the new conversation: it may subscribe.
            assertThat(testId(joao, "connection")).hasAttribute("data-status", "connected");
            joao.waitFor(eventsSince(0) + ".some((e) => e.event === 'subscribed' && e.data.conversation_id === "
                    + conversation + ")", "the subscription to the new conversation");

            // Ana picks it up and answers; João sees it live, and his answer reaches her.
            openConversation(ana, conversation);
            assertThat(message(ana, content)).isVisible();
            String reply = "Sinto muito, João! Vou abrir a troca agora mesmo.";
            testId(ana, "message-input").fill(reply);
            testId(ana, "send-button").click();
            assertThat(message(joao, reply)).hasAttribute("data-sender-type", "agent");
            String answer = "Obrigado, Ana!";
            testId(joao, "message-input").fill(answer);
            testId(joao, "send-button").click();
            assertThat(message(ana, answer)).hasAttribute("data-sender-type", "contact");
            assertThat(message(joao, answer)).hasAttribute("data-read", "true");
            assertThat(testId(bruno, "conversation-" + conversation).locator(".conversation-preview"))
                    .hasText(answer);
            joao.screenshot("customer-new-conversation");

            for (BrowserPage page : List.of(ana, bruno, joao)) {
                page.assertNoUnexpectedErrors();
            }
        }
    }

    // ------------------------------------------------------------------ 4. presence

    @Test
    void closingBrunosPageTurnsHimOfflineInAnasAgentsPanel() {
        try (TestServer server = demoServer(Map.of("PRESENCE_GRACE", "500ms"))) {
            BrowserPage ana = console(server.port(), ANA, EN);
            assertThat(testId(ana, "agent-" + ANA)).hasAttribute("data-status", "online");
            assertThat(testId(ana, "agent-" + BRUNO)).hasAttribute("data-status", "offline");
            assertThat(testId(ana, "agent-status-" + BRUNO)).hasText("Offline");

            BrowserPage bruno = console(server.port(), BRUNO, EN);
            assertThat(testId(ana, "agent-" + BRUNO)).hasAttribute("data-status", "online");
            assertThat(testId(ana, "agent-status-" + BRUNO)).hasText("Online");
            assertThat(testId(bruno, "agent-" + ANA)).hasAttribute("data-status", "online");
            assertThat(testId(ana, "agent-" + CARLA)).hasAttribute("data-status", "offline");

            bruno.page().close();
            assertThat(testId(ana, "agent-" + BRUNO)).hasAttribute("data-status", "offline");
            assertThat(testId(ana, "agent-status-" + BRUNO)).hasText("Offline");
            assertThat(testId(ana, "agent-" + ANA)).hasAttribute("data-status", "online");
            ana.assertNoUnexpectedErrors();
        }
    }

    // ------------------------------------------------------------------ 5. kill and restart

    @Test
    void killedServerShowsReconnectingThenConnectedAndSubscriptionsKeepDelivering() throws IOException {
        DatabaseUrl database = TestDatabases.createDatabase();
        ServerProcess first = ServerProcess.start(database, Map.of("DEMO", "true"));
        int port = first.port();
        BrowserPage ana;
        BrowserPage joao;
        try {
            ana = console(port, ANA, EN);
            joao = customer(port, JOAOS_ACCOUNT, EN);
            openConversation(ana, JOAOS_ACCOUNT);
            awaitSubscribed(ana, JOAOS_ACCOUNT, 1);
            awaitSubscribed(joao, JOAOS_ACCOUNT, 1);

            first.kill(); // SIGKILL: no close frame, both pages see their connection drop
        } finally {
            first.close();
        }

        for (BrowserPage page : List.of(ana, joao)) {
            assertThat(testId(page, "connection")).hasAttribute("data-status", "reconnecting");
        }
        Locator attempts = testId(ana, "reconnect-attempts");
        ana.waitFor("Number(document.querySelector('[data-testid=\"reconnect-attempts\"]').dataset.count) >= 2",
                "a second reconnect attempt while the server is down");
        assertThat(attempts).isVisible();
        assertThat(attempts).containsText("Reconnect attempts: ");
        assertThat(testId(ana, "status-text")).hasText("Reconnecting…");
        // Nobody's presence is known through a dead link, not even her own.
        assertThat(testId(ana, "agent-" + ANA)).hasAttribute("data-status", "offline");
        ana.screenshot("console-reconnecting");

        try (ServerProcess second = ServerProcess.start(database, Map.of("DEMO", "true",
                "PORT", Integer.toString(port)))) {
            assertEquals(port, second.port(), "restarted on the same port, as behind a proxy or supervisor");
            for (BrowserPage page : List.of(ana, joao)) {
                assertThat(testId(page, "connection")).hasAttribute("data-status", "connected");
            }
            assertThat(testId(ana, "status-text")).hasText("Connected");
            assertThat(testId(ana, "agent-" + ANA)).hasAttribute("data-status", "online");
            assertThat(attempts).isHidden();
            assertThat(attempts).hasAttribute("data-count", "0");
            // Both pages re-sent their subscription: typing and João's copy of new_message go to subscribers only.
            awaitSubscribed(ana, JOAOS_ACCOUNT, 2);
            awaitSubscribed(joao, JOAOS_ACCOUNT, 2);

            typeSlowly(joao, "Voltou? Ainda estou aqui.");
            assertThat(testId(ana, "typing-indicator")).hasText("João is typing…");
            testId(joao, "message-input").press("Enter");
            assertThat(message(ana, "Voltou? Ainda estou aqui.")).hasAttribute("data-sender-type", "contact");

            String reply = "Voltamos, João! Pode continuar.";
            testId(ana, "message-input").fill(reply);
            testId(ana, "message-input").press("Enter");
            assertThat(message(joao, reply)).hasAttribute("data-sender-type", "agent");
            // message_read (subscribers only) comes back to Ana once João's page has read it.
            assertThat(message(ana, reply)).hasAttribute("data-read", "true");
            ana.screenshot("console-reconnected");
        }
        for (BrowserPage page : List.of(ana, joao)) {
            page.assertNoUnexpectedErrors(REFUSED);
        }
    }

    // ------------------------------------------------------------------ 6. refused token

    /**
     * The server answers 4001 to a token it refuses: here the deployment comes back from a restart with a new
     * signing key, so the token Ana's open console holds is no longer accepted. The page must say so and stop.
     */
    @Test
    void tokenRefusedAfterARestartShowsFailedWithTheErrorAndStopsRetrying() {
        DatabaseUrl database = TestDatabases.createDatabase();
        TestServer first = demoServer(database, Map.of());
        int port = first.port();
        BrowserPage ana;
        AtomicInteger sockets = new AtomicInteger();
        try {
            ana = console(port, ANA, EN);
            openConversation(ana, JOAOS_ACCOUNT);
            ana.page().onWebSocket(ws -> sockets.incrementAndGet());
        } finally {
            first.close(); // graceful: every session is closed with 1001 (going away), which is retried
        }
        Locator connection = testId(ana, "connection");
        assertThat(connection).hasAttribute("data-status", "reconnecting");

        try (TestServer second = demoServer(database, Map.of("PORT", Integer.toString(port),
                "JWT_SECRET", "a-rotated-secret-that-is-also-long-enough-for-hs256-98765"))) {
            assertEquals(port, second.port());
            assertThat(connection).hasAttribute("data-status", "failed");
            assertThat(testId(ana, "status-text")).hasText("Connection failed");
            Locator lastError = testId(ana, "last-error");
            assertThat(lastError).isVisible();
            assertThat(lastError).hasAttribute("data-code", "unauthorized");
            assertThat(lastError).containsText("Last error: unauthorized");
            assertThat(testId(ana, "session-toast")).hasText("Your session has expired. Please sign in again.");
            ana.screenshot("console-failed");
            assertTrue(sockets.get() >= 1, "the page tried the restarted server");

            // Negative check over a window in which a retry would come (backoff is 1 s, 2 s, ...): none comes.
            // Slowness can only make this pass.
            int opened = sockets.get();
            String attempts = testId(ana, "reconnect-attempts").getAttribute("data-count");
            for (int i = 0; i < 20; i++) {
                ana.page().waitForTimeout(250);
                assertEquals("failed", connection.getAttribute("data-status"));
            }
            assertEquals(opened, sockets.get(), "WebSockets opened after the 4001");
            assertThat(testId(ana, "reconnect-attempts")).hasAttribute("data-count", attempts);
            ana.assertNoUnexpectedErrors(REFUSED);
        }
    }

    /**
     * A page reloaded with a token the server refuses (here: signed with another deployment's secret) never gets
     * in and never retries. The demo API refuses the token too, so the console signs out and says why.
     */
    @Test
    void forgedTokenOnReloadIsSignedOutAndNeverRetries() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage ana = BROWSERS.newPersonPage(EN, WIDTH, HEIGHT);
            AtomicInteger sockets = new AtomicInteger();
            ana.page().onWebSocket(ws -> sockets.incrementAndGet());
            ana.page().navigate(base(server.port()) + "/");
            assertThat(testId(ana, "login-agent-" + ANA)).isVisible();
            assertEquals(0, sockets.get(), "WebSockets before sign-in");

            String forged = new TokenIssuer("another-secret-that-is-long-enough-for-hs256-!!")
                    .issue(ANA, Role.AGENT, "Ana Souza", List.of(), Duration.ofHours(1));
            ana.eval("(token) => sessionStorage.setItem(" + js(AGENT_SESSION_KEY) + ", JSON.stringify({token,"
                    + " user: {id: 1, name: 'Ana Souza', role: 'agent'}}))", forged);
            ana.page().reload();

            assertThat(testId(ana, "signin-message")).hasText("Your session has expired. Please sign in again.");
            assertThat(testId(ana, "workspace")).isHidden();
            assertEquals(null, ana.eval("sessionStorage.getItem(" + js(AGENT_SESSION_KEY) + ")"),
                    "the refused sign-in is forgotten");
            // Negative check over a window in which a retry would come: none comes, the page never gets in.
            Locator connection = testId(ana, "connection");
            for (int i = 0; i < 20; i++) {
                ana.page().waitForTimeout(250);
                String status = connection.getAttribute("data-status");
                assertTrue(status.equals("failed") || status.equals("disconnected"), status);
            }
            assertTrue(sockets.get() <= 1, sockets.get() + " WebSockets opened with the forged token");
            assertThat(testId(ana, "reconnect-attempts")).hasAttribute("data-count", "0");
            ana.assertNoUnexpectedErrors(UNAUTHORIZED_FETCH);
        }
    }

    // ------------------------------------------------------------------ 7. debug panel

    @Test
    void debugPanelListsTheLastEventsByName() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage ana = console(server.port(), ANA, EN);
            BrowserPage joao = customer(server.port(), JOAOS_ACCOUNT, EN);
            openConversation(ana, JOAOS_ACCOUNT);

            Locator panel = testId(ana, "debug-panel");
            Locator toggle = testId(ana, "debug-toggle");
            assertThat(panel).isHidden();
            toggle.click();
            assertThat(panel).isVisible();
            assertThat(toggle).hasAttribute("aria-expanded", "true");
            Locator rows = panel.getByTestId("debug-event");
            for (String event : List.of("connected", "presence", "subscribed")) {
                assertThat(rows.and(ana.page().locator("[data-event=\"" + event + "\"]")).first()).isVisible();
            }

            String text = "Alguma novidade sobre a minha conta?";
            testId(joao, "message-input").fill(text);
            testId(joao, "send-button").click();
            Locator newMessage = rows.and(ana.page().locator("[data-event=\"new_message\"]"));
            assertThat(newMessage.first()).containsText(text);
            assertThat(rows.and(ana.page().locator("[data-event=\"conversation_updated\"]")).first()).isVisible();
            // Newest first, at most 100.
            assertThat(rows.first()).not().hasAttribute("data-event", "connected");
            // Rows first, then the count: events may still arrive in between, and the count only grows.
            int shown = rows.count();
            assertTrue(shown <= 100, shown + " rows");
            assertTrue(Integer.parseInt(testId(ana, "debug-count").textContent()) >= shown);
            ana.screenshot("console-debug-panel");

            toggle.click();
            assertThat(panel).isHidden();
            assertThat(toggle).hasAttribute("aria-expanded", "false");
            ana.assertNoUnexpectedErrors();
            joao.assertNoUnexpectedErrors();
        }
    }

    // ------------------------------------------------------------------ pt-BR

    @Test
    void portugueseBrowserGetsPortugueseStrings() {
        try (TestServer server = demoServer(Map.of("TYPING_TIMEOUT", "60s"))) {
            BrowserPage ana = console(server.port(), ANA, PT);
            BrowserPage joao = customer(server.port(), JOAOS_ACCOUNT, PT);
            openConversation(ana, JOAOS_ACCOUNT);

            assertEquals("pt-BR", ana.eval("document.documentElement.lang"));
            assertThat(testId(ana, "status-text")).hasText("Conectado");
            assertThat(ana.page().locator(".sidebar h2")).hasText("Conversas");
            assertThat(testId(ana, "assign-button")).hasText("Atribuir a mim");
            assertThat(testId(ana, "chat-assignee")).hasText("Atribuída a você");
            assertThat(testId(ana, "agent-status-" + ANA)).hasText("Online");
            assertThat(testId(joao, "status-text")).hasText("Conectado");
            assertThat(testId(joao, "chat-assignee")).hasText("Atendido por Ana Souza");

            typeSlowly(joao, "Oi, Ana! Alguma novidade?");
            assertThat(testId(ana, "typing-indicator")).hasText("João está digitando…");
            ana.screenshot("console-pt-BR");
            testId(joao, "message-input").press("Enter");
            assertThat(testId(ana, "typing-indicator")).hasAttribute("data-active", "false");
            Locator own = message(joao, "Oi, Ana! Alguma novidade?");
            assertThat(own).hasAttribute("data-read", "true");
            assertThat(own.getByTestId("message-receipt")).hasAttribute("title", "Lida");
            ana.assertNoUnexpectedErrors();
            joao.assertNoUnexpectedErrors();
        }
    }

    // ------------------------------------------------------------------ 8. phone and desktop widths

    /**
     * On a phone the console shows one view at a time: the list, then the conversation tapped, full width, with a
     * Back control to the list. Nothing scrolls sideways, the header's parts do not overlap, Sign out is on screen.
     */
    @Test
    void consoleAtPhoneWidthShowsTheListThenTheConversationFullWidthWithBack() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage ana = console(server.port(), ANA, EN, PHONE_WIDTH, PHONE_HEIGHT);
            assertThat(testId(ana, "conversation-list")).isVisible();
            assertThat(testId(ana, "chat-empty")).isHidden();
            assertHeaderFits(ana, "sign-out");
            ana.screenshot("console-phone-list");

            openConversation(ana, JOAOS_ACCOUNT);
            assertThat(testId(ana, "conversation-list")).isHidden();
            assertThat(testId(ana, "back-to-list")).isVisible();
            assertHeaderFits(ana, "sign-out");
            assertConversationFits(ana, PHONE_WIDTH - 2);
            assertOnScreen(ana, "close-button");
            ana.screenshot("console-phone-conversation");
            for (int width : OTHER_PHONE_WIDTHS) {
                ana.page().setViewportSize(width, PHONE_HEIGHT);
                assertHeaderFits(ana, "sign-out");
                assertConversationFits(ana, width - 2);
                ana.screenshot("console-phone-conversation-" + width);
            }
            ana.page().setViewportSize(PHONE_WIDTH, PHONE_HEIGHT);

            testId(ana, "back-to-list").click();
            assertThat(testId(ana, "conversation-list")).isVisible();
            assertThat(testId(ana, "chat")).isHidden();
            assertEquals("", ana.eval("location.hash"), "the closed conversation left in the URL");
            assertHeaderFits(ana, "sign-out");
            openConversation(ana, JOAOS_ADDRESS);
            assertThat(testId(ana, "chat-subject")).hasText("Alterar endereço de entrega");
            assertThat(testId(ana, "conversation-list")).isHidden();

            // The debug panel fits the phone too.
            testId(ana, "debug-toggle").click();
            assertThat(testId(ana, "debug-event").first()).isVisible();
            assertOnScreen(ana, "debug-panel");
            assertOnScreen(ana, "debug-close");
            assertHeaderFits(ana, "sign-out");
            ana.screenshot("console-phone-debug-panel");
            testId(ana, "debug-close").click();
            assertThat(testId(ana, "debug-panel")).isHidden();
            ana.assertNoUnexpectedErrors();
        }
    }

    @Test
    void consoleAtDesktopWidthShowsTheListBesideTheConversationWithoutBack() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage ana = console(server.port(), ANA, EN);
            assertThat(testId(ana, "chat-empty")).isVisible();
            assertHeaderFits(ana, "sign-out");
            openConversation(ana, JOAOS_ACCOUNT);
            assertThat(testId(ana, "conversation-list")).isVisible();
            assertThat(testId(ana, "agent-list")).isVisible();
            assertThat(testId(ana, "back-to-list")).isHidden();
            assertHeaderFits(ana, "sign-out");
            // Between the list (300 px) and the agents (250 px).
            assertConversationFits(ana, WIDTH - 300 - 250 - 2);
            assertOnScreen(ana, "close-button");
            ana.screenshot("console-desktop");
            ana.assertNoUnexpectedErrors();
        }
    }

    /**
     * A customer follows the link to a conversation on a phone: the conversation full width; Back shows their
     * list, which opens the others and the new-conversation form, each with its way back.
     */
    @Test
    void customerPageAtPhoneWidthShowsTheConversationThenTheListWithBack() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage joao = customer(server.port(), JOAOS_ACCOUNT, EN, PHONE_WIDTH, PHONE_HEIGHT);
            assertThat(testId(joao, "customer-conversation-list")).isHidden();
            assertThat(testId(joao, "back-to-list")).isVisible();
            assertHeaderFits(joao, "switch-user");
            assertConversationFits(joao, PHONE_WIDTH - 2);
            joao.screenshot("customer-phone-conversation");
            for (int width : OTHER_PHONE_WIDTHS) {
                joao.page().setViewportSize(width, PHONE_HEIGHT);
                assertHeaderFits(joao, "switch-user");
                assertConversationFits(joao, width - 2);
                joao.screenshot("customer-phone-conversation-" + width);
            }
            joao.page().setViewportSize(PHONE_WIDTH, PHONE_HEIGHT);

            testId(joao, "back-to-list").click();
            Locator list = testId(joao, "customer-conversation-list");
            assertThat(list).isVisible();
            assertThat(testId(joao, "chat")).isHidden();
            assertThat(testId(joao, "new-conversation")).isHidden();
            joao.page().waitForURL(Pattern.compile(".*/demo/customer$"));
            assertHeaderFits(joao, "switch-user");
            assertOnScreen(joao, "new-conversation-open");
            joao.screenshot("customer-phone-list");

            testId(joao, "customer-conversation-" + JOAOS_ADDRESS).locator("button").click();
            assertThat(testId(joao, "chat")).hasAttribute("data-conversation-id", String.valueOf(JOAOS_ADDRESS));
            assertThat(list).isHidden();
            assertConversationFits(joao, PHONE_WIDTH - 2);
            testId(joao, "back-to-list").click();

            testId(joao, "new-conversation-open").click();
            assertThat(testId(joao, "new-conversation-subject")).isVisible();
            assertThat(list).isHidden();
            assertHeaderFits(joao, "switch-user");
            assertOnScreen(joao, "new-conversation-submit");
            testId(joao, "new-conversation-back").click();
            assertThat(list).isVisible();
            assertThat(testId(joao, "new-conversation-subject")).isHidden();
            joao.assertNoUnexpectedErrors();
        }
    }

    @Test
    void customerPageAtDesktopWidthShowsTheListBesideTheConversationWithoutBack() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage joao = customer(server.port(), JOAOS_ACCOUNT, EN);
            assertThat(testId(joao, "customer-conversation-list")).isVisible();
            assertThat(testId(joao, "back-to-list")).isHidden();
            assertHeaderFits(joao, "switch-user");
            // Beside the list (280 px).
            assertConversationFits(joao, WIDTH - 280 - 2);
            joao.screenshot("customer-desktop");
            joao.assertNoUnexpectedErrors();
        }
    }

    // ------------------------------------------------------------------ 9. the customer's header

    /** An agent may answer without taking the conversation: the customer is no longer "waiting" once one has. */
    @Test
    void customerHeaderNamesTheAgentWhoAnsweredAnUnassignedConversation() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage bruno = console(server.port(), BRUNO, EN);
            BrowserPage joao = customer(server.port(), JOAOS_ADDRESS, EN);
            Locator joaosHeader = testId(joao, "chat-assignee");
            assertThat(joaosHeader).hasText("Waiting for an agent");

            openConversation(bruno, JOAOS_ADDRESS);
            String reply = "Oi, João! Qual é o novo endereço?";
            testId(bruno, "message-input").fill(reply);
            testId(bruno, "send-button").click();
            assertThat(message(joao, reply)).hasAttribute("data-sender-type", "agent");
            assertThat(joaosHeader).hasText("Answered by Bruno Lima");
            assertThat(testId(bruno, "chat-assignee")).hasText("Unassigned");

            // The same from what the page loads.
            joao.page().reload();
            assertThat(message(joao, reply)).isVisible();
            assertThat(joaosHeader).hasText("Answered by Bruno Lima");
            bruno.assertNoUnexpectedErrors();
            joao.assertNoUnexpectedErrors();
        }
    }

    // ------------------------------------------------------------------ 10. token renewal

    /**
     * The customer page swaps its token for a fresh one before the old one's exp: with the client's
     * {@code reauthenticate} on the open connection (no new WebSocket), or, with a client that lacks it, by one
     * reconnect. Either way the server's expiry close (4002) never comes and the conversation keeps delivering
     * after the old exp. The token that comes with a new conversation is swapped in the same way.
     */
    @Test
    void customerPageRenewsItsTokenBeforeExpAndKeepsItsConversation() {
        try (TestServer server = demoServer(Map.of())) {
            BrowserPage ana = console(server.port(), ANA, EN);
            openConversation(ana, JOAOS_ACCOUNT);

            BrowserPage joao = BROWSERS.newPersonPage(EN, WIDTH, HEIGHT);
            AtomicInteger sockets = new AtomicInteger();
            joao.page().onWebSocket(ws -> sockets.incrementAndGet());
            watchEventsFromStart(joao);
            joao.page().navigate(base(server.port()) + "/demo/customer");
            assertThat(testId(joao, "login-contact-" + JOAO)).isVisible();
            // Signed in earlier with a token that runs out soon: the page renews it about halfway. Long enough for
            // a loaded machine to open the page well before exp; the server closes a connection at its token's exp.
            Duration life = Duration.ofSeconds(24);
            String shortLived = new TokenIssuer(TestServer.SECRET).issue(JOAO, Role.CONTACT, "João Silva",
                    List.of(JOAOS_ACCOUNT, JOAOS_ADDRESS), life);
            long oldExpMillis = System.currentTimeMillis() / 1000 * 1000 + life.toMillis();
            joao.eval("(token) => sessionStorage.setItem(" + js(CONTACT_SESSION_KEY) + ", JSON.stringify({token,"
                    + " user: {id: " + JOAO + ", name: 'João Silva', role: 'contact'}}))", shortLived);
            joao.page().navigate(base(server.port()) + "/demo/customer?conversation=" + JOAOS_ACCOUNT);
            assertThat(testId(joao, "connection")).hasAttribute("data-status", "connected");
            assertThat(testId(joao, "chat")).hasAttribute("data-conversation-id", String.valueOf(JOAOS_ACCOUNT));
            awaitSubscribed(joao, JOAOS_ACCOUNT, 1);
            boolean reauthenticates = (Boolean) joao.eval("typeof window.wsClient.reauthenticate === 'function'");

            String savedToken = "JSON.parse(sessionStorage.getItem(" + js(CONTACT_SESSION_KEY) + ")).token";
            joao.waitFor(savedToken + " !== " + js(shortLived), "a renewed token");
            joao.waitFor(eventsSince(0) + ".filter((e) => e.event === 'authenticated').length >= 2",
                    "the server's authenticated for the fresh token");

            // Past the old exp, when the server would have closed a connection still on the old token (4002), and
            // the client would have opened another WebSocket.
            joao.page().waitForTimeout(Math.max(0, oldExpMillis + 1500 - System.currentTimeMillis()));
            assertThat(testId(joao, "connection")).hasAttribute("data-status", "connected");
            assertEquals(reauthenticates ? 1 : 2, sockets.get(), "WebSockets opened (reauthenticate: "
                    + reauthenticates + ")");
            String reply = "Ainda por aqui, João?";
            testId(ana, "message-input").fill(reply);
            testId(ana, "send-button").click();
            assertThat(message(joao, reply)).hasAttribute("data-sender-type", "agent");
            assertEquals(reauthenticates ? 1 : 2, sockets.get(), "WebSockets opened");

            // A new conversation comes with a token that names it, swapped in the same way before subscribing.
            testId(joao, "new-conversation-open").click();
            testId(joao, "new-conversation-subject").fill("Nota fiscal");
            testId(joao, "new-conversation-content").fill("Podem reenviar a nota fiscal do pedido?");
            testId(joao, "new-conversation-submit").click();
            joao.page().waitForURL(Pattern.compile(".*/demo/customer\\?conversation=\\d+$"));
            Matcher id = Pattern.compile("conversation=(\\d+)").matcher(joao.page().url());
            assertTrue(id.find(), joao.page().url());
            awaitSubscribed(joao, Long.parseLong(id.group(1)), 1);
            assertThat(testId(joao, "connection")).hasAttribute("data-status", "connected");
            assertEquals(reauthenticates ? 1 : 3, sockets.get(), "WebSockets opened");
            ana.assertNoUnexpectedErrors();
            joao.assertNoUnexpectedErrors();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** An in-process server with the demo on, on a fresh database. */
    private static TestServer demoServer(Map<String, String> env) {
        return demoServer(TestDatabases.createDatabase(), env);
    }

    private static TestServer demoServer(DatabaseUrl database, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("DEMO", "true");
        return TestServer.start(database, all);
    }

    private static String base(int port) {
        return "http://127.0.0.1:" + port;
    }

    /** An agent's console in a browser context of their own, signed in through the demo's picker. */
    private static BrowserPage console(int port, long agent, String locale) {
        return console(port, agent, locale, WIDTH, HEIGHT);
    }

    private static BrowserPage console(int port, long agent, String locale, int width, int height) {
        BrowserPage page = BROWSERS.newPersonPage(locale, width, height);
        page.page().navigate(base(port) + "/");
        testId(page, "login-agent-" + agent).click();
        assertThat(testId(page, "connection")).hasAttribute("data-status", "connected");
        assertThat(testId(page, "conversation-list").locator("> li").first()).isVisible();
        watchEvents(page);
        return page;
    }

    /** The customer page on a conversation's link: it signs in as that conversation's contact. */
    private static BrowserPage customer(int port, long conversation, String locale) {
        return customer(port, conversation, locale, WIDTH, HEIGHT);
    }

    private static BrowserPage customer(int port, long conversation, String locale, int width, int height) {
        BrowserPage page = BROWSERS.newPersonPage(locale, width, height);
        watchEventsFromStart(page);
        page.page().navigate(base(port) + "/demo/customer?conversation=" + conversation);
        assertThat(testId(page, "connection")).hasAttribute("data-status", "connected");
        assertThat(testId(page, "chat")).hasAttribute("data-conversation-id", String.valueOf(conversation));
        assertThat(testId(page, "message-list").locator("> li").first()).isVisible();
        return page;
    }

    /**
     * Clicks a conversation in the console's list and waits until its messages are shown and the page has marked
     * them read (its POST answered), so no request of the opening is still in flight when a test goes on.
     */
    private static void openConversation(BrowserPage console, long conversation) {
        testId(console, "conversation-" + conversation).locator("button").click();
        assertThat(testId(console, "chat")).hasAttribute("data-conversation-id", String.valueOf(conversation));
        assertThat(testId(console, "message-list").locator("> li").first()).isVisible();
        assertThat(testId(console, "message-input")).isFocused();
        assertThat(testId(console, "conversation-" + conversation)).hasAttribute("data-unread", "0");
    }

    /**
     * Records every server frame the page's client hands to its handlers in {@code window.__events}, through the
     * client's public {@code on('*')}; the pages' own handlers are untouched.
     */
    private static void watchEvents(BrowserPage page) {
        page.eval("() => { if (window.__events) return; window.__events = [];"
                + " window.wsClient.on('*', (data, envelope) => window.__events.push({event: envelope.event, data})); }");
    }

    /** As {@link #watchEvents}, from the page's first frame on (for pages that connect while loading). */
    private static void watchEventsFromStart(BrowserPage page) {
        page.page().addInitScript("document.addEventListener('DOMContentLoaded', () => { if (window.__events) return;"
                + " window.__events = []; window.wsClient.on('*', (data, envelope) =>"
                + " window.__events.push({event: envelope.event, data})); });");
    }

    private static int eventCount(BrowserPage page) {
        return ((Number) page.eval("window.__events.length")).intValue();
    }

    private static String eventsSince(int mark) {
        return "window.__events.slice(" + mark + ")";
    }

    private static void awaitSubscribed(BrowserPage page, long conversation, int times) {
        page.waitFor(eventsSince(0) + ".filter((e) => e.event === 'subscribed' && e.data.conversation_id === "
                + conversation + ").length >= " + times, times + " subscribed frames for conversation " + conversation);
    }

    /**
     * The page fits its viewport's width (nothing scrolls sideways), its header's parts do not overlap (the
     * connection's status text is whole and clear of the events button, the brand and the user's part), and
     * {@code lastButton} (Sign out, Switch) is on screen.
     */
    private static void assertHeaderFits(BrowserPage page, String lastButton) {
        @SuppressWarnings("unchecked")
        Map<String, Number> widths = (Map<String, Number>) page.eval("() => ({scroll:"
                + " document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
                + " bodyScroll: document.body.scrollWidth})");
        int client = widths.get("client").intValue();
        assertTrue(widths.get("scroll").intValue() <= client && widths.get("bodyScroll").intValue() <= client,
                "the page scrolls sideways: " + widths);
        assertOnScreen(page, lastButton);

        Locator status = testId(page, "status-text");
        assertThat(status).isVisible();
        assertEquals(Boolean.TRUE, status.evaluate("(e) => e.scrollWidth <= e.clientWidth"),
                "the status text is cut: " + status.textContent());
        BoundingBox statusBox = status.boundingBox();
        for (Locator other : List.of(testId(page, "debug-toggle"), testId(page, "me"),
                page.page().locator(".topbar .brand"))) {
            BoundingBox box = other.boundingBox();
            assertTrue(!overlap(statusBox, box), "the status text " + describe(statusBox) + " overlaps "
                    + other + " " + describe(box));
        }
        BoundingBox events = testId(page, "debug-toggle").boundingBox();
        BoundingBox me = testId(page, "me").boundingBox();
        assertTrue(!overlap(events, me), "the events button overlaps the user's part");
    }

    /**
     * The open conversation is readable: its subject is not squeezed into a column (one letter per line), its
     * message thread is at least {@code minThreadWidth} wide, and the composer's button is on screen.
     */
    private static void assertConversationFits(BrowserPage page, int minThreadWidth) {
        Locator subject = testId(page, "chat-subject");
        assertThat(subject).isVisible();
        BoundingBox box = subject.boundingBox();
        double lineHeight = ((Number) subject.evaluate("(e) => parseFloat(getComputedStyle(e).lineHeight)"))
                .doubleValue();
        assertTrue(box.width >= 150, "the subject is squeezed: " + describe(box));
        assertTrue(box.height <= 2 * lineHeight + 1, "the subject takes more than two lines: " + describe(box));
        BoundingBox thread = testId(page, "message-list").boundingBox();
        assertTrue(thread.width >= minThreadWidth, "the thread is " + thread.width + " px wide, expected at least "
                + minThreadWidth);
        assertOnScreen(page, "send-button");
    }

    /** The element is visible and wholly inside the viewport. */
    private static void assertOnScreen(BrowserPage page, String testId) {
        Locator element = testId(page, testId);
        assertThat(element).isVisible();
        BoundingBox box = element.boundingBox();
        ViewportSize viewport = page.page().viewportSize();
        assertTrue(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width
                && box.y + box.height <= viewport.height, testId + " is off screen: " + describe(box) + " in "
                + viewport.width + "x" + viewport.height);
    }

    private static boolean overlap(BoundingBox a, BoundingBox b) {
        return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    }

    private static String describe(BoundingBox box) {
        return String.format("[x %.0f, y %.0f, %.0fx%.0f]", box.x, box.y, box.width, box.height);
    }

    private static Locator testId(BrowserPage page, String id) {
        return page.page().getByTestId(id);
    }

    private static Locator firstConversation(BrowserPage console) {
        return testId(console, "conversation-list").locator("> li").first();
    }

    /** The message with exactly this text in the page's open conversation. */
    private static Locator message(BrowserPage page, String content) {
        return testId(page, "message-list").locator("> li").filter(new Locator.FilterOptions()
                .setHas(page.page().locator(".message-content", new Page.LocatorOptions().setHasText(content))));
    }

    /** Types into the page's composer key by key, as a person does (so its typing helper sees input events). */
    private static void typeSlowly(BrowserPage page, String text) {
        Locator input = testId(page, "message-input");
        input.click();
        input.pressSequentially(text, new Locator.PressSequentiallyOptions().setDelay(30));
    }
}
