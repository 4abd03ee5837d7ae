package dev.switchboard;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code target/switchboard-notifier.jar} as a web app uses it: only the notifier API's classes inside, and
 * working with nothing else on the class path but Jackson and the PostgreSQL driver. Runs after {@code package}.
 */
class NotifierJarIT {
    private static final String NOTIFIER = "dev.switchboard.notifier.Notifier";

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
    void notifierFromTheJarAloneWithJacksonAndTheDriverSendsAnEventAClientReceives() throws Exception {
        // Parent is the platform loader: the JDK (java.sql included) and nothing of this project's class path.
        try (URLClassLoader webApp = new URLClassLoader(new URL[] {
                jar().toUri().toURL(),
                locationOf(ObjectMapper.class), locationOf(JsonFactory.class), locationOf(JsonAutoDetect.class),
                locationOf(org.postgresql.Driver.class)}, ClassLoader.getPlatformClassLoader());
             TestServer server = TestServer.start();
             WsClient contact = server.contact(77, 456L).subscribe(456)) {

            Class<?> notifierClass = webApp.loadClass(NOTIFIER);
            assertEquals(jar().toUri().toURL(), locationOf(notifierClass), "loaded from the notifier jar");
            assertThrows(ClassNotFoundException.class,
                    () -> webApp.loadClass("dev.switchboard.notifier.EventListener"), "no server classes");

            Object mapper = webApp.loadClass(ObjectMapper.class.getName()).getConstructor().newInstance();
            Object notifier = notifierClass.getConstructor(mapper.getClass()).newInstance(mapper);
            Method newMessage = notifierClass.getMethod("newMessage", Connection.class, long.class, Object.class);

            Driver driver = (Driver) webApp.loadClass("org.postgresql.Driver").getConstructor().newInstance();
            Properties login = new Properties();
            login.setProperty("user", server.database().user());
            String url = TestDatabases.jdbcUrl(TestDatabases.databaseName(server.database()));
            try (Connection c = driver.connect(url, login)) {
                c.setAutoCommit(false);
                long key = (long) newMessage.invoke(notifier, c, 456L,
                        Map.of("id", 789, "content", "from the notifier jar"));
                assertTrue(key > 0, "the event's key in realtime.events");
                c.commit();
            }

            JsonNode data = contact.await("new_message").get("data");
            assertEquals(456, data.path("conversation_id").asLong(), data.toString());
            assertEquals("from the notifier jar", data.path("message").path("content").asText(), data.toString());
        }
    }

    private static URL locationOf(Class<?> type) throws URISyntaxException, java.net.MalformedURLException {
        return type.getProtectionDomain().getCodeSource().getLocation().toURI().toURL();
    }
}
