package dev.switchboard.notifier;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The node that sequences is killed with SIGKILL (the packaged jar in its own process) while eight writers commit
 * without pause: its session ends with it, another node takes the lead, and every committed event is numbered
 * exactly once, densely, in each writer's commit order, and reaches the surviving node's client once, in order.
 */
class SequencerKillIT {
    private static final int WRITERS = 8;

    @Test
    void killedSequencerNodeIsReplacedAndNoEventIsLostSkippedOrNumberedTwice() throws Exception {
        DatabaseUrl url = TestDatabases.createDatabase();
        String database = TestDatabases.databaseName(url);
        // Started first, so it leads.
        try (ServerProcess doomed = ServerProcess.start(url, Map.of("NODE_ID", "doomed"))) {
            int before = SequencerFailoverTest.leaderPid(database);
            try (TestServer survivor = TestServer.start(url, Map.of("NODE_ID", "survivor"));
                 WsClient agent = survivor.agent(1);
                 EventLedger.Reader reader = new EventLedger.Reader(database)) {
                assertEquals(before, SequencerFailoverTest.leaderPid(database), "the process still leads");
                EventLedger.Writers writers = new EventLedger.Writers(database, WRITERS, 9000);
                List<List<String>> committed;
                try (writers) {
                    writers.awaitMore(500);
                    doomed.kill();
                    assertFalse(doomed.process().isAlive());
                    writers.awaitMore(500);
                    assertNotEquals(before, SequencerFailoverTest.leaderPid(database), "another node leads");
                    committed = writers.stop();
                }
                EventLedger.assertEveryEventDeliveredOnceInOrder(database, committed, reader, agent);
            }
        }
    }
}
