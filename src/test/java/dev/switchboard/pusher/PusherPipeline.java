package dev.switchboard.pusher;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.db.Database;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.notifier.EventListener;
import dev.switchboard.notifier.Sequencer;
import dev.switchboard.testing.ManualClock;
import dev.switchboard.testing.ManualExecutor;
import dev.switchboard.ws.RealtimeCore;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * One node's event pipeline on a real database, without the web server: the sequencer, the listener and the
 * dispatcher of a real core, publishing to a {@link RecordingDirectory}.
 */
public final class PusherPipeline implements AutoCloseable {
    public static final PusherApp APP = new PusherApp("app-1", "key-1", "secret-1");

    public final RecordingDirectory directory = new RecordingDirectory();
    private final Sequencer sequencer;
    private final EventListener listener;

    private PusherPipeline(DatabaseUrl url, String nodeId, List<PusherApp> apps) throws SQLException {
        ManualClock clock = new ManualClock();
        RealtimeCore.Settings settings = new RealtimeCore.Settings(nodeId, Duration.ofSeconds(10),
                Duration.ofSeconds(6), Duration.ofSeconds(5), 64, Duration.ofSeconds(10), 20, 40, 64 * 1024,
                Duration.ofSeconds(60));
        RealtimeCore core = RealtimeCore.create(settings, new TokenVerifier("pipeline-test-secret-long-enough-0123456789",
                        null), new ObjectMapper(), clock, clock, new ManualExecutor(), NodeMetrics.detached(),
                new ChannelPublisher(apps, directory));
        sequencer = Sequencer.start(() -> Database.openSequencerConnection(url, nodeId));
        listener = new EventListener(() -> Database.openListenerConnection(url, nodeId), core.dispatcher());
        listener.start();
    }

    /** Starts a pipeline for {@link #APP} on a migrated database. */
    public static PusherPipeline start(DatabaseUrl url, String nodeId) throws SQLException {
        return start(url, nodeId, List.of(APP));
    }

    public static PusherPipeline start(DatabaseUrl url, String nodeId, List<PusherApp> apps) throws SQLException {
        return new PusherPipeline(url, nodeId, apps);
    }

    @Override
    public void close() {
        listener.close();
        sequencer.close();
    }
}
