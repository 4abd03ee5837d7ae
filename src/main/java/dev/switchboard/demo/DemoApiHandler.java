package dev.switchboard.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.Principal;
import dev.switchboard.auth.TokenRejectedException;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.http.Offload;
import dev.switchboard.protocol.PositiveId;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo helpdesk's JSON API under {@code /demo/api/}:
 *
 * <pre>
 *   GET  /demo/api/users                         agents and contacts, for the sign-in picker
 *   POST /demo/api/login                {user_id} DEMO-ONLY sign-in: a token for any seeded user
 *   GET  /demo/api/conversations                 agents: all; contacts: their own
 *   POST /demo/api/conversations  {subject, content} (contact) start one; returns a fresh token too
 *   GET  /demo/api/conversations/{id}            with its messages
 *   POST /demo/api/conversations/{id}/messages   {content}
 *   POST /demo/api/conversations/{id}/assign     {agent_id} (agent)
 *   POST /demo/api/conversations/{id}/close      (agent)
 *   POST /demo/api/conversations/{id}/reopen     (agent)
 *   POST /demo/api/conversations/{id}/read       {message_id}
 * </pre>
 *
 * Everything but users and login needs {@code Authorization: Bearer <token>}. Everything past reading the
 * request line runs on the demo's own executor through {@link Offload}, never on a Grizzly thread.
 */
final class DemoApiHandler extends HttpHandler {
    /** Mapping prefix; request paths are matched after it. */
    static final String PREFIX = "/demo/api/";
    /** Largest request body accepted. */
    static final int MAX_BODY_BYTES = 16 * 1024;
    /** Longest message, in characters. */
    static final int MAX_CONTENT_CHARS = 4000;
    /** Longest conversation subject, in characters. */
    static final int MAX_SUBJECT_CHARS = 200;

    private final Helpdesk helpdesk;
    private final Transactions transactions;
    private final DemoSignIn signIn;
    private final TokenVerifier verifier;
    private final ObjectMapper mapper;
    private final Offload<JsonReply> offload;

    DemoApiHandler(Helpdesk helpdesk, Transactions transactions, DemoSignIn signIn, TokenVerifier verifier,
                   ObjectMapper mapper, Offload<JsonReply> offload) {
        this.helpdesk = helpdesk;
        this.transactions = transactions;
        this.signIn = signIn;
        this.verifier = verifier;
        this.mapper = mapper;
        this.offload = offload;
    }

    @Override
    public void service(Request request, Response response) {
        offload.handle(request, response, body -> route(request, body));
    }

    /** Runs on the demo's executor, with the whole body read. */
    private JsonReply route(Request request, byte[] body) throws SQLException {
        String path = request.getRequestURI();
        if (!path.startsWith(PREFIX)) {
            throw ApiError.notFound("no such endpoint: " + path);
        }
        String[] parts = path.substring(PREFIX.length()).split("/", -1);
        Method method = request.getMethod();

        if (parts.length == 1 && parts[0].equals("users")) {
            allow(method, Method.GET);
            return users();
        }
        if (parts.length == 1 && parts[0].equals("login")) {
            allow(method, Method.POST);
            return login(json(request, body).id("user_id"));
        }
        if (parts[0].equals("conversations")) {
            return conversations(request, method, parts, body);
        }
        throw ApiError.notFound("no such endpoint: " + path);
    }

    private JsonReply conversations(Request request, Method method, String[] parts, byte[] body)
            throws SQLException {
        if (parts.length == 1) {
            allow(method, Method.GET, Method.POST);
            Principal principal = authenticate(request);
            if (method == Method.GET) {
                return JsonReply.ok(Map.of("conversations", helpdesk.conversations(caller(principal))));
            }
            JsonBody fields = json(request, body);
            String subject = fields.text("subject", 1, MAX_SUBJECT_CHARS).strip();
            String content = fields.text("content", 1, MAX_CONTENT_CHARS);
            return start(caller(principal), subject, content);
        }
        long id = conversationId(parts[1]);
        if (parts.length == 2) {
            allow(method, Method.GET);
            Helpdesk.Detail detail = helpdesk.conversation(caller(authenticate(request)), id);
            return JsonReply.ok(Map.of("conversation", detail.conversation(), "messages", detail.messages()));
        }
        String action = parts.length == 3 ? parts[2] : "";
        if (!List.of("messages", "assign", "close", "reopen", "read").contains(action)) {
            throw ApiError.notFound("no such endpoint: " + request.getRequestURI());
        }
        allow(method, Method.POST);
        Principal principal = authenticate(request);
        switch (action) {
            case "messages": {
                String content = json(request, body).text("content", 1, MAX_CONTENT_CHARS);
                Helpdesk.Posted posted = helpdesk.postMessage(caller(principal), id, content);
                return JsonReply.created(Map.of("message", posted.message(), "conversation", posted.conversation()));
            }
            case "assign": {
                long agentId = json(request, body).id("agent_id");
                return JsonReply.ok(Map.of("conversation", helpdesk.assign(caller(principal), id, agentId)));
            }
            case "close":
                return JsonReply.ok(Map.of("conversation", helpdesk.setStatus(caller(principal), id, "closed")));
            case "reopen":
                return JsonReply.ok(Map.of("conversation", helpdesk.setStatus(caller(principal), id, "open")));
            default: {
                long messageId = json(request, body).id("message_id");
                Helpdesk.ReadMark mark = helpdesk.markRead(caller(principal), id, messageId);
                Map<String, Object> reply = new LinkedHashMap<>();
                reply.put("conversation_id", mark.conversationId());
                reply.put("message_id", mark.messageId());
                reply.put("advanced", mark.advanced());
                reply.put("conversation", mark.conversation());
                return JsonReply.ok(reply);
            }
        }
    }

    // ------------------------------------------------------------- operations

    private JsonReply users() throws SQLException {
        return transactions.read(c -> {
            Map<Long, List<Long>> owned = HelpdeskReads.conversationIdsByContact(c);
            List<Map<String, Object>> agents = new ArrayList<>();
            List<Map<String, Object>> contacts = new ArrayList<>();
            for (DemoUser user : HelpdeskReads.users(c)) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", user.id());
                entry.put("name", user.name());
                entry.put("email", user.email());
                entry.put("role", user.role());
                if (user.isStaff()) {
                    agents.add(entry);
                } else {
                    entry.put("conversations", owned.getOrDefault(user.id(), List.of()));
                    contacts.add(entry);
                }
            }
            return JsonReply.ok(Map.of("agents", agents, "contacts", contacts));
        });
    }

    /** DEMO-ONLY: no password. A real web app signs its users in and mints their tokens itself. */
    private JsonReply login(long userId) throws SQLException {
        return transactions.read(c -> {
            DemoUser user = HelpdeskReads.user(c, userId);
            if (user == null) {
                throw ApiError.notFound("no demo user with id " + userId);
            }
            List<Long> conversations = user.isStaff() ? List.of() : HelpdeskReads.conversationIdsOf(c, userId);
            return JsonReply.ok(tokenReply(user, signIn.issue(user, conversations)));
        });
    }

    private JsonReply start(DemoUser contact, String subject, String content) throws SQLException {
        Helpdesk.Started started = helpdesk.startConversation(contact, subject, content);
        // The contact's old token does not name the new conversation; this one does, so the page
        // re-authenticates with it and may subscribe.
        Map<String, Object> reply = tokenReply(contact, signIn.issue(contact, started.contactConversations()));
        reply.put("conversation", started.conversation());
        reply.put("message", started.message());
        return JsonReply.created(reply);
    }

    private static Map<String, Object> tokenReply(DemoUser user, DemoSignIn.Token token) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("token", token.token());
        reply.put("expires_at", token.expiresAt().toString());
        reply.put("user", Map.of("id", user.id(), "name", user.name(), "role", user.role()));
        return reply;
    }

    // ---------------------------------------------------------------- helpers

    private Principal authenticate(Request request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            throw ApiError.unauthorized("missing Authorization: Bearer <token>");
        }
        try {
            return verifier.verify(header.substring(7).trim());
        } catch (TokenRejectedException e) {
            throw ApiError.unauthorized(e.getMessage());
        }
    }

    /** The demo user behind a verified token; tokens for users the demo does not know are refused. */
    private DemoUser caller(Principal principal) throws SQLException {
        DemoUser user = transactions.read(c -> HelpdeskReads.user(c, principal.userId()));
        if (user == null || user.isStaff() != principal.role().isStaff()) {
            throw ApiError.forbidden("user " + principal.userId() + " is not a demo "
                    + (principal.role().isStaff() ? "agent" : "contact"));
        }
        return user;
    }

    private JsonBody json(Request request, byte[] body) {
        String type = request.getContentType();
        if (type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiError(415, "send the body as application/json");
        }
        return JsonBody.parse(mapper, body);
    }

    private static long conversationId(String segment) {
        return PositiveId.parse(segment).orElseThrow(() -> ApiError.notFound("no conversation " + segment));
    }

    private static void allow(Method method, Method... allowed) {
        for (Method m : allowed) {
            if (m == method) {
                return;
            }
        }
        StringBuilder list = new StringBuilder();
        for (Method m : allowed) {
            list.append(list.length() == 0 ? "" : ", ").append(m.getMethodString());
        }
        throw ApiError.methodNotAllowed(list.toString());
    }
}
