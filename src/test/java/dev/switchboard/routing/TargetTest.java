package dev.switchboard.routing;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading a stored event's audience columns into a target: what the events table allows, and nothing else. */
class TargetTest {

    @Test
    void everyStoredAudienceParsesToItsTarget() {
        assertEquals(new Target.Conversation(7), Target.fromAudience("conversation", 7L, null));
        assertEquals(new Target.ConversationAndStaff(7), Target.fromAudience("conversation_and_staff", 7L, null));
        assertEquals(Target.STAFF, Target.fromAudience("staff", null, null));
        assertEquals(new Target.User(3), Target.fromAudience("user", null, 3L));
        assertEquals(new Target.Channels(List.of("orders", "presence-room"), Optional.of("1.2"), Optional.of("app")),
                Target.fromAudience("channels", null, null, List.of("orders", "presence-room"), "1.2", "app"));
        assertEquals(5, Target.AUDIENCES.size(), "one test line per audience above");
    }

    @Test
    void idsTheAudienceDoesNotUseAreIgnored() {
        assertEquals(Target.STAFF, Target.fromAudience("staff", 7L, 3L));
        assertEquals(new Target.User(3), Target.fromAudience("user", 7L, 3L));
    }

    @Test
    void anAudienceWithoutTheIdItNeedsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Target.fromAudience("conversation", null, 3L));
        assertThrows(IllegalArgumentException.class, () -> Target.fromAudience("conversation_and_staff", null, null));
        assertThrows(IllegalArgumentException.class, () -> Target.fromAudience("user", 7L, null));
        assertThrows(IllegalArgumentException.class, () -> Target.fromAudience("channels", null, null));
        assertThrows(IllegalArgumentException.class,
                () -> Target.fromAudience("channels", null, null, List.of(), null, null));
    }

    @Test
    void aBroadcastWithoutAppOrExceptedSocketSaysSoWithEmptyOptionals() {
        assertEquals(new Target.Channels(List.of("orders"), Optional.empty(), Optional.empty()),
                Target.fromAudience("channels", null, null, List.of("orders"), null, null));
    }

    @Test
    void anUnknownOrMissingAudienceIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Target.fromAudience("CONVERSATION", 7L, null));
        assertTrue(e.getMessage().contains("CONVERSATION"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Target.fromAudience(null, 7L, null));
        assertThrows(IllegalArgumentException.class, () -> Target.fromAudience("conversation_except_user", 7L, 3L));
    }
}
