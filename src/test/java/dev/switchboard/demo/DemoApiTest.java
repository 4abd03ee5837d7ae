package dev.switchboard.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.config.Config;
import dev.switchboard.config.ConfigException;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo helpdesk through its HTTP API and real WebSocket clients, on the production wiring with
 * {@code DEMO=true}: each write commits its rows and its events together, and only then do clients see them.
 *
 * <p>One server for the class; tests that change data start their own conversation, so they do not depend on
 * each other's order.
 */
class DemoApiTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** HTTP/1.1 like a browser's fetch: the JDK's default would ask to upgrade to h2c on every request. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("DEMO", "true"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    // ------------------------------------------------------------- sign-in

    @Test
    void loginGivesTokensTheServerAccepts() {
        JsonNode ana = login(1);
        assertEquals("agent", ana.path("user").path("role").asText());
        assertEquals("Ana Souza", ana.path("user").path("name").asText());
        assertEquals("admin", login(3).path("user").path("role").asText());

        try (WsClient agent = server.connect(); WsClient contact = server.connect()) {
            JsonNode authenticated = agent.authenticate(ana.path("token").asText());
            assertEquals(1, authenticated.path("user_id").asLong());
            assertEquals("agent", authenticated.path("role").asText());

            JsonNode joao = login(1001);
            assertEquals("contact", joao.path("user").path("role").asText());
            contact.authenticate(joao.path("token").asText());
            contact.subscribe(1); // João's own conversation: in his token's conversations claim
            contact.send("type", "subscribe", "conversation_id", 2);
            contact.awaitError("forbidden"); // Maria's
        }
    }

    @Test
    void loginOfAnUnknownUserIs404AndABadBodyIs400() {
        Reply unknown = call("POST", "login", null, Map.of("user_id", 4242));
        assertEquals(404, unknown.status);
        assertTrue(unknown.body.path("error").asText().contains("4242"), unknown.raw);

        Reply notJson = callRaw("POST", "login", null, "{not json");
        assertEquals(400, notJson.status);
        assertEquals("request body is not valid JSON", notJson.body.path("error").asText());

        Reply wrongType = call("POST", "login", null, Map.of("user_id", "ana"));
        assertEquals(400, wrongType.status);
        assertTrue(wrongType.body.path("error").asText().startsWith("user_id "), wrongType.raw);
    }

    @Test
    void requestsWithoutAValidTokenAre401() {
        assertEquals(401, call("GET", "conversations", null, null).status);
        Reply forged = call("GET", "conversations", "not-a-jwt", null);
        assertEquals(401, forged.status);
        assertEquals("token is not a signed JWT", forged.body.path("error").asText());
        assertEquals(401, call("POST", "conversations/1/messages", null, Map.of("content", "oi")).status);
    }

    // ------------------------------------------------------------ messages

    @Test
    void postedMessageReachesSubscribersAndOtherAgentsInboxesAndIsStored() throws Exception {
        long conversation = startConversation(1002, "Pedido atrasado");
        try (WsClient ana = agentClient(1); WsClient bruno = agentClient(2)) {
            ana.subscribe(conversation); // Bruno is not subscribed: he hears it through his inbox

            Reply posted = call("POST", "conversations/" + conversation + "/messages", token(1002),
                    Map.of("content", "Alguma novidade sobre o pedido?"));
            assertEquals(201, posted.status, posted.raw);
            long messageId = posted.body.path("message").path("id").asLong();

            for (WsClient agent : List.of(ana, bruno)) {
                JsonNode message = agent.awaitMatching(f -> "new_message".equals(f.path("event").asText())
                        && f.path("data").path("message").path("id").asLong() == messageId, "new_message");
                JsonNode data = message.path("data");
                assertEquals(conversation, data.path("conversation_id").asLong());
                assertEquals("Alguma novidade sobre o pedido?", data.path("message").path("content").asText());
                assertEquals("contact", data.path("message").path("sender_type").asText());
                assertEquals(1002, data.path("message").path("sender_id").asLong());
                assertEquals("Maria Oliveira", data.path("message").path("sender_name").asText());
                assertTrue(message.path("id").asLong() > 0, "durable events carry an id");

                JsonNode updated = agent.await("conversation_updated").path("data").path("conversation");
                assertEquals(conversation, updated.path("id").asLong());
                assertEquals(messageId, updated.path("last_message").path("id").asLong());
                assertEquals(2, updated.path("unread").path("1").asInt(), "both of Maria's messages are unread");
            }
        }
        assertEquals("Alguma novidade sobre o pedido?",
                queryString("SELECT content FROM demo.messages WHERE conversation_id = ? ORDER BY id DESC LIMIT 1",
                        conversation));
    }

    @Test
    void contactsOnlyReachTheirOwnConversations() throws Exception {
        long joaos = startConversation(1001, "Conversa do João");
        String maria = token(1002);
        assertEquals(403, call("GET", "conversations/" + joaos, maria, null).status);
        Reply post = call("POST", "conversations/" + joaos + "/messages", maria, Map.of("content", "intrusa"));
        assertEquals(403, post.status);
        assertEquals("conversation " + joaos + " is not yours", post.body.path("error").asText());
        assertEquals(403, call("POST", "conversations/" + joaos + "/read", maria, Map.of("message_id", 1)).status);
        assertEquals(0, queryLong("SELECT count(*) FROM demo.messages WHERE content = 'intrusa'"));

        Reply list = call("GET", "conversations", maria, null);
        for (JsonNode c : list.body.path("conversations")) {
            assertEquals(1002, c.path("contact_id").asLong(), "Maria sees only her own conversations");
        }
        // Agent-only actions.
        assertEquals(403, call("POST", "conversations/" + joaos + "/close", token(1001), null).status);
        assertEquals(403, call("POST", "conversations/" + joaos + "/assign", token(1001),
                Map.of("agent_id", 1)).status);
    }

    @Test
    void agentsSeeEveryConversationWithTheirOwnUnreadCount() {
        Reply list = call("GET", "conversations", token(2), null);
        assertEquals(200, list.status);
        JsonNode first = null;
        for (JsonNode c : list.body.path("conversations")) {
            if (c.path("id").asLong() == 1) {
                first = c;
            }
            assertEquals(c.path("unread").path("2").asInt(), c.path("unread_count").asInt());
        }
        assertNotNull(first, "seeded conversation 1 is listed");
        assertEquals("João Silva", first.path("contact_name").asText());

        Reply detail = call("GET", "conversations/3", token(2), null);
        assertEquals(200, detail.status);
        assertEquals("closed", detail.body.path("conversation").path("status").asText());
        assertEquals(4, detail.body.path("messages").size());
        assertTrue(detail.body.path("messages").get(0).path("read").asBoolean(), "seeded as read");
        assertEquals(404, call("GET", "conversations/999999", token(2), null).status);
    }

    // -------------------------------------------------------- conversations

    @Test
    void startingAConversationNotifiesAgentsAndReturnsATokenThatMaySubscribe() {
        try (WsClient ana = agentClient(1)) {
            String oldToken = token(1003);
            Reply created = call("POST", "conversations", oldToken,
                    Map.of("subject", "Produto com defeito", "content", "A tela veio trincada."));
            assertEquals(201, created.status, created.raw);
            long id = created.body.path("conversation").path("id").asLong();
            assertEquals("open", created.body.path("conversation").path("status").asText());

            JsonNode announced = ana.awaitMatching(f -> "new_conversation".equals(f.path("event").asText())
                    && f.path("data").path("conversation").path("id").asLong() == id, "new_conversation");
            assertEquals("Pedro Santos", announced.path("data").path("conversation").path("contact_name").asText());
            assertEquals("Produto com defeito", announced.path("data").path("conversation").path("subject").asText());
            JsonNode first = ana.await("new_message").path("data");
            assertEquals(id, first.path("conversation_id").asLong());
            assertEquals("A tela veio trincada.", first.path("message").path("content").asText());

            try (WsClient withOld = server.connect(); WsClient withNew = server.connect()) {
                withOld.authenticate(oldToken);
                withOld.send("type", "subscribe", "conversation_id", id);
                withOld.awaitError("forbidden");
                withNew.authenticate(created.body.path("token").asText());
                withNew.subscribe(id);
            }
        }
    }

    @Test
    void assignSendsTheCustomEventToTheAssigneeOnly() {
        long conversation = startConversation(1002, "Troca de tamanho");
        try (WsClient bruno = agentClient(2); WsClient carla = agentClient(3)) {
            Reply assigned = call("POST", "conversations/" + conversation + "/assign", token(1),
                    Map.of("agent_id", 2));
            assertEquals(200, assigned.status, assigned.raw);
            assertEquals(2, assigned.body.path("conversation").path("agent_id").asLong());

            JsonNode custom = bruno.await("conversation_assigned").path("data");
            assertEquals(conversation, custom.path("conversation_id").asLong());
            assertEquals(1, custom.path("assigned_by").path("id").asLong());
            assertEquals("Bruno Lima", custom.path("conversation").path("agent_name").asText());

            JsonNode update = carla.await("conversation_updated").path("data").path("conversation");
            assertEquals(2, update.path("agent_id").asLong());
            for (JsonNode frame : carla.sync()) {
                assertFalse("conversation_assigned".equals(frame.path("event").asText()), "only Bruno: " + frame);
            }
        }
        assertEquals(400, call("POST", "conversations/" + conversation + "/assign", token(1),
                Map.of("agent_id", 1001)).status, "a contact is not an agent");
    }

    @Test
    void closeAndReopenAnnounceTheStatus() {
        long conversation = startConversation(1003, "Nota fiscal");
        try (WsClient ana = agentClient(1)) {
            assertEquals("closed", call("POST", "conversations/" + conversation + "/close", token(1), null)
                    .body.path("conversation").path("status").asText());
            assertEquals("closed", ana.await("conversation_updated").path("data").path("conversation")
                    .path("status").asText());
            assertEquals(409, call("POST", "conversations/" + conversation + "/messages", token(1),
                    Map.of("content", "Agents reopen first")).status);

            assertEquals(200, call("POST", "conversations/" + conversation + "/reopen", token(1), null).status);
            assertEquals("open", ana.await("conversation_updated").path("data").path("conversation")
                    .path("status").asText());
        }
    }

    @Test
    void markingReadSendsMessageReadAndOnlyMovesForward() {
        long conversation = startConversation(1001, "Segunda via do boleto");
        long messageId = queryLong("SELECT max(id) FROM demo.messages WHERE conversation_id = ?", conversation);
        try (WsClient joao = server.connect(); WsClient bruno = agentClient(2)) {
            joao.authenticate(token(1001));
            joao.subscribe(conversation);

            Reply read = call("POST", "conversations/" + conversation + "/read", token(2),
                    Map.of("message_id", messageId));
            assertEquals(200, read.status, read.raw);
            assertTrue(read.body.path("advanced").asBoolean());
            assertEquals(0, read.body.path("conversation").path("unread_count").asInt());

            JsonNode receipt = joao.await("message_read").path("data");
            assertEquals(conversation, receipt.path("conversation_id").asLong());
            assertEquals(messageId, receipt.path("message_id").asLong());
            assertEquals(2, receipt.path("user_id").asLong());
            JsonNode update = bruno.await("conversation_updated").path("data").path("conversation");
            assertEquals(0, update.path("unread").path("2").asInt());

            Reply again = call("POST", "conversations/" + conversation + "/read", token(2),
                    Map.of("message_id", messageId));
            assertFalse(again.body.path("advanced").asBoolean());
            for (JsonNode frame : joao.sync()) {
                assertFalse("message_read".equals(frame.path("event").asText()), "nothing new to say: " + frame);
            }
            assertEquals(400, call("POST", "conversations/" + conversation + "/read", token(2),
                    Map.of("message_id", 1)).status, "message 1 is in another conversation");
        }
    }

    // ------------------------------------------------------------ failures

    @Test
    void aRefusedWriteCommitsNothingAndEmitsNothing() {
        long conversation = startConversation(1002, "Cancelamento");
        long messagesBefore = queryLong("SELECT count(*) FROM demo.messages WHERE conversation_id = ?", conversation);
        try (WsClient ana = agentClient(1)) {
            ana.subscribe(conversation);

            Reply tooLong = call("POST", "conversations/" + conversation + "/messages", token(1002),
                    Map.of("content", "x".repeat(4001)));
            assertEquals(400, tooLong.status);
            assertEquals("content must be at most 4000 characters, got 4001", tooLong.body.path("error").asText());
            assertEquals(400, call("POST", "conversations/" + conversation + "/messages", token(1002),
                    Map.of("content", "   ")).status);
            // Refused inside the transaction, after the conversation row was locked.
            assertEquals(400, call("POST", "conversations/" + conversation + "/read", token(1),
                    Map.of("message_id", 1)).status);
            assertEquals(404, call("POST", "conversations/999999/messages", token(1002),
                    Map.of("content", "ninguém")).status);

            Reply marker = call("POST", "conversations/" + conversation + "/messages", token(1002),
                    Map.of("content", "marker"));
            assertEquals(201, marker.status);
            List<JsonNode> before = new ArrayList<>();
            while (true) {
                JsonNode frame = ana.next();
                if ("new_message".equals(frame.path("event").asText())) {
                    assertEquals("marker", frame.path("data").path("message").path("content").asText(),
                            "the marker is the first message event");
                    break;
                }
                before.add(frame);
            }
            for (JsonNode frame : before) {
                String event = frame.path("event").asText();
                assertFalse(event.equals("conversation_updated") || event.equals("message_read"),
                        "a refused request emitted " + frame);
            }
        }
        assertEquals(messagesBefore + 1,
                queryLong("SELECT count(*) FROM demo.messages WHERE conversation_id = ?", conversation));
    }

    @Test
    void bodiesAreBoundedAndErrorsAreJson() {
        Reply huge = callRaw("POST", "conversations/1/messages", token(1),
                "{\"content\":\"" + "x".repeat(17 * 1024) + "\"}");
        assertEquals(413, huge.status);
        assertTrue(huge.body.has("error"), huge.raw);

        Reply unknown = call("GET", "nothing-here", token(1), null);
        assertEquals(404, unknown.status);
        assertTrue(unknown.body.has("error"));

        Reply wrongMethod = call("DELETE", "conversations/1", token(1), null);
        assertEquals(405, wrongMethod.status);
        assertEquals("GET", wrongMethod.allow);
    }

    @Test
    void aBodySentWithAnUpgradeHeaderIsStillRead() throws Exception {
        // The JDK client's default (Upgrade: h2c): Grizzly treats such a request as a protocol upgrade and never
        // ends its body, so the API completes on Content-Length instead of waiting for the end.
        HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> response = h2c.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/demo/api/login"))
                .timeout(java.time.Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\":2}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("Bruno Lima", MAPPER.readTree(response.body()).path("user").path("name").asText());
    }

    // ----------------------------------------------------------- the pages

    @Test
    void pagesAndTheirScriptsAreServedWithTheirContentTypes() throws Exception {
        assertPage("/", "text/html; charset=utf-8", "data-testid=\"conversation-list\"");
        assertPage("/demo/customer", "text/html; charset=utf-8", "data-testid=\"new-conversation-form\"");
        assertPage("/demo/console.js", "text/javascript; charset=utf-8", "conversation_assigned");
        assertPage("/demo/customer.js", "text/javascript; charset=utf-8", "new-conversation");
        assertPage("/demo/common.js", "text/javascript; charset=utf-8", "debug-event");
        assertPage("/demo/chat.js", "text/javascript; charset=utf-8", "typingFor");
        assertPage("/demo/i18n.js", "text/javascript; charset=utf-8", "está digitando");
        assertPage("/demo/demo.css", "text/css; charset=utf-8", ".status-dot");
        assertPage("/demo/favicon.svg", "image/svg+xml; charset=utf-8", "<svg");
        assertPage("/assets/js/websocket-client.js", "text/javascript; charset=utf-8", "SwitchboardClient");

        HttpResponse<String> page = get("/");
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
        assertEquals(404, get("/demo/missing.js").statusCode());
        assertEquals(404, get("/demo/../pom.xml").statusCode());
    }

    @Test
    void withDemoOffTheRootIsPlainTextAndTheApiIsAbsent() throws Exception {
        try (TestServer plain = TestServer.start(Map.of("DEMO", "false"))) {
            HttpResponse<String> root = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + plain.port() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, root.statusCode());
            assertTrue(root.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            assertTrue(root.body().startsWith("Switchboard node"), root.body());
            HttpResponse<String> api = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + plain.port() + "/demo/api/users")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, api.statusCode());
        }
    }

    @Test
    void demoWithoutAnHs256SecretIsAConfigurationError() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        ConfigException e = assertThrows(ConfigException.class, () -> Config.fromEnvironment(Map.of(
                "DATABASE_URL", "postgres://u:p@127.0.0.1:5432/db", "JWT_PUBLIC_KEY", pem, "DEMO", "true")));
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).startsWith("DEMO "), e.problems().get(0));
    }

    // ------------------------------------------------------------- helpers

    private record Reply(int status, JsonNode body, String raw, String allow) {
    }

    private static String token(long userId) {
        return login(userId).path("token").asText();
    }

    private static JsonNode login(long userId) {
        Reply reply = call("POST", "login", null, Map.of("user_id", userId));
        assertEquals(200, reply.status, reply.raw);
        return reply.body;
    }

    /** An agent's connection, authenticated with a demo token, past its presence snapshot. */
    private static WsClient agentClient(long agentId) {
        WsClient client = server.connect();
        client.authenticate(token(agentId));
        client.await("presence");
        return client;
    }

    private static long startConversation(long contactId, String subject) {
        Reply created = call("POST", "conversations", token(contactId),
                Map.of("subject", subject, "content", "Primeira mensagem: " + subject));
        assertEquals(201, created.status, created.raw);
        return created.body.path("conversation").path("id").asLong();
    }

    private static Reply call(String method, String path, String token, Object body) {
        try {
            return callRaw(method, path, token, body == null ? null : MAPPER.writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Reply callRaw(String method, String path, String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/demo/api/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                    "every API answer is JSON: " + response.headers().map());
            return new Reply(response.statusCode(), MAPPER.readTree(response.body()), response.body(),
                    response.headers().firstValue("Allow").orElse(null));
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + " failed", e);
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertPage(String path, String contentType, String contains) throws Exception {
        HttpResponse<String> response = get(path);
        assertEquals(200, response.statusCode(), path);
        assertEquals(contentType, response.headers().firstValue("Content-Type").orElse(null), path);
        assertTrue(response.body().contains(contains), path + " contains " + contains);
    }

    private static long queryLong(String sql, Object... args) {
        return Long.parseLong(queryString(sql, args));
    }

    private static String queryString(String sql, Object... args) {
        try (Connection c = server.sql(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next(), sql);
                return rs.getString(1);
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(sql, e);
        }
    }
}
