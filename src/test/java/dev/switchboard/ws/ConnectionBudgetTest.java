package dev.switchboard.ws;

import dev.switchboard.ws.ConnectionBudget.Phase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the handshake guard counts places against MAX_CONNECTIONS. */
class ConnectionBudgetTest {

    @Test
    void halfOpenConnectionsHoldPlacesSoTheUpgradeOverTheLimitIsRefused() {
        ConnectionBudget budget = new ConnectionBudget(2);
        budget.move(Phase.NEW, Phase.AWAITING_HEADERS);
        budget.move(Phase.AWAITING_HEADERS, Phase.UPGRADING);
        assertTrue(budget.admitsUpgrade(), "first upgrade");
        budget.move(Phase.UPGRADING, Phase.OPEN);

        budget.move(Phase.NEW, Phase.AWAITING_HEADERS); // trickling, never completes
        budget.move(Phase.NEW, Phase.AWAITING_HEADERS);
        budget.move(Phase.AWAITING_HEADERS, Phase.UPGRADING);
        assertFalse(budget.admitsUpgrade(), "one open and one half-open already fill a budget of two");
        budget.move(Phase.UPGRADING, Phase.CLOSED);

        budget.move(Phase.AWAITING_HEADERS, Phase.CLOSED); // the trickler timed out
        budget.move(Phase.NEW, Phase.AWAITING_HEADERS);
        budget.move(Phase.AWAITING_HEADERS, Phase.UPGRADING);
        assertTrue(budget.admitsUpgrade(), "the timed-out connection gave its place back");
        assertEquals(2, budget.held());
    }

    @Test
    void plainHttpRequestsHoldNoPlaceWhileServedButDoWhileIdle() {
        ConnectionBudget budget = new ConnectionBudget(1);
        budget.move(Phase.NEW, Phase.AWAITING_HEADERS);
        budget.move(Phase.AWAITING_HEADERS, Phase.SERVING_HTTP);
        assertEquals(0, budget.held());
        budget.move(Phase.SERVING_HTTP, Phase.AWAITING_HEADERS);
        assertEquals(1, budget.held());
        budget.move(Phase.AWAITING_HEADERS, Phase.CLOSED);
        assertEquals(0, budget.held());
    }

    @Test
    void noMoreThanMaxConnectionsMayWaitForHeadersAtOnce() {
        ConnectionBudget budget = new ConnectionBudget(2);
        budget.move(Phase.NEW, Phase.AWAITING_HEADERS);
        assertTrue(budget.roomToAwait());
        budget.move(Phase.NEW, Phase.AWAITING_HEADERS);
        assertFalse(budget.roomToAwait());
        budget.move(Phase.AWAITING_HEADERS, Phase.UPGRADING);
        assertTrue(budget.roomToAwait(), "a connection that sent its headers no longer waits");
    }
}
