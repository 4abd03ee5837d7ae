package dev.switchboard.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.http.Offload;
import dev.switchboard.notifier.Notifier;
import org.flywaydb.core.Flyway;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference helpdesk and agent console ({@code DEMO=true}, on by default with the embedded database): a
 * small sample web app with its own tables in schema {@code demo}, a JSON API whose every write is one
 * transaction that also calls the {@link Notifier}, and the pages that show it live.
 *
 * <p>It plays the part of a team's own web app and touches the server only through what such an app has: the
 * database, the notifier, and tokens. Its sign-in mints a token for anyone who asks, so it must stay off in
 * production.
 *
 * <pre>{@code
 * DemoApp demo = DemoApp.install(pool, notifier, issuer, verifier, mapper);
 * handlers.putAll(demo.handlers());   // "/" console, "/demo/customer", "/demo/*", "/demo/api/*"
 * ...
 * demo.close();                       // after the HTTP listener has stopped
 * }</pre>
 */
public final class DemoApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DemoApp.class);

    /** The scripts, styles and images under {@code /demo/}, from {@code demo/web/} in the jar. */
    private static final String[] WEB_FILES = {
            "demo.css", "i18n.js", "common.js", "chat.js", "console.js", "customer.js", "favicon.svg"};

    private final Offload<JsonReply> offload;
    private final Map<String, HttpHandler> handlers;

    private DemoApp(Offload<JsonReply> offload, Map<String, HttpHandler> handlers) {
        this.offload = offload;
        this.handlers = handlers;
    }

    /**
     * Migrates schema {@code demo} (seeding it when new) and builds the handlers.
     *
     * @param dataSource the node's pool; the demo's own tables live in schema {@code demo}
     * @param notifier   the Java notifier its writes call inside their transactions
     * @param issuer     mints the demo's sign-in tokens; required
     * @param verifier   checks the tokens the pages send to the API
     * @param mapper     JSON for the API and event payloads
     * @throws IllegalStateException when {@code issuer} is {@code null} (only RS256 configured)
     */
    public static DemoApp install(DataSource dataSource, Notifier notifier, TokenIssuer issuer,
                                  TokenVerifier verifier, ObjectMapper mapper) {
        if (issuer == null) {
            throw new IllegalStateException("DEMO=true needs JWT_SECRET: the demo helpdesk signs users in with"
                    + " HS256 tokens");
        }
        migrate(dataSource);

        Transactions transactions = new Transactions(dataSource);
        Offload<JsonReply> offload = new Offload<>("switchboard-demo", 2, 64, DemoApiHandler.MAX_BODY_BYTES,
                new DemoReplies(mapper));
        DemoApiHandler api = new DemoApiHandler(new Helpdesk(transactions, notifier), transactions,
                new DemoSignIn(issuer), verifier, mapper, offload);

        Map<String, String> demoFiles = new LinkedHashMap<>();
        demoFiles.put("/demo/customer", "demo/pages/customer.html");
        for (String file : WEB_FILES) {
            demoFiles.put("/demo/" + file, "demo/web/" + file);
        }

        // One handler instance per mapping: Grizzly keeps one mapping per handler, the last one given.
        Map<String, HttpHandler> handlers = new LinkedHashMap<>();
        handlers.put("", DemoAssets.load(Map.of("/", "demo/pages/console.html")));
        handlers.put("/demo/*", DemoAssets.load(demoFiles));
        handlers.put("/demo/api/*", api);
        log.warn("Demo helpdesk on (DEMO=true): agent console at /, customer page at /demo/customer. Its sign-in"
                + " needs no password: keep DEMO off in production");
        return new DemoApp(offload, Collections.unmodifiableMap(handlers));
    }

    /**
     * The HTTP handlers by Grizzly mapping: {@code ""} (the console at {@code /}), {@code /demo/*} (the
     * customer page and static files) and {@code /demo/api/*} (the JSON API).
     */
    public Map<String, HttpHandler> handlers() {
        return handlers;
    }

    /** Stops the API's executor; call after the HTTP listener has stopped. */
    @Override
    public void close() {
        offload.close();
    }

    /**
     * Its own Flyway history ({@code demo.flyway_schema_history}), apart from Switchboard's, so the demo's
     * migrations never mix with the server's and can be dropped with the schema.
     */
    private static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/demo")
                .schemas("demo")
                .table("flyway_schema_history")
                .load()
                .migrate();
    }
}
