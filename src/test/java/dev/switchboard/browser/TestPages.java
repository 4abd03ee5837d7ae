package dev.switchboard.browser;

/**
 * HTML of the pages the browser tests open. They load the real client from the server
 * ({@code /assets/js/websocket-client.js}) and show what an agent would see: guide 000's status dot and text,
 * reconnect attempts and the last error, so the screenshots say something.
 *
 * <p>{@link #WATCH} records, in the page, every server frame ({@code window.__frames}) and lifecycle event
 * ({@code window.__life}) of a client, through the client's own public {@code on()} API only, and defines
 * {@code window.__state()} for failure messages.
 */
final class TestPages {
    private TestPages() {
    }

    static final String STYLE = """
            body { font: 15px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2933; }
            h1 { font-size: 20px; margin: 0 0 12px; }
            .status { display: inline-flex; gap: 8px; align-items: center; padding: 6px 12px;
                      border-radius: 16px; background: #f0f4f8; margin-bottom: 12px; }
            .status .dot { width: 12px; height: 12px; border-radius: 50%; background: #9aa5b1; }
            .status.connected .dot { background: #2f9e44; }
            .status.connecting .dot, .status.reconnecting .dot { background: #f08c00; }
            .status.failed .dot { background: #e03131; }
            .status .error { color: #c92a2a; font-size: 13px; }
            .panel { border: 1px solid #d9e2ec; border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
            .panel h2 { font-size: 14px; margin: 0 0 6px; color: #52606d; }
            #chat div, #conversations li { padding: 3px 0; }
            #typing { color: #52606d; font-style: italic; min-height: 1.4em; }
            input { font: inherit; padding: 6px 8px; width: 60%; }
            button { font: inherit; padding: 5px 10px; margin-right: 6px; }
            """;

    /** A client's status box: dot, status text with reconnect attempts, last error. */
    static final String STATUS_BOX = """
            <div id="status" class="status"><span class="dot"></span><span class="text">…</span>
            <span class="error"></span></div>
            """;

    /** Defines watch(client): records frames and lifecycle events and keeps the status box current. */
    static final String WATCH = """
            <script>
            window.__frames = [];
            window.__life = [];
            window.__framesOf = (event) => window.__frames.filter((f) => f.event === event);
            window.__lifeOf = (event) => window.__life.filter((e) => e.event === event);
            function watch(client) {
              const box = document.getElementById('status');
              const render = () => {
                const s = client.status;
                box.className = 'status ' + s;
                box.querySelector('.text').textContent = s
                  + (s === 'reconnecting' ? ' (tentativa ' + client.reconnectAttempts + ')' : '');
                const err = client.lastError;
                box.querySelector('.error').textContent = err
                  ? 'último erro: ' + err.code + (err.message ? ' – ' + err.message : '') : '';
              };
              client.on('*', (data, envelope) => { window.__frames.push(envelope); });
              for (const event of ['connected', 'disconnected', 'reconnecting', 'reconnect_failed', 'status', 'error']) {
                client.on(event, (data) => { window.__life.push({ event, data, at: Date.now() }); render(); });
              }
              window.__state = () => ({
                status: client.status, attempts: client.reconnectAttempts, subscriptions: client.subscriptions,
                lastEventId: client.lastEventId, lastError: client.lastError,
                life: window.__life.slice(-15), frames: window.__frames.slice(-15)
              });
              render();
            }
            </script>
            """;

    /** A whole page: title, the shared style, and {@code body}. */
    static String page(String title, String body) {
        return "<!doctype html>\n<html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>" + title
                + "</title><style>" + STYLE + "</style></head>\n<body>\n<h1>" + title + "</h1>\n" + body
                + "\n</body></html>\n";
    }

    /** Quotes a Java string as a JavaScript string literal (tokens, ids). */
    static String js(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '<' -> out.append("\\u003c"); // never closes the <script>
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
