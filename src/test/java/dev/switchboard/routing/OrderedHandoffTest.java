package dev.switchboard.routing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class OrderedHandoffTest {
    private final Object lock = new Object();

    @Test
    void decisionsAreHandedOnInTheOrderDecidedWithTheOwnersLockReleased() {
        List<String> handedOn = new ArrayList<>();
        List<Boolean> lockHeld = new ArrayList<>();
        OrderedHandoff<String> handoff = new OrderedHandoff<>(lock, decision -> {
            handedOn.add(decision);
            lockHeld.add(Thread.holdsLock(lock));
        });
        synchronized (lock) {
            handoff.add("online");
            handoff.add("offline");
        }
        handoff.flush();
        assertEquals(List.of("online", "offline"), handedOn);
        assertFalse(lockHeld.contains(true));
    }

    @Test
    void aDecisionAddedWhileHandingOnIsDeliveredByTheThreadAlreadyDeliveringAfterTheOthers() {
        List<String> handedOn = new ArrayList<>();
        OrderedHandoff<String>[] self = new OrderedHandoff[1];
        self[0] = new OrderedHandoff<>(lock, decision -> {
            handedOn.add(decision);
            if (decision.equals("first")) {
                // Another caller deciding meanwhile: its flush returns at once, as one thread is delivering.
                synchronized (lock) {
                    self[0].add("added meanwhile");
                }
                self[0].flush();
                assertEquals(List.of("first"), handedOn);
            }
        });
        synchronized (lock) {
            self[0].add("first");
            self[0].add("second");
        }
        self[0].flush();
        assertEquals(List.of("first", "second", "added meanwhile"), handedOn);
    }

    @Test
    void aFailingDeliveryDoesNotStopTheOnesQueuedBehindIt() {
        List<String> handedOn = new ArrayList<>();
        OrderedHandoff<String> handoff = new OrderedHandoff<>(lock, decision -> {
            if (decision.equals("broken")) {
                throw new IllegalStateException("a connection gone wrong");
            }
            handedOn.add(decision);
        });
        synchronized (lock) {
            handoff.add("broken");
            handoff.add("after");
        }
        handoff.flush();
        assertEquals(List.of("after"), handedOn);
    }
}
