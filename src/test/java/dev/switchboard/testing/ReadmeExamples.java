package dev.switchboard.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md's code blocks, read at test time so README and the tests that run its examples cannot drift, and the
 * web app's side of a database as those examples expect it.
 */
public final class ReadmeExamples {
    /** The role README's "Database privileges" section grants to; the examples connect as it. */
    public static final String APP_ROLE = "helpdesk_app";
    public static final String APP_PASSWORD = "readme-example-password";

    private static final Path README = Path.of("README.md");

    private ReadmeExamples() {
    }

    /** The text of every fenced block of the given language, in README order. */
    public static List<String> fencedBlocks(String language) throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^```" + Pattern.quote(language) + "\\n(.*?)^```$", Pattern.DOTALL)
                .matcher(readme);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    /** README's "Database privileges" block: the one that grants the functions to {@link #APP_ROLE}. */
    public static String privilegesSql() throws IOException {
        List<String> grants = fencedBlocks("sql").stream()
                .filter(sql -> sql.contains("GRANT EXECUTE ON FUNCTION") && sql.contains(APP_ROLE))
                .toList();
        assertTrue(grants.size() == 1, "README has exactly one block granting the functions to " + APP_ROLE);
        return grants.get(0);
    }

    /**
     * The web app's side of the server's database: its own {@code messages} table, and its role with exactly
     * README's grants on schema {@code realtime} (the role is cluster-wide, so it may exist from another test).
     */
    public static void prepareAppDatabase(TestServer server) throws SQLException, IOException {
        try (Connection c = server.sql(); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN CREATE ROLE " + APP_ROLE + " LOGIN PASSWORD '" + APP_PASSWORD + "';"
                    + " EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            s.execute("CREATE TABLE messages (id bigserial PRIMARY KEY, conversation_id bigint NOT NULL,"
                    + " sender_type text NOT NULL, sender_id bigint NOT NULL, content text NOT NULL,"
                    + " created_at timestamptz NOT NULL DEFAULT now())");
            s.execute("GRANT SELECT, INSERT ON messages TO " + APP_ROLE);
            s.execute("GRANT USAGE ON SEQUENCE messages_id_seq TO " + APP_ROLE);
            s.execute(privilegesSql());
        }
    }

    /** The id of the one row in the app's {@code messages} table. */
    public static long onlyMessageId(TestServer server) throws SQLException {
        try (Connection c = server.sql(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT id FROM messages")) {
            assertTrue(rows.next(), "the example inserted its message");
            long id = rows.getLong(1);
            assertTrue(!rows.next(), "one message only");
            return id;
        }
    }
}
