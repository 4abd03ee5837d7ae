package dev.switchboard;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.ReadmeExamples;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code target/switchboard-notifier.jar} as a web app uses it: only the notifier API's classes inside, and
 * README's Java example running in a fresh JVM with nothing on the class path but this jar, Jackson and the
 * PostgreSQL driver, as the role README's privileges section sets up. Runs after {@code package}.
 */
class NotifierJarIT {
    /** The jar built by {@code mvn package}; failsafe passes its path as a system property. */
    static Path jar() {
        Path jar = Path.of(System.getProperty("switchboard.notifier.jar", "target/switchboard-notifier.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " does not exist: run integration tests with mvn verify");
        return jar;
    }

    @Test
    void jarHoldsOnlyTheNotifierApiClasses() throws Exception {
        List<String> files = new ArrayList<>();
        try (JarFile jar = new JarFile(jar().toFile())) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                if (!entry.isDirectory()) {
                    files.add(entry.getName());
                }
            }
            assertEquals("dev.switchboard.notifier", jar.getManifest().getMainAttributes()
                    .getValue("Automatic-Module-Name"));
        }
        assertTrue(files.contains("dev/switchboard/notifier/Notifier.class"), files.toString());
        for (String file : files) {
            assertTrue(file.equals("META-INF/MANIFEST.MF")
                            || file.matches("dev/switchboard/notifier/Notifier(\\$[A-Za-z0-9_$]+)?\\.class"),
                    "only the notifier API belongs in the jar, found " + file);
        }
    }

    @Test
    void readmeJavaExampleRunsWithOnlyTheNotifierJarJacksonAndTheDriver(@TempDir Path dir) throws Exception {
        List<String> examples = ReadmeExamples.fencedBlocks("java").stream()
                .filter(block -> block.startsWith("// SendMessage.java\n")).toList();
        assertEquals(1, examples.size(), "README has one SendMessage.java block");
        Files.writeString(dir.resolve("SendMessage.java"), examples.get(0), StandardCharsets.UTF_8);
        // A fresh JVM with the jars README names and nothing else: no server class can help it out.
        String classPath = String.join(java.io.File.pathSeparator, jar().toAbsolutePath().toString(),
                pathOf(ObjectMapper.class), pathOf(JsonFactory.class), pathOf(JsonAutoDetect.class),
                pathOf(org.postgresql.Driver.class));

        try (TestServer server = TestServer.start()) {
            ReadmeExamples.prepareAppDatabase(server);
            try (WsClient contact = server.contact(77, 456L).subscribe(456)) {
                ProcessBuilder java = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", classPath, "SendMessage.java")
                        .directory(dir.toFile()).redirectErrorStream(true);
                java.environment().put("DB_URL", TestDatabases.jdbcUrl(TestDatabases.databaseName(server.database())));
                java.environment().put("DB_USER", ReadmeExamples.APP_ROLE);
                java.environment().put("DB_PASSWORD", ReadmeExamples.APP_PASSWORD);
                Process process = java.start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(process.waitFor(WsClient.PATIENCE.toSeconds(), TimeUnit.SECONDS), output);
                assertEquals(0, process.exitValue(), output);

                long id = ReadmeExamples.onlyMessageId(server);
                assertEquals("message " + id, output.strip());
                JsonNode data = contact.await("new_message").get("data");
                assertEquals(456, data.path("conversation_id").asLong(), data.toString());
                assertEquals(id, data.path("message").path("id").asLong(), data.toString());
                assertEquals("Olá! Como posso ajudar?", data.path("message").path("content").asText());
                assertEquals(123, data.path("message").path("sender_id").asLong());
            }
        }
    }

    private static String pathOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
