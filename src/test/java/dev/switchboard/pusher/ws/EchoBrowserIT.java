package dev.switchboard.pusher.ws;

import dev.switchboard.pusher.PusherApp;
import dev.switchboard.testing.BrowserPage;
import dev.switchboard.testing.Browsers;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * pusher-js and Laravel Echo as a Laravel page loads them (the npm packages' browser builds, pinned in
 * {@code src/test/pusher-clients}), in the headless Chromium of the other browser tests. The page's channel
 * authoriser asks the test to sign, as a page asks Laravel's {@code /broadcasting/auth}.
 */
class EchoBrowserIT {
    @RegisterExtension
    static final Browsers BROWSERS = new Browsers();

    private static final PusherApp APP = new PusherApp("app-browser", "browser-key", "browser-secret-01");
    private static final Path MODULES = Path.of("src/test/pusher-clients/node_modules");
    private static TestServer server;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(Map.of("PUSHER_APP_ID", APP.id(), "PUSHER_APP_KEY", APP.key(),
                "PUSHER_APP_SECRET", APP.secret()));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static String page(int port) throws IOException {
        String pusher = Files.readString(MODULES.resolve("pusher-js/dist/web/pusher.min.js"));
        String echo = Files.readString(MODULES.resolve("laravel-echo/dist/echo.iife.js"));
        return """
                <!doctype html><html><head><meta charset="utf-8"><title>Echo</title></head><body>
                <h1>Laravel Echo on Switchboard</h1><ol id="seen"></ol>
                <script>%s</script>
                <script>%s</script>
                <script>
                window.__seen = [];
                window.__state = () => JSON.stringify(window.__seen);
                function see(what) {
                  window.__seen.push(what);
                  const li = document.createElement('li');
                  li.textContent = JSON.stringify(what);
                  document.getElementById('seen').appendChild(li);
                }
                function echoFor(user, forge) {
                  return new Echo.default({
                    broadcaster: 'reverb', key: '%s', wsHost: '127.0.0.1', wsPort: %d, wssPort: %d,
                    forceTLS: false, enabledTransports: ['ws'], disableStats: true, Pusher,
                    channelAuthorization: {
                      customHandler: async ({ socketId, channelName }, callback) => {
                        const data = channelName.startsWith('presence-')
                          ? JSON.stringify({ user_id: user.id, user_info: { name: user.name } }) : null;
                        const text = socketId + ':' + channelName + (data ? ':' + data : '');
                        const signature = forge ? '0'.repeat(64) : await window.sign(text);
                        callback(null, data ? { auth: '%s:' + signature, channel_data: data }
                                            : { auth: '%s:' + signature });
                      },
                    },
                  });
                }
                const ann = echoFor({ id: 1, name: 'Ann' });
                const annTab2 = echoFor({ id: 1, name: 'Ann' });
                const bob = echoFor({ id: 2, name: 'Bob' });
                ann.channel('news').listen('.headline', (e) => see({ news: e.title }))
                   .subscribed(() => see({ subscribed: 'news' }));
                ann.private('inbox.1').listen('.mail', (e) => see({ mail: e.from }))
                   .subscribed(() => see({ subscribed: 'inbox' }));
                ann.private('chat.1').listenForWhisper('typing', (e) => see({ annHeard: e.name }));
                bob.private('chat.1').listenForWhisper('typing', (e) => see({ bobHeard: e.name }))
                   .subscribed(() => see({ subscribed: 'chat' }));
                echoFor({ id: 1 }, true).private('vault').error((e) => see({ error: e.type, status: e.status }));
                ann.join('room').here((m) => {
                  see({ annHere: m.map((u) => u.name) });
                  annTab2.join('room').here((m2) => {
                    see({ tab2Here: m2.map((u) => u.name) });
                    bob.join('room').here((m3) => see({ bobHere: m3.map((u) => u.name).sort() }))
                       .leaving((u) => see({ bobSawLeaving: u.name }));
                  });
                }).joining((u) => see({ annSawJoining: u.name }));
                </script></body></html>
                """.formatted(pusher, echo, APP.key(), port, port, APP.key(), APP.key());
    }

    private static String seen(BrowserPage browser) {
        return String.valueOf(browser.eval("JSON.stringify(window.__seen)"));
    }

    @Test
    void echoInChromiumReceivesEventsWhispersPresenceAndRefusals() throws Exception {
        BrowserPage browser = BROWSERS.newPage();
        browser.page().exposeFunction("sign", args -> APP.sign((String) args[0]));
        browser.open(server.port(), "echo.html", page(server.port()));

        browser.waitFor("window.__seen.some((s) => s.subscribed === 'news')"
                + " && window.__seen.some((s) => s.subscribed === 'inbox')", "both channels subscribed");
        server.node().pusherChannels().publish(APP, List.of("news"), "headline", "{\"title\":\"hello\"}",
                Optional.empty());
        server.node().pusherChannels().publish(APP, List.of("private-inbox.1"), "mail", "{\"from\":\"Bob\"}",
                Optional.empty());
        browser.waitFor("window.__seen.some((s) => s.news === 'hello') && window.__seen.some((s) => s.mail === 'Bob')",
                "the public and the private event");

        browser.waitFor("window.__seen.some((s) => s.error)", "the refused subscription's .error()");
        assertEquals("[{\"error\":\"AuthError\",\"status\":401}]",
                String.valueOf(browser.eval("JSON.stringify(window.__seen.filter((s) => s.error))")));

        browser.waitFor("window.__seen.some((s) => s.bobHere)", "Bob in the room");
        browser.waitFor("window.__seen.some((s) => s.annSawJoining)", "Ann seeing Bob join");
        assertEquals("[{\"annHere\":[\"Ann\"]},{\"tab2Here\":[\"Ann\"]},{\"bobHere\":[\"Ann\",\"Bob\"]},"
                        + "{\"annSawJoining\":\"Bob\"}]",
                String.valueOf(browser.eval("JSON.stringify(window.__seen.filter((s) => s.annHere || s.tab2Here"
                        + " || s.bobHere || s.annSawJoining).sort((a, b) => Object.keys(a)[0] === 'annSawJoining'"
                        + " ? 1 : Object.keys(b)[0] === 'annSawJoining' ? -1 : 0))")),
                "Ann's second tab is no new member: " + seen(browser));

        browser.waitFor("window.__seen.some((s) => s.subscribed === 'chat')", "Bob on the chat channel");
        browser.eval("ann.private('chat.1').whisper('typing', { name: 'Ann' })");
        browser.waitFor("window.__seen.some((s) => s.bobHeard === 'Ann')", "Bob hearing Ann's whisper");

        browser.eval("ann.leave('room')");
        browser.eval("new Promise((r) => setTimeout(r, 300))");
        assertEquals("[]", String.valueOf(browser.eval("JSON.stringify(window.__seen.filter((s) => s.bobSawLeaving))")),
                "Ann's other tab is still in the room: " + seen(browser));
        browser.eval("annTab2.leave('room')");
        browser.waitFor("window.__seen.some((s) => s.bobSawLeaving === 'Ann')", "Bob seeing Ann leave");
        assertEquals("[]", String.valueOf(browser.eval("JSON.stringify(window.__seen.filter((s) => s.annHeard))")),
                "a whisper never returns to its sender");
        browser.screenshot("echo-in-chromium");
    }
}
