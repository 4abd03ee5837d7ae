package dev.switchboard.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsTest {

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", " ", "10", "10 parsecs", "1.5h", "-1h", "h", "1w", "P", "PTxS", "10s5m",
            "99999999999999999999s", "999999999999999999h", "PT99999999999999999999H"})
    void refusesWhatIsNotADurationNamingTheText(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"PT0.5S,500ms", "PT1.5S,1500ms", "PT0S,0ms", "PT10S,10s", "PT90S,90s", "PT5M,5m", "PT90M,90m",
            "PT2H,2h", "PT36H,36h", "PT168H,7d"})
    void formatWritesTheShortestExactShortForm(String iso, String expected) {
        assertEquals(expected, Durations.format(Duration.parse(iso)));
        assertEquals(Duration.parse(iso), Durations.parse(expected), "format's output reads back as the same value");
    }
}
