package dev.switchboard.notifier;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** When the leader starts its next batch: the pacing rule alone, in nanoseconds, no database and no clock. */
class SequencerPacingTest {
    private static final long MS = 1_000_000;
    private static final long POLL = MS;
    private static final long IDLE = 10 * MS;
    private static final long MAX = 5 * MS;

    @Test
    void emptyPollIsFollowedByTheNextPollWhileEventsFlow() {
        assertEquals(POLL, Sequencer.nextBatchAfter(false, MS / 10, false, MAX));
    }

    @Test
    void emptyPollAfterAnIdleSpellWaitsTheIdleInterval() {
        assertEquals(IDLE, Sequencer.nextBatchAfter(false, MS / 10, true, MAX));
    }

    @Test
    void batchThatFoundWorkIsFollowedAfterFourTimesItsDuration() {
        assertEquals(4 * MS, Sequencer.nextBatchAfter(true, MS, false, MAX));
    }

    @Test
    void quickBatchIsFollowedNoSoonerThanOnePoll() {
        assertEquals(POLL, Sequencer.nextBatchAfter(true, MS / 10, true, MAX));
    }

    @Test
    void slowBatchIsFollowedWithinTheMaximumPacing() {
        assertEquals(MAX, Sequencer.nextBatchAfter(true, 3 * MS, false, MAX));
    }
}
