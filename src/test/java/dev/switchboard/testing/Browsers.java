package dev.switchboard.testing;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real headless Chromium for browser tests: Debian's system Chromium ({@code /usr/bin/chromium}, or
 * {@code $CHROMIUM_PATH}), driven by Playwright for Java, which is never allowed to download a browser of its own.
 *
 * <p>Register it in a test class as {@code @RegisterExtension static final Browsers BROWSERS = new Browsers();}.
 * One Playwright and one Browser per test class (starting Chromium is the slow part); a fresh
 * {@link BrowserContext} per test, so cookies, storage and routes never leak between tests. When a test fails,
 * every page it opened is saved as a screenshot for the build artifacts.
 *
 * <p>Without Chromium the whole class is skipped, with a reason that says so: CI always installs it
 * ({@code apt-get install -y chromium}); a developer machine may not have it.
 */
public final class Browsers implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    /** Where Debian's {@code chromium} package puts its launcher. */
    public static final Path DEFAULT_CHROMIUM = Path.of("/usr/bin/chromium");

    /**
     * Chromium's flags for a closed network: without the background-networking ones it keeps trying to reach
     * Google's services, and those refused connections slow it down and clutter its log.
     */
    static final List<String> CHROMIUM_ARGS = List.of(
            "--no-sandbox", // root in a container: no user namespaces for the sandbox
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync");

    private String skipReason;
    private Playwright playwright;
    private Browser browser;
    private BrowserContext context;
    /** Contexts of {@link #newPersonPage}: one per person of a multi-user test, closed after it. */
    private final List<BrowserContext> personContexts = new ArrayList<>();
    private final List<BrowserPage> pages = new ArrayList<>();

    /** The Chromium these tests use: {@code $CHROMIUM_PATH} if set, else {@link #DEFAULT_CHROMIUM}. */
    public static Path chromiumPath() {
        String env = System.getenv("CHROMIUM_PATH");
        return env == null || env.isBlank() ? DEFAULT_CHROMIUM : Path.of(env);
    }

    /** Build artifacts root: {@code switchboard.test.artifacts} (set by the pom), else target/test-artifacts. */
    public static Path artifactsDir() {
        return Path.of(System.getProperty("switchboard.test.artifacts", "target/test-artifacts"));
    }

    /** Where screenshots go: {@code target/test-artifacts/screenshots/}. */
    public static Path screenshotsDir() {
        return artifactsDir().resolve("screenshots");
    }

    @Override
    public void beforeAll(ExtensionContext extension) {
        deleteStaleFailureScreenshots(extension.getRequiredTestClass().getSimpleName());
        Path chromium = chromiumPath();
        if (!Files.isExecutable(chromium)) {
            skipReason = "Chromium not found at " + chromium + ": browser tests skipped"
                    + " (install Debian's chromium package, or point CHROMIUM_PATH at a Chromium binary)";
            // Also on stderr, once per class: skipped tests are easy to miss in Maven's summary.
            System.err.println("[browser tests] " + extension.getDisplayName() + ": " + skipReason);
            return;
        }
        // The env is passed to Playwright's driver (and from it to Chromium): never fetch a browser build.
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(chromium)
                .setHeadless(true)
                .setArgs(CHROMIUM_ARGS));
    }

    @Override
    public void beforeEach(ExtensionContext extension) {
        // Each test is reported as skipped, with the reason; aborting the class instead shows as "Tests run: 0".
        Assumptions.assumeTrue(skipReason == null, skipReason);
        context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(900, 640)
                .setLocale("pt-BR")
                // Test pages are fulfilled by a route, so Chromium (147+) does not know they came from loopback,
                // treats them as public, and its Local Network Access checks block their WebSocket to
                // 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS). A page really served by the
                // server is loopback-to-loopback and needs no permission; this grant stands in for that.
                .setPermissions(List.of("local-network-access")));
    }

    @Override
    public void afterEach(ExtensionContext extension) {
        try {
            if (extension.getExecutionException().isPresent()) {
                String base = extension.getRequiredTestClass().getSimpleName() + "-"
                        + extension.getRequiredTestMethod().getName() + "-FAILED";
                for (int i = 0; i < pages.size(); i++) {
                    BrowserPage page = pages.get(i);
                    try {
                        if (!page.page().isClosed()) {
                            Path shot = page.screenshot(pages.size() == 1 ? base : base + "-" + (i + 1));
                            System.err.println("[browser tests] failure screenshot: " + shot);
                        }
                    } catch (RuntimeException e) {
                        System.err.println("[browser tests] no failure screenshot: " + e);
                    }
                    System.err.println("[browser tests] page " + (i + 1) + " console:\n  "
                            + String.join("\n  ", page.consoleMessages()));
                }
            }
        } finally {
            pages.clear();
            for (BrowserContext person : personContexts) {
                try {
                    person.close();
                } catch (RuntimeException e) {
                    System.err.println("[browser tests] closing a context: " + e);
                }
            }
            personContexts.clear();
            if (context != null) {
                context.close();
                context = null;
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext extension) {
        if (browser != null) {
            browser.close();
            browser = null;
        }
        if (playwright != null) {
            playwright.close();
            playwright = null;
        }
    }

    /** A failure screenshot left by an earlier run (no {@code mvn clean}) must not pass for this run's. */
    private static void deleteStaleFailureScreenshots(String testClass) {
        Path dir = screenshotsDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, testClass + "-*-FAILED*.png")) {
            for (Path file : stale) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This test's browser context (new for every test). */
    public BrowserContext context() {
        if (context == null) {
            throw new IllegalStateException("no browser context: call from a test, with Browsers registered");
        }
        return context;
    }

    /** The browser shared by the test class, e.g. for {@link Browser#version()}. */
    public Browser browser() {
        return browser;
    }

    /**
     * A tab in a browser context of its own, as another person on another machine would have: its own
     * sessionStorage, cookies and permissions, so two pages of one app can be signed in as two users. The tab
     * records console messages and errors, is screenshotted if the test fails, and its context is closed after
     * the test.
     *
     * @param locale   the browser's language, e.g. {@code "en-US"} or {@code "pt-BR"}
     * @param width    viewport width in CSS pixels
     * @param height   viewport height in CSS pixels
     */
    public BrowserPage newPersonPage(String locale, int width, int height) {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        BrowserContext person = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(width, height)
                .setLocale(locale)
                .setPermissions(List.of("local-network-access")));
        personContexts.add(person);
        BrowserPage page = new BrowserPage(person.newPage());
        pages.add(page);
        return page;
    }

    /** A new tab in this test's context that records console messages and uncaught page errors. */
    public BrowserPage newPage() {
        BrowserPage page = new BrowserPage(context().newPage());
        pages.add(page);
        return page;
    }
}
