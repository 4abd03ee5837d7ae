package dev.switchboard.pusher.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.http.Offload;
import dev.switchboard.pusher.ChannelDirectory;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.time.TimeSource;
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
    private static final int MAX_IN_FLIGHT = 64;

    private final Map<String, PusherApp> apps = new LinkedHashMap<>();
    private final ChannelDirectory directory;
    private final BroadcastWriter writer;
    private final ObjectMapper mapper;
    private final TimeSource time;
    private final int maxBodyBytes;
    private final Offload<Reply> offload;

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
        // Two threads: each holds a pool connection only for one short transaction.
        this.offload = new Offload<>("switchboard-pusher-api", 2, MAX_IN_FLIGHT, maxBodyBytes, new ApiReplies());
    }

    @Override
    public void service(Request request, Response response) {
        String method = request.getMethod().getMethodString().toUpperCase(Locale.ROOT);
        String path = request.getRequestURI();
        String rawQuery = request.getQueryString();
        offload.handle(request, response, body -> route(method, path, rawQuery, body));
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


    /** How the API refuses and writes: short text like Reverb's, JSON for what the SDKs decode. */
    private static final class ApiReplies implements Offload.Replies<Reply> {
        @Override
        public Reply refusal(Offload.Refusal refusal, int maxBodyBytes) {
            return switch (refusal) {
                case TOO_LARGE -> Reply.text(413, "Payload too large.");
                case BUSY -> Reply.text(503, "Too many requests in progress, try again.");
                case BAD_BODY -> Reply.text(400, "Bad request.");
                case BODY_TIMEOUT -> Reply.text(408, "The request body did not arrive in time.");
                case SHUTTING_DOWN -> Reply.text(503, "The server is shutting down.");
            };
        }

        @Override
        public Reply failed(Exception failure) {
            log.error("Pusher HTTP API request failed", failure);
            return Reply.text(500, "Internal server error.");
        }

        @Override
        public void write(Response response, Reply reply) throws IOException {
            response.setStatus(reply.status());
            response.setContentType(reply.contentType());
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(reply.body().length);
            response.getOutputStream().write(reply.body());
        }
    }

    /** Stops taking requests and waits briefly for those running. */
    @Override
    public void close() {
        offload.close();
    }
}
