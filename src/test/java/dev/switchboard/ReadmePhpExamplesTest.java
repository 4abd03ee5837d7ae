package dev.switchboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.ReadmeExamples;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * README.md's PHP examples, run exactly as README shows them: every {@code php} block is read out of README at
 * test time (so the two cannot drift), written to the file its first comment names, and run with the system's
 * {@code php} against a real PostgreSQL and a real node, connecting the way README tells the reader to (the
 * {@code DB_*} environment variables, as the role README's privileges section sets up). Skipped where {@code php}
 * with {@code pdo_pgsql} is not installed; CI installs Debian's {@code php-cli} and {@code php-pgsql}.
 */
class ReadmePhpExamplesTest {
    /** A block's second line names its file: {@code // app/Helpers/WebSocket.php}. */
    private static final Pattern FILE_COMMENT = Pattern.compile("// ([A-Za-z0-9_./-]+\\.php)");

    @TempDir
    Path app;

    /** Why the examples cannot run here, or {@code null} when they can. */
    private static String skipReason;

    @BeforeAll
    static void findPhpWithPdoPgsql() {
        String modules;
        try {
            modules = run(List.of("php", "-m"), Path.of("."), Map.of()).output;
        } catch (IOException e) {
            modules = "";
        }
        if (modules.lines().noneMatch("pdo_pgsql"::equals)) {
            skipReason = "php with pdo_pgsql is not installed (Debian: apt-get install php-cli php-pgsql), so"
                    + " README's PHP examples are not run here";
            // Also on stderr: skipped tests are easy to miss in Maven's summary.
            System.err.println("[README PHP examples] " + skipReason);
        }
    }

    @BeforeEach
    void needsPhpWithPdoPgsql() {
        // Each test is reported as skipped, with the reason; aborting the class instead shows as "Tests run: 0".
        assumeTrue(skipReason == null, skipReason);
    }

    @Test
    void everyPhpBlockNamesItsFileAndIsValidPhp() throws Exception {
        Map<String, String> files = phpFiles();
        assertTrue(files.keySet().containsAll(List.of("app/Helpers/WebSocket.php", "app/Database.php",
                "send-message.php", "app/Helpers/SwitchboardToken.php")), "README's PHP files: " + files.keySet());
        writeAll(files);
        for (String file : files.keySet()) {
            Result lint = run(List.of("php", "-l", file), app, Map.of());
            assertEquals(0, lint.status, file + ": " + lint.output);
        }
    }

    @Test
    void sendMessageExampleDeliversItsMessageToTheConversationAfterCommit() throws Exception {
        writeAll(phpFiles());
        try (TestServer server = TestServer.start()) {
            ReadmeExamples.prepareAppDatabase(server);
            try (WsClient contact = server.contact(77, 456L).subscribe(456)) {
                Result sent = php(server, "send-message.php");
                assertEquals(0, sent.status, sent.output);

                JsonNode data = contact.await("new_message").get("data");
                assertEquals(456, data.path("conversation_id").asLong(), data.toString());
                JsonNode message = data.path("message");
                assertEquals("Olá! Como posso ajudar?", message.path("content").asText(), data.toString());
                assertEquals("agent", message.path("sender_type").asText());
                assertEquals(123, message.path("sender_id").asLong());
                assertEquals(ReadmeExamples.onlyMessageId(server), message.path("id").asLong(), "the id of the row it inserted");
                assertTrue(message.path("created_at").isTextual(), data.toString());
            }
        }
    }

    @Test
    void everyWebSocketHelperMethodReachesItsAudienceWithOnlyTheReadmeGrants() throws Exception {
        writeAll(phpFiles());
        Files.writeString(app.resolve("every-helper.php"), """
                <?php
                require __DIR__ . '/app/Database.php';
                require __DIR__ . '/app/Helpers/WebSocket.php';

                use App\\Helpers\\WebSocket;

                WebSocket::notifyConversationUpdated(456, ['id' => 456, 'status' => 'closed']);
                WebSocket::notifyNewConversation(['id' => 457, 'subject' => 'Boleto']);
                WebSocket::notifyAgentStatus(123, 'away');
                WebSocket::notifyTyping(456, 123, true);
                WebSocket::notifyMessageRead(456, 789, 123);
                WebSocket::notifyUser(77, 'ticket_rated', ['stars' => 5]);
                """, StandardCharsets.UTF_8);
        try (TestServer server = TestServer.start()) {
            ReadmeExamples.prepareAppDatabase(server);
            try (WsClient contact = server.contact(77, 456L).subscribe(456); WsClient agent = server.agent(900)) {
                Result sent = php(server, "every-helper.php");
                assertEquals(0, sent.status, sent.output);

                // Typing travels apart from the stored events, so it may arrive before or after them.
                Map<String, JsonNode> received = firstOfEach(contact,
                        List.of("conversation_updated", "typing", "message_read", "ticket_rated"));
                assertEquals("closed", received.get("conversation_updated").path("conversation").path("status").asText());
                assertTrue(received.get("typing").path("is_typing").asBoolean(), received.toString());
                assertEquals(789, received.get("message_read").path("message_id").asLong());
                assertEquals(5, received.get("ticket_rated").path("stars").asInt());
                assertEquals(457, agent.await("new_conversation")
                        .path("data").path("conversation").path("id").asLong());
                assertEquals("away", agent.awaitMatching(f -> "agent_status".equals(f.path("event").asText())
                        && f.path("data").path("agent_id").asLong() == 123, "agent_status of 123")
                        .path("data").path("status").asText());
            }
        }
    }

    @Test
    void conversationPageRendersThePositionItsStateEndsAtAndResumingFromItMissesNothing() throws Exception {
        writeAll(phpFiles());
        try (TestServer server = TestServer.start()) {
            ReadmeExamples.prepareAppDatabase(server);
            Result sent = php(server, "send-message.php");
            assertEquals(0, sent.status, sent.output);
            Result page = php(server, "conversation-page.php");
            assertEquals(0, page.status, page.output);
            Matcher boot = Pattern.compile("const boot = (\\{.*});").matcher(page.output);
            assertTrue(boot.find(), page.output);
            JsonNode state = new com.fasterxml.jackson.databind.ObjectMapper().readTree(boot.group(1));
            assertEquals("Olá! Como posso ajudar?", state.path("messages").path(0).path("content").asText(),
                    state.toString());
            // Committed after the page read its state: the page has not seen it, and resuming brings it.
            Result later = php(server, "send-message.php");
            assertEquals(0, later.status, later.output);
            try (WsClient contact = server.connect()) {
                contact.send("type", "auth", "token", server.contactToken(77, 456L),
                        "last_event_id", state.path("lastEventId").asLong(), "epoch", state.path("epoch").asText());
                assertTrue(contact.await("authenticated").path("data").path("recovered").asBoolean());
                contact.send("type", "subscribe", "conversation_id", 456,
                        "last_event_id", state.path("lastEventId").asLong());
                assertTrue(contact.await("subscribed").path("data").path("recovered").asBoolean());
                JsonNode message = contact.await("new_message").path("data").path("message");
                assertTrue(message.path("id").asLong() > state.path("messages").path(0).path("id").asLong(),
                        "the message sent after the page loaded, not the one it rendered: " + message);
            }
        }
    }

    @Test
    void tokenExampleMintsATokenTheNodeAccepts() throws Exception {
        writeAll(phpFiles());
        // There is no Composer here: a stand-in with firebase/php-jwt's encode() signature, HS256 only (RFC 7515),
        // so what is checked is README's claims and their types, against the node's real verifier.
        Files.writeString(app.resolve("firebase-jwt-stand-in.php"), """
                <?php
                namespace Firebase\\JWT;

                final class JWT
                {
                    public static function encode(array $payload, string $key, string $alg): string
                    {
                        if ($alg !== 'HS256') {
                            throw new \\InvalidArgumentException($alg);
                        }
                        $b64 = fn (string $s): string => rtrim(strtr(base64_encode($s), '+/', '-_'), '=');
                        $signed = $b64(json_encode(['typ' => 'JWT', 'alg' => $alg])) . '.' . $b64(json_encode($payload));
                        return $signed . '.' . $b64(hash_hmac('sha256', $signed, $key, true));
                    }
                }
                """, StandardCharsets.UTF_8);
        Files.writeString(app.resolve("mint.php"), """
                <?php
                require __DIR__ . '/firebase-jwt-stand-in.php';
                require __DIR__ . '/app/Helpers/SwitchboardToken.php';

                echo App\\Helpers\\SwitchboardToken::mint(77, 'contact', 'Ana Souza', [456]);
                """, StandardCharsets.UTF_8);
        try (TestServer server = TestServer.start()) {
            Result minted = run(List.of("php", "mint.php"), app, Map.of("JWT_SECRET", TestServer.SECRET));
            assertEquals(0, minted.status, minted.output);
            try (WsClient contact = server.connect()) {
                JsonNode authenticated = contact.authenticate(minted.output.strip());
                assertEquals(77, authenticated.path("user_id").asLong(), authenticated.toString());
                assertEquals("contact", authenticated.path("role").asText(), authenticated.toString());
                contact.subscribe(456);
                contact.send("type", "subscribe", "conversation_id", 457);
                contact.awaitError("forbidden");
            }
        }
    }

    /** The data of the first frame of each named event, waiting until all of them have arrived. */
    private static Map<String, JsonNode> firstOfEach(WsClient client, List<String> events) {
        Map<String, JsonNode> received = new LinkedHashMap<>();
        while (!received.keySet().containsAll(events)) {
            JsonNode frame = client.awaitMatching(f -> events.contains(f.path("event").asText())
                    && !received.containsKey(f.path("event").asText()), "the rest of " + events + " after " + received);
            received.put(frame.path("event").asText(), frame.get("data"));
        }
        return received;
    }

    /** README's PHP blocks by the file each names, in README order. */
    static Map<String, String> phpFiles() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        for (String block : ReadmeExamples.fencedBlocks("php")) {
            String[] lines = block.split("\n", 3);
            Matcher name = lines.length > 1 ? FILE_COMMENT.matcher(lines[1].strip()) : null;
            if (!lines[0].strip().equals("<?php") || name == null || !name.matches()) {
                fail("every php block in README starts with <?php and a // path/to/File.php line, so it can be"
                        + " saved and run as written; this one does not:\n" + block);
            }
            if (files.put(name.group(1), block) != null) {
                fail("two php blocks in README are both " + name.group(1));
            }
        }
        return files;
    }

    private void writeAll(Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path path = app.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
        }
    }

    /** Runs a PHP file connected as README tells the reader to: {@code DB_DSN}, {@code DB_USER}, {@code DB_PASSWORD}. */
    private Result php(TestServer server, String file) throws IOException {
        String dsn = "pgsql:host=127.0.0.1;port=" + TestDatabases.server().getPort()
                + ";dbname=" + TestDatabases.databaseName(server.database());
        return run(List.of("php", file), app,
                Map.of("DB_DSN", dsn, "DB_USER", ReadmeExamples.APP_ROLE, "DB_PASSWORD", ReadmeExamples.APP_PASSWORD));
    }

    private record Result(int status, String output) {
    }

    private static Result run(List<String> command, Path directory, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(WsClient.PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not finish: " + output);
            }
            return new Result(process.exitValue(), output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
