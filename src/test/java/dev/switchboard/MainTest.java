package dev.switchboard;

import dev.switchboard.config.Config;
import dev.switchboard.config.Setting;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    @Test
    void helpListsTheCommandsAndEverySetting() {
        String help = Main.help();
        assertTrue(help.contains("java -jar switchboard.jar token --user ID"), help);
        assertTrue(help.contains("java -jar switchboard.jar --help"), help);
        for (Setting s : Config.SETTINGS) {
            assertTrue(help.contains("  " + s.name() + " "), s.name() + " missing from\n" + help);
        }
    }
}
