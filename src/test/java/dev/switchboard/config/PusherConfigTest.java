package dev.switchboard.config;

import dev.switchboard.pusher.PusherApp;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.switchboard.config.ConfigTest.assertSingleProblem;
import static dev.switchboard.config.ConfigTest.env;
import static dev.switchboard.config.ConfigTest.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PusherConfigTest {
    private static final String DB = "postgres://app:pw@db/helpdesk";

    private static PusherConfig pusher(String... keyValues) {
        return Config.fromEnvironment(env(keyValues)).pusher();
    }

    @Test
    void offWithADatabaseUrlAndNoApp() {
        PusherConfig c = pusher("DATABASE_URL", DB, "JWT_SECRET", ConfigTest.SECRET);
        assertFalse(c.enabled());
        assertFalse(c.devApp(), "no development app next to a real database");
    }

    @Test
    void embeddedDefaultAsksForADevelopmentApp() {
        PusherConfig c = pusher();
        assertTrue(c.devApp());
        assertFalse(c.enabled(), "until the embedded default has made it");
        assertTrue(c.withApps(List.of(new PusherApp("d", "k", "secret12"))).enabled());
    }

    @Test
    void readsThePusherNamesAndTheReverbNamesOfALaravelEnvFile() {
        assertEquals(List.of(new PusherApp("1", "k1", "secret-one")),
                pusher("PUSHER_APP_ID", "1", "PUSHER_APP_KEY", "k1", "PUSHER_APP_SECRET", "secret-one").apps());
        assertEquals(List.of(new PusherApp("2", "k2", "secret-two")),
                pusher("REVERB_APP_ID", "2", "REVERB_APP_KEY", "k2", "REVERB_APP_SECRET", "secret-two").apps());
        assertEquals(List.of(new PusherApp("1", "k1", "secret-one")),
                pusher("PUSHER_APP_ID", "1", "PUSHER_APP_KEY", "k1", "PUSHER_APP_SECRET", "secret-one",
                        "REVERB_APP_ID", "1", "REVERB_APP_KEY", "k1", "REVERB_APP_SECRET", "secret-one").apps(),
                "a .env that names the same app both ways has one app");
    }

    @Test
    void readsFurtherApps() {
        PusherConfig c = pusher("PUSHER_APP_ID", "1", "PUSHER_APP_KEY", "k1", "PUSHER_APP_SECRET", "secret-one",
                "PUSHER_APPS", "2:k2:secret-two, 3:k3:secret-three");
        assertEquals(List.of("1", "2", "3"), c.apps().stream().map(PusherApp::id).toList());
    }

    @Test
    void refusesAnIncompleteAppAShortSecretAndDuplicates() {
        assertSingleProblem("PUSHER_APP_ID", env("PUSHER_APP_ID", "1", "PUSHER_APP_KEY", "k1"));
        assertSingleProblem("REVERB_APP_ID", env("REVERB_APP_ID", "1", "REVERB_APP_KEY", "k1",
                "REVERB_APP_SECRET", "short"));
        assertSingleProblem("PUSHER_APPS", env("PUSHER_APPS", "1:k:secret-one,2:k:secret-two"));
        List<String> problems = problems(env("PUSHER_APPS", "1:k:secret-one:extra"));
        assertFalse(problems.get(0).contains("extra"), "the secret part is not echoed: " + problems);
    }

    @Test
    void validatesLimitsLikeEveryOtherSetting() {
        PusherConfig c = pusher("PUSHER_MAX_MESSAGE_BYTES", "20000", "PUSHER_MAX_CHANNELS", "5",
                "PUSHER_MAX_PRESENCE_MEMBERS", "7", "PUSHER_CLIENT_EVENTS", "off",
                "PUSHER_CLIENT_EVENTS_PER_SECOND", "3", "PUSHER_ACTIVITY_TIMEOUT", "2m");
        assertEquals(20000, c.maxMessageBytes());
        assertEquals(5, c.maxChannelsPerConnection());
        assertEquals(7, c.maxPresenceMembers());
        assertFalse(c.clientEvents());
        assertEquals(3, c.clientEventsPerSecond());
        assertEquals(Duration.ofMinutes(2), c.activityTimeout());
        assertSingleProblem("PUSHER_MAX_CHANNELS", env("PUSHER_MAX_CHANNELS", "0"));
        assertSingleProblem("PUSHER_ACTIVITY_TIMEOUT", env("PUSHER_ACTIVITY_TIMEOUT", "1500ms"));
        assertSingleProblem("PUSHER_CLIENT_EVENTS", env("PUSHER_CLIENT_EVENTS", "maybe"));
    }

    @Test
    void printsNoSecret() {
        String printed = Config.fromEnvironment(env("PUSHER_APP_ID", "1", "PUSHER_APP_KEY", "k1",
                "PUSHER_APP_SECRET", "do-not-print-me")).toString();
        assertFalse(printed.contains("do-not-print-me"), printed);
        assertTrue(printed.contains("key=k1"), printed);
    }
}
