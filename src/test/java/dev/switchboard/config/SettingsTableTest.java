package dev.switchboard.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTableTest {

    @Test
    void listsEverySettingWithTheDefaultItShows() {
        String table = SettingsTable.render();
        List<String> lines = table.lines().toList();
        for (Setting s : Config.SETTINGS) {
            assertEquals(1, lines.stream().filter(l -> l.matches("  " + s.name() + " +default: .*")).count(),
                    s.name() + " has one heading line in\n" + table);
            assertTrue(lines.stream().anyMatch(l -> l.matches("  " + s.name() + " +default: "
                            + java.util.regex.Pattern.quote(s.shownDefault()))),
                    s.name() + " shows its default " + s.shownDefault() + " in\n" + table);
        }
    }

    @Test
    void wrapsDescriptionsUnderTheirSettingWithinTheWidth() {
        Setting longOne = Setting.of("LONG", "1", "word ".repeat(60).strip());
        String table = SettingsTable.render(List.of(longOne));
        List<String> lines = table.lines().toList();
        assertEquals("  LONG  default: 1", lines.get(1));
        assertTrue(lines.size() > 3, "the description is wrapped over several lines:\n" + table);
        for (String line : lines.subList(2, lines.size())) {
            assertTrue(line.startsWith("    word"), line);
            assertTrue(line.length() <= SettingsTable.WIDTH, line.length() + ": " + line);
        }
        assertEquals(60, table.split("word", -1).length - 1, "no word lost in wrapping");
    }

    /**
     * README's table is written by hand for its readers (some rows pair two variables): it must still name every
     * setting, each literal default as declared.
     */
    @Test
    void readmeConfigurationTableNamesEverySettingWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("\n## Configuration\n");
        assertTrue(start >= 0, "README has a Configuration section");
        int end = readme.indexOf("\n## ", start + 1);
        List<String[]> rows = readme.substring(start, end < 0 ? readme.length() : end).lines()
                .filter(l -> l.startsWith("| `"))
                .map(l -> l.split("\\|"))
                .toList();
        for (Setting s : Config.SETTINGS) {
            List<String[]> matching = rows.stream().filter(r -> r[1].contains("`" + s.name() + "`")).toList();
            assertEquals(1, matching.size(), s.name() + " has one row in README's Configuration table");
            if (s.defaultValue() != null) {
                assertTrue(matching.get(0)[2].contains("`" + s.defaultValue() + "`"),
                        s.name() + "'s default in README is not `" + s.defaultValue() + "`: " + matching.get(0)[2]);
            }
        }
    }

    @Test
    void everyLineOfTheRealTableFitsTheWidth() {
        for (String line : SettingsTable.render().lines().toList()) {
            assertTrue(line.length() <= SettingsTable.WIDTH, line.length() + ": " + line);
        }
    }
}
