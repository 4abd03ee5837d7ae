package dev.switchboard.resume;

import dev.switchboard.routing.Feed;
import dev.switchboard.routing.Target;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The seam: what a resuming connection is sent when its replay and its live events overlap, in every order they
 * can arrive. Frames are their own names here ({@code e5} is event 5), so the expected output reads as a list.
 */
class ResumeGateTest {
    private static final Feed.Personal AGENT_FEED = new Feed.Personal(1, true);
    private static final Feed.OneConversation CONVERSATION_7 = new Feed.OneConversation(7, false);
    private static final Target INBOX = Target.STAFF;
    private static final Target IN_7 = new Target.ConversationAndStaff(7);

    private final List<String> sent = new ArrayList<>();
    private final ResumeGate gate = new ResumeGate(frame -> sent.add(frame.text()));

    @Test
    void liveFramesPassStraightThroughWhenNoResumeRuns() {
        gate.durable(5, INBOX, "e5");
        gate.frame("typing");
        assertEquals(List.of("e5", "typing"), sent);
    }

    @Test
    void liveEventsDuringTheReplayAreHeldAndFollowItAfterTheReply() {
        ResumeGate.Ticket ticket = gate.begin(AGENT_FEED);
        gate.frame("presence");
        gate.durable(12, INBOX, "e12");
        assertEquals(List.of(), sent, "nothing overtakes the replay");

        gate.complete(ticket, List.of("authenticated"), replayed(10, 11), 11);
        assertEquals(List.of("authenticated", "presence", "e10", "e11", "e12"), sent);

        gate.durable(13, INBOX, "e13");
        assertEquals("e13", sent.get(sent.size() - 1), "live again after the seam");
    }

    @Test
    void aLiveCopyOfAReplayedEventIsSentOnce() {
        ResumeGate.Ticket ticket = gate.begin(AGENT_FEED);
        // The node's listener was behind the replay's snapshot: 10 and 11 also arrive live.
        gate.durable(10, INBOX, "e10");
        gate.durable(11, INBOX, "e11");
        gate.durable(12, INBOX, "e12");
        gate.complete(ticket, List.of("authenticated"), replayed(10, 11), 11);
        assertEquals(List.of("authenticated", "e10", "e11", "e12"), sent);
    }

    @Test
    void aLiveCopyArrivingAfterTheSeamIsDropped() {
        ResumeGate.Ticket ticket = gate.begin(AGENT_FEED);
        gate.complete(ticket, List.of("authenticated"), replayed(10, 11), 11);
        // Still behind: the listener delivers 10 and 11 only now.
        gate.durable(10, INBOX, "e10");
        gate.durable(11, INBOX, "e11");
        gate.durable(12, INBOX, "e12");
        assertEquals(List.of("authenticated", "e10", "e11", "e12"), sent);
    }

    @Test
    void aFloorDropsOnlyTheReplayedFeedsEvents() {
        ResumeGate.Ticket ticket = gate.begin(CONVERSATION_7);
        gate.complete(ticket, List.of("subscribed"), replayed(20), 21);
        // Event 21 was for the user's own feed, which this replay did not carry: it must still arrive.
        gate.durable(21, new Target.User(3), "e21");
        gate.durable(21, IN_7, "dup21");
        assertEquals(List.of("subscribed", "e20", "e21"), sent);
    }

    @Test
    void eventsOlderThanTheClientsPositionAreNotSentAgain() {
        ResumeGate.Ticket ticket = gate.begin(AGENT_FEED);
        // The client had everything up to 9; the listener of this node delivers 8 and 9 late.
        gate.durable(8, INBOX, "e8");
        gate.complete(ticket, List.of("authenticated"), List.of(), 9);
        gate.durable(9, INBOX, "e9");
        gate.durable(10, INBOX, "e10");
        assertEquals(List.of("authenticated", "e10"), sent);
    }

    @Test
    void severalReplaysHoldTheConnectionUntilTheLastIsDone() {
        ResumeGate.Ticket auth = gate.begin(AGENT_FEED);
        ResumeGate.Ticket subscribe = gate.begin(new Feed.OneConversation(7, true));
        gate.durable(15, INBOX, "e15");
        gate.complete(auth, List.of("authenticated"), replayed(10, 14), 14);
        assertEquals(List.of(), sent, "held while the subscribe's replay runs");
        gate.durable(16, new Target.Conversation(7), "e16");
        gate.complete(subscribe, List.of("subscribed"), replayed(12, 16), 16);
        assertEquals(List.of("authenticated", "subscribed", "e10", "e12", "e14", "e15", "e16"), sent,
                "replays merged by id with the held events, the live copy of 16 dropped");
    }

    @Test
    void aRefusedResumeSendsItsReplyAndTheHeldFramesAsTheyCame() {
        ResumeGate.Ticket ticket = gate.begin(AGENT_FEED);
        gate.durable(30, INBOX, "e30");
        gate.complete(ticket, List.of("authenticated", "resync_required"), List.of(), -1);
        gate.durable(31, INBOX, "e31");
        assertEquals(List.of("authenticated", "resync_required", "e30", "e31"), sent);
    }

    @Test
    void aCancelledReplayReleasesTheConnection() {
        ResumeGate.Ticket ticket = gate.begin(CONVERSATION_7);
        gate.frame("error");
        gate.cancel(ticket);
        gate.frame("pong");
        assertEquals(List.of("error", "pong"), sent);
    }

    @Test
    void completingTwiceSendsOnce() {
        ResumeGate.Ticket ticket = gate.begin(AGENT_FEED);
        gate.complete(ticket, List.of("authenticated"), replayed(1), 1);
        gate.complete(ticket, List.of("authenticated"), replayed(1), 1);
        assertEquals(List.of("authenticated", "e1"), sent);
    }

    @Test
    void framesArrivingWhileTheMergeIsBeingSentFollowIt() {
        List<String> out = new ArrayList<>();
        ResumeGate[] self = new ResumeGate[1];
        // A live event that arrives on another thread while the replay is being handed to the queue: simulated by
        // the sink itself, at the first frame.
        self[0] = new ResumeGate(frame -> {
            out.add(frame.text());
            if (frame.text().equals("authenticated")) {
                self[0].durable(11, INBOX, "dup11");
                self[0].durable(12, INBOX, "e12");
            }
        });
        ResumeGate.Ticket ticket = self[0].begin(AGENT_FEED);
        self[0].complete(ticket, List.of("authenticated"), replayed(10, 11), 11);
        assertEquals(List.of("authenticated", "e10", "e11", "e12"), out);
    }

    @Test
    void moreHeldFramesThanTheBoundReportsOnceAndHoldsNoMore() {
        int[] reports = {0};
        ResumeGate bounded = new ResumeGate(frame -> sent.add(frame.text()), 2, () -> reports[0]++);
        ResumeGate.Ticket ticket = bounded.begin(AGENT_FEED);
        bounded.durable(1, INBOX, "e1");
        bounded.frame("typing");
        assertEquals(0, reports[0]);
        bounded.durable(2, INBOX, "e2");
        bounded.durable(3, INBOX, "e3");
        assertEquals(1, reports[0], "reported once");
        bounded.complete(ticket, List.of("authenticated"), List.of(), 0);
        assertEquals(List.of("authenticated"), sent, "nothing of what was held: the connection is being closed");
    }

    private static List<ResumeGate.ReplayedFrame> replayed(long... ids) {
        List<ResumeGate.ReplayedFrame> frames = new ArrayList<>();
        // Handed over in reverse, so the test also shows the gate sorts them.
        for (int i = ids.length - 1; i >= 0; i--) {
            frames.add(new ResumeGate.ReplayedFrame(ids[i], "e" + ids[i]));
        }
        return frames;
    }
}
