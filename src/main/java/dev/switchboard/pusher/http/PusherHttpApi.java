package dev.switchboard.pusher.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.pusher.ChannelDirectory;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.time.TimeSource;
import org.glassfish.grizzly.ReadHandler;
import org.glassfish.grizzly.http.io.NIOInputStream;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Pusher's HTTP API under {@code /apps/}, as pusher-http-php (Laravel's {@code reverb} and {@code pusher}
 * broadcasters) and the {@code pusher} npm SDK call it:
 *
 * <pre>
 *   POST /apps/{id}/events                          trigger one event on 1 to 100 channels
 *   POST /apps/{id}/batch_events                    trigger up to 100 events at once
 *   GET  /apps/{id}/channels                        occupied channels (filter_by_prefix, info=user_count)
 *   GET  /apps/{id}/channels/{name}                 occupied, subscription_count, user_count
 *   GET  /apps/{id}/channels/{name}/users           a presence channel's users
 *   POST /apps/{id}/users/{user_id}/terminate_connections   on every node, through the event table
 * </pre>
 *
 * Every request is signed ({@link SignedRequest}). Accepted events are written to the event table through
 * {@code realtime.broadcast} and answered once committed, so every node's listener delivers them and each has an
 * id. The body is read without blocking and everything after it runs on a small executor of the API's own, never
 * on a Grizzly thread; requests in flight are bounded, beyond which a caller gets 503 at once.
 */
public final class PusherHttpApi extends HttpHandler implements AutoCloseable {
    /** The mapping to register the handler under. */
    public static final String MAPPING = "/apps/*";
    /** Largest request body, by default. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    /** Most channels one event may go to, and most events in one batch. */
    static final int MAX_CHANNELS = 100;
    static final int MAX_BATCH = 100;

    private static final Logger log = LoggerFactory.getLogger(PusherHttpApi.class);
    private static final long BODY_TIMEOUT_SECONDS = 30;
    private static final int MAX_IN_FLIGHT = 64;

    private final Map<String, PusherApp> apps = new LinkedHashMap<>();
    private final ChannelDirectory directory;
    private final BroadcastWriter writer;
    private final ObjectMapper mapper;
    private final TimeSource time;
    private final int maxBodyBytes;
    private final ThreadPoolExecutor executor;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

    /**
     * @param apps         the configured apps
     * @param directory    this node's channels, for the queries and terminations
     * @param dataSource   the pool events are written through
     * @param mapper       JSON
     * @param time         the clock {@code auth_timestamp} is checked against
     * @param maxBodyBytes larger bodies get 413
     */
    public PusherHttpApi(List<PusherApp> apps, ChannelDirectory directory, DataSource dataSource,
                         ObjectMapper mapper, TimeSource time, int maxBodyBytes) {
        for (PusherApp app : apps) {
            this.apps.putIfAbsent(app.id(), app);
        }
        this.directory = directory;
        this.writer = new BroadcastWriter(dataSource);
        this.mapper = mapper;
        this.time = time;
        this.maxBodyBytes = maxBodyBytes;
        AtomicInteger counter = new AtomicInteger();
        // Two threads: each holds a pool connection only for one short transaction. The queue cannot overflow,
        // as the semaphore admits fewer requests than it holds.
        this.executor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_IN_FLIGHT),
                runnable -> {
                    Thread thread = new Thread(runnable, "switchboard-pusher-api-" + counter.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @Override
    public void service(Request request, Response response) {
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            write(response, Reply.text(413, "Payload too large."));
            return;
        }
        if (!inFlight.tryAcquire()) {
            write(response, Reply.text(503, "Too many requests in progress, try again."));
            return;
        }
        Exchange exchange = new Exchange(request, response);
        response.suspend(BODY_TIMEOUT_SECONDS, TimeUnit.SECONDS, null, timedOut -> exchange.timedOut());
        boolean chunked = "chunked".equalsIgnoreCase(request.getHeader("Transfer-Encoding"));
        if (declared == 0 || (declared < 0 && !chunked)) {
            exchange.dispatch(new byte[0]);
        } else {
            exchange.read(request.getNIOInputStream(), declared);
        }
    }

    /** Runs on the API's executor, with the whole body read. */
    Reply route(String method, String path, String rawQuery, byte[] body) {
        String[] parts = path.split("/", -1);
        // "", "apps", id, resource...
        if (parts.length < 4 || !parts[1].equals("apps")) {
            return Reply.text(404, "Not found.");
        }
        String appId = decode(parts[2]);
        PusherApp app = apps.get(appId);
        if (app == null) {
            return Reply.text(404, "No matching application for ID [" + appId + "].");
        }
        Map<String, String> query = SignedRequest.parseQuery(rawQuery);
        Optional<String> refusal = new SignedRequest(method, path, query, body).refusal(app, time.now());
        if (refusal.isPresent()) {
            return Reply.text(401, refusal.get());
        }
        int rest = parts.length - 3;
        String resource = parts[3];
        try {
            if (rest == 1 && resource.equals("events")) {
                return method.equals("POST") ? events(app, body) : notAllowed();
            }
            if (rest == 1 && resource.equals("batch_events")) {
                return method.equals("POST") ? batch(app, body) : notAllowed();
            }
            if (rest == 1 && resource.equals("channels")) {
                return method.equals("GET") ? channels(app, query) : notAllowed();
            }
            if (rest == 2 && resource.equals("channels")) {
                return method.equals("GET") ? channel(app, decode(parts[4]), query) : notAllowed();
            }
            if (rest == 3 && resource.equals("channels") && parts[5].equals("users")) {
                return method.equals("GET") ? users(app, decode(parts[4])) : notAllowed();
            }
            if (rest == 3 && resource.equals("users") && parts[5].equals("terminate_connections")) {
                return method.equals("POST") ? terminate(app, decode(parts[4])) : notAllowed();
            }
            return Reply.text(404, "Not found.");
        } catch (InvalidRequest e) {
            return Reply.json(422, json(e.errors()));
        } catch (SQLException e) {
            return refusedByDatabase(e);
        } catch (IOException e) {
            return Reply.json(422, json(Map.of("body", List.of("The body must be a JSON object."))));
        }
    }

    private Reply events(PusherApp app, byte[] body) throws IOException, SQLException {
        JsonNode payload = mapper.readTree(body);
        Broadcast event = EventsRequest.event(payload, true);
        writer.write(app, List.of(event));
        String info = payload.path("info").asText("");
        if (info.isEmpty()) {
            return Reply.json(200, "{}".getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode channels = mapper.createObjectNode();
        for (String name : event.channels()) {
            channels.set(name, info(app, name, info, false));
        }
        ObjectNode reply = mapper.createObjectNode();
        reply.set("channels", channels);
        return Reply.json(200, mapper.writeValueAsBytes(reply));
    }

    private Reply batch(PusherApp app, byte[] body) throws IOException, SQLException {
        JsonNode payload = mapper.readTree(body);
        List<Broadcast> events = EventsRequest.batch(payload);
        writer.write(app, events);
        boolean anyInfo = false;
        ArrayNode infos = mapper.createArrayNode();
        for (int i = 0; i < events.size(); i++) {
            String info = payload.path("batch").path(i).path("info").asText("");
            anyInfo |= !info.isEmpty();
            infos.add(info.isEmpty() ? mapper.createObjectNode()
                    : info(app, events.get(i).channels().get(0), info, false));
        }
        ObjectNode reply = mapper.createObjectNode();
        if (anyInfo) {
            reply.set("batch", infos);
        } else {
            reply.set("batch", mapper.createObjectNode());
        }
        return Reply.json(200, mapper.writeValueAsBytes(reply));
    }

    private Reply channels(PusherApp app, Map<String, String> query) throws IOException {
        String prefix = query.getOrDefault("filter_by_prefix", "");
        String info = query.getOrDefault("info", "");
        // Pusher refuses user_count without filter_by_prefix=presence-; Reverb gives it where it exists, which is
        // what a backend moving from Reverb relies on.
        boolean userCount = List.of(info.split(",")).contains("user_count");
        ObjectNode channels = mapper.createObjectNode();
        for (ChannelDirectory.ChannelSummary summary : directory.occupied(app, prefix)) {
            ObjectNode entry = mapper.createObjectNode();
            if (userCount) {
                summary.userCount().ifPresent(n -> entry.put("user_count", n));
            }
            channels.set(summary.name(), entry);
        }
        ObjectNode reply = mapper.createObjectNode();
        reply.set("channels", channels);
        return Reply.json(200, mapper.writeValueAsBytes(reply));
    }

    private Reply channel(PusherApp app, String name, Map<String, String> query) throws IOException {
        return Reply.json(200, mapper.writeValueAsBytes(info(app, name, query.getOrDefault("info", ""), true)));
    }

    /** A channel's attributes: {@code occupied} always when asked for by the channel query, the rest on demand. */
    private ObjectNode info(PusherApp app, String name, String info, boolean occupied) {
        List<String> wanted = List.of(info.split(","));
        ChannelDirectory.ChannelSummary summary = directory.channel(app, name);
        ObjectNode entry = mapper.createObjectNode();
        if (occupied) {
            // A presence channel whose members are all on other nodes is occupied all the same.
            entry.put("occupied", summary.subscriptionCount() > 0 || summary.userCount().orElse(0) > 0);
        }
        if (wanted.contains("subscription_count")) {
            entry.put("subscription_count", summary.subscriptionCount());
        }
        if (wanted.contains("user_count") && name.startsWith("presence-")) {
            entry.put("user_count", summary.userCount().orElse(0));
        }
        return entry;
    }

    private Reply users(PusherApp app, String channel) throws IOException {
        if (!channel.startsWith("presence-")) {
            return Reply.text(400, "Users are only available for presence channels.");
        }
        ArrayNode users = mapper.createArrayNode();
        for (String id : directory.users(app, channel)) {
            users.add(mapper.createObjectNode().put("id", id));
        }
        ObjectNode reply = mapper.createObjectNode();
        reply.set("users", users);
        return Reply.json(200, mapper.writeValueAsBytes(reply));
    }

    /** Through the event table, so the user's connections on every node are closed, not only on this one. */
    private Reply terminate(PusherApp app, String userId) throws SQLException {
        writer.terminate(app, userId);
        return Reply.json(200, "{}".getBytes(StandardCharsets.UTF_8));
    }

    /** What the database refused, said as the HTTP API says it; nothing else of the error leaves the server. */
    private Reply refusedByDatabase(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("54000")) {
            return Reply.text(413, "Payload too large.");
        }
        if (state.equals("22023") || state.equals("22004")) {
            // Our own RAISE messages, written for the caller: "realtime: channel name must be ...".
            String message = e.getMessage() == null ? "invalid event" : e.getMessage().lines().findFirst()
                    .orElse("invalid event").replaceFirst("^ERROR: ", "");
            return Reply.json(422, json(Map.of("event", List.of(message))));
        }
        log.error("Pusher HTTP API could not store events", e);
        return Reply.text(500, "Internal server error.");
    }

    private static Reply notAllowed() {
        return Reply.text(405, "Method not allowed.");
    }

    private byte[] json(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }

    private void write(Response response, Reply reply) {
        try {
            response.setStatus(reply.status());
            response.setContentType(reply.contentType());
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(reply.body().length);
            response.getOutputStream().write(reply.body());
        } catch (IOException e) {
            log.debug("Could not write a Pusher HTTP API reply: {}", e.toString());
        }
    }

    /** One suspended request: finished exactly once, by its reply or its body's timeout. */
    private final class Exchange {
        private final String method;
        private final String path;
        private final String rawQuery;
        private final Response response;
        private final AtomicBoolean dispatched = new AtomicBoolean();

        Exchange(Request request, Response response) {
            this.method = request.getMethod().getMethodString().toUpperCase(Locale.ROOT);
            this.path = request.getRequestURI();
            this.rawQuery = request.getQueryString();
            this.response = response;
        }

        /** Reads without blocking; complete once the declared length (or, chunked, the whole body) is there. */
        void read(NIOInputStream in, long declared) {
            in.notifyAvailable(new ReadHandler() {
                @Override
                public void onDataAvailable() {
                    int ready = in.readyData();
                    if (ready > maxBodyBytes) {
                        finishOffThread(Reply.text(413, "Payload too large."));
                    } else if (declared >= 0 && ready >= declared) {
                        dispatch(take(in, (int) declared));
                    } else {
                        in.notifyAvailable(this, declared >= 0 ? (int) declared : ready + 1);
                    }
                }

                @Override
                public void onAllDataRead() {
                    int ready = in.readyData();
                    if (ready > maxBodyBytes) {
                        finishOffThread(Reply.text(413, "Payload too large."));
                    } else if (declared >= 0 && ready < declared) {
                        finishOffThread(Reply.text(400, "Bad request."));
                    } else {
                        dispatch(take(in, declared >= 0 ? (int) declared : ready));
                    }
                }

                @Override
                public void onError(Throwable t) {
                    finishOffThread(Reply.text(400, "Bad request."));
                }
            });
        }

        private byte[] take(NIOInputStream in, int length) {
            byte[] body = new byte[length];
            try {
                int read = 0;
                while (read < length) {
                    int n = in.read(body, read, length - read);
                    if (n < 0) {
                        return null;
                    }
                    read += n;
                }
            } catch (IOException e) {
                return null;
            }
            return body;
        }

        void dispatch(byte[] body) {
            if (body == null) {
                finishOffThread(Reply.text(400, "Bad request."));
                return;
            }
            submit(() -> {
                Reply reply;
                try {
                    reply = route(method, path, rawQuery, body);
                } catch (RuntimeException e) {
                    log.error("Pusher HTTP API request failed", e);
                    reply = Reply.text(500, "Internal server error.");
                }
                return reply;
            });
        }

        void finishOffThread(Reply reply) {
            submit(() -> reply);
        }

        private void submit(Supplier<Reply> work) {
            if (!dispatched.compareAndSet(false, true)) {
                return;
            }
            try {
                executor.execute(() -> finish(work.get()));
            } catch (RejectedExecutionException e) {
                finish(Reply.text(503, "The server is shutting down."));
            }
        }

        boolean timedOut() {
            if (!dispatched.compareAndSet(false, true)) {
                return false;
            }
            write(response, Reply.text(408, "The request body did not arrive in time."));
            inFlight.release();
            return true;
        }

        private void finish(Reply reply) {
            try {
                write(response, reply);
            } finally {
                inFlight.release();
                response.resume();
            }
        }
    }

    /** Stops taking requests and waits briefly for those running. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
