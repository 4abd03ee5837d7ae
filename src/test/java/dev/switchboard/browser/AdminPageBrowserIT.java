package dev.switchboard.browser;

import dev.switchboard.auth.Role;
import dev.switchboard.testing.BrowserPage;
import dev.switchboard.testing.Browsers;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operations page at {@code /admin/} in a real headless Chromium, on a node without the demo: it signs in with
 * an admin token from the URL fragment, and its numbers move when events flow. Keeps {@code docs/admin.png}.
 */
class AdminPageBrowserIT {
    @RegisterExtension
    static final Browsers BROWSERS = new Browsers();

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
    void numbersMoveWhenEventsFlowAndTheScreenshotIsKept() throws Exception {
        BrowserPage page = BROWSERS.newPersonPage("en-US", 1280, 900);
        page.page().navigate(url() + "#token=" + server.token(1, Role.ADMIN, "Ops", List.of()));
        page.waitFor("document.getElementById('node-id').textContent === '" + server.node().config().node().id() + "'",
                "this node's id");
        assertEquals("/admin/", page.eval("location.pathname + location.hash"), "the token leaves the address bar");
        page.waitFor("document.querySelectorAll('#nodes tbody tr').length === 1", "one row per node");
        try (WsClient agent = server.agent(2); WsClient contact = server.contact(3, 77L)) {
            agent.subscribe(77);
            contact.subscribe(77);
            page.waitFor("document.getElementById('connections').textContent === '3'",
                    "three connections: the page's own, the agent and the contact");
            // Events keep flowing until the page has shown a rate and a latency from them.
            for (int i = 0; i < 40 && !shows(page); i++) {
                SqlEvents.exec(server, "SELECT realtime.notify_new_message(77, '{\"id\":" + i + "}')",
                        "SELECT realtime.notify_new_message(77, '{\"id\":" + (1000 + i) + "}')");
                Thread.sleep(250);
            }
            page.waitFor("parseFloat(document.getElementById('events-in').textContent) > 0", "events in per second");
            page.waitFor("parseFloat(document.getElementById('frames-out').textContent) > 0", "frames out per second");
            page.waitFor("document.getElementById('latency').textContent.endsWith(' ms')", "delivery p50/p99");
            assertTrue(String.valueOf(page.eval("document.getElementById('health').textContent")).equals("healthy"));
            Path shot = page.screenshot("admin");
            Path docs = Path.of("docs");
            Files.createDirectories(docs);
            Files.copy(shot, docs.resolve("admin.png"), StandardCopyOption.REPLACE_EXISTING);
        }
        page.assertNoUnexpectedErrors();
    }

    @Test
    void brazilianBrowserGetsThePageInPortuguese() {
        BrowserPage page = BROWSERS.newPersonPage("pt-BR", 1280, 900);
        page.page().navigate(url() + "#token=" + server.token(1, Role.ADMIN, "Ops", List.of()));
        page.waitFor("document.title === 'Operações do Switchboard'", "the Portuguese title");
        page.waitFor("document.getElementById('node-id').textContent.length > 0", "the node's numbers");
    }

    @Test
    void agentTokenIsRefusedWithAMessage() {
        BrowserPage page = BROWSERS.newPersonPage("en-US", 1280, 900);
        page.page().navigate(url() + "#token=" + server.agentToken(4));
        page.waitFor("document.getElementById('error').textContent === 'This token is not an admin token.'",
                "the refusal");
        assertEquals(true, page.eval("document.getElementById('dashboard').hidden"));
    }

    private static boolean shows(BrowserPage page) {
        return Boolean.TRUE.equals(page.eval("parseFloat(document.getElementById('events-in').textContent) > 0"
                + " && document.getElementById('latency').textContent.endsWith(' ms')"));
    }

    private static String url() {
        return "http://127.0.0.1:" + server.port() + "/admin/";
    }
}
