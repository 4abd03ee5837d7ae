package dev.switchboard.testing;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.TimeoutError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One browser tab with what a test needs around it: test pages served from the server's own origin, waits that
 * fail with the page's state, every console message and uncaught error recorded, screenshots.
 */
public final class BrowserPage {
    /**
     * Upper bound for something that must happen in the page. Only a bound: nothing asserts speed, and a slow CI
     * machine just uses more of it.
     */
    public static final Duration PATIENCE = Duration.ofSeconds(20);

    /** Path prefix of pages that exist only in the browser (fulfilled by a route, never asked of the server). */
    public static final String TEST_PATH = "/__test/";

    private final Page page;
    private final List<String> console = Collections.synchronizedList(new ArrayList<>());
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    BrowserPage(Page page) {
        this.page = page;
        page.onConsoleMessage(message -> {
            String line = message.type() + ": " + message.text();
            console.add(line);
            if ("error".equals(message.type())) {
                errors.add(message.text());
            }
        });
        page.onPageError(error -> {
            console.add("uncaught: " + error);
            errors.add("uncaught: " + error);
        });
    }

    public Page page() {
        return page;
    }

    /**
     * Opens {@code html} as if the server at {@code port} served it at {@code /__test/<name>}. The page has the
     * server's origin (its default origin policy is same-origin), so it can load the real
     * {@code /assets/js/...} from the server and open {@code ws://127.0.0.1:port/ws} like a page of the app.
     */
    public BrowserPage open(int port, String name, String html) {
        String url = "http://127.0.0.1:" + port + TEST_PATH + name;
        page.route(url, route -> route.fulfill(new com.microsoft.playwright.Route.FulfillOptions()
                .setStatus(200)
                .setContentType("text/html; charset=utf-8")
                .setBody(html)));
        page.navigate(url);
        return this;
    }

    /** Evaluates a JavaScript expression (or function) in the page. */
    public Object eval(String expression) {
        return page.evaluate(expression);
    }

    /** Evaluates a function of one argument in the page. */
    public Object eval(String function, Object arg) {
        return page.evaluate(function, arg);
    }

    /**
     * Waits until {@code predicate} (a JavaScript expression) is truthy in the page; fails with the page's state
     * ({@code window.__state()} if the page defines it) and its console if it never is.
     */
    public void waitFor(String predicate, String what) {
        try {
            page.waitForFunction("() => !!(" + predicate + ")", null, new Page.WaitForFunctionOptions()
                    .setTimeout(PATIENCE.toMillis())
                    .setPollingInterval(50));
        } catch (TimeoutError e) {
            fail("the page never showed " + what + " within " + PATIENCE.toSeconds() + " s (" + predicate
                    + ")\nstate: " + state() + "\nconsole:\n  " + String.join("\n  ", consoleMessages()));
        }
    }

    /**
     * Waits until the page has logged {@code line} ({@code type: text}, e.g. {@code "log: WebSocket conectado!"}).
     * Playwright delivers console events only while the test calls into it, hence the short page waits.
     */
    public void waitForConsole(String line) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!consoleMessages().contains(line)) {
            if (System.nanoTime() > deadline) {
                fail("the page never logged \"" + line + "\" within " + PATIENCE.toSeconds() + " s; console:\n  "
                        + String.join("\n  ", consoleMessages()));
            }
            page.waitForTimeout(50);
        }
    }

    /** The page's own summary of itself for failure messages: {@code window.__state()} or its text. */
    public String state() {
        try {
            Object state = page.evaluate("() => typeof window.__state === 'function'"
                    + " ? JSON.stringify(window.__state()) : document.body.innerText");
            return String.valueOf(state);
        } catch (PlaywrightException e) {
            return "(page unreadable: " + e.getMessage() + ")";
        }
    }

    /** Every console message so far, as {@code type: text}, plus uncaught errors. */
    public List<String> consoleMessages() {
        synchronized (console) {
            return List.copyOf(console);
        }
    }

    /** Console errors and uncaught exceptions so far. */
    public List<String> consoleErrors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /**
     * Fails if the page logged an error or threw, except errors matching one of {@code expected} (regular
     * expressions, searched in the message), e.g. Chromium's own line for a refused WebSocket while the server is
     * down.
     */
    public void assertNoUnexpectedErrors(String... expected) {
        List<Pattern> allowed = new ArrayList<>();
        for (String regex : expected) {
            allowed.add(Pattern.compile(regex));
        }
        List<String> unexpected = new ArrayList<>();
        for (String error : consoleErrors()) {
            if (allowed.stream().noneMatch(p -> p.matcher(error).find())) {
                unexpected.add(error);
            }
        }
        if (!unexpected.isEmpty()) {
            fail("the page logged unexpected errors:\n  " + String.join("\n  ", unexpected));
        }
    }

    /** Saves a full-page PNG as {@code target/test-artifacts/screenshots/<name>.png} and returns its path. */
    public Path screenshot(String name) {
        Path file = Browsers.screenshotsDir().resolve(name + ".png");
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(true));
        return file;
    }
}
