package dev.switchboard.routing;

import dev.switchboard.protocol.EncodedFrame;
import dev.switchboard.testing.RecordingRecipient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one rule for who gets what, checked against live routing: a connection receives a stored event exactly when
 * one of its feeds (its personal feed, and one per subscription) includes it, and never two of them, so a replay
 * per feed neither misses nor repeats what live delivery would have sent.
 */
class FeedTest {
    private static final long CONVERSATION = 7;
    private static final long OTHER = 8;

    @Test
    void everyConnectionGetsAStoredEventExactlyWhenOneOfItsFeedsIncludesIt() {
        List<Target> stored = List.of(new Target.Conversation(CONVERSATION), new Target.Conversation(OTHER),
                new Target.ConversationAndStaff(CONVERSATION), new Target.ConversationAndStaff(OTHER), Target.STAFF,
                new Target.User(1), new Target.User(2), new Target.User(3));
        for (boolean staff : new boolean[] {true, false}) {
            for (boolean subscribed : new boolean[] {true, false}) {
                for (Target target : stored) {
                    ConversationRegistry registry = new ConversationRegistry();
                    RecordingRecipient me = new RecordingRecipient("c-1", 1, staff);
                    registry.register(me);
                    List<Feed> feeds = new ArrayList<>(List.of(new Feed.Personal(1, staff)));
                    if (subscribed) {
                        registry.subscribe(me, CONVERSATION, 10);
                        feeds.add(new Feed.OneConversation(CONVERSATION, staff));
                    }
                    registry.deliver(target, EncodedFrame.of("{\"event\":\"x\",\"id\":1,\"data\":{}}"), 1);
                    long including = feeds.stream().filter(f -> f.includes(target)).count();
                    String what = target + " to " + (staff ? "staff" : "contact")
                            + (subscribed ? " subscribed" : "");
                    assertEquals(me.frames().size(), including, what);
                }
            }
        }
    }
}
