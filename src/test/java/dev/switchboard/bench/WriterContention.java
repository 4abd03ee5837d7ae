package dev.switchboard.bench;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.config.Durations;
import dev.switchboard.db.Database;
import dev.switchboard.notifier.Sequencer;
import org.postgresql.PGConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The writer-contention benchmark: how much an app transaction that pushes an event costs compared with one that
 * does not, under 1, 8 and 64 concurrent writers, before (migration 1: global lock + NOTIFY at COMMIT) and after
 * (the sequencer), and the COMMIT-to-receive latency at a steady rate.
 *
 * <p>One real PostgreSQL (embedded, fsync on, synchronous_commit on unless a run sets it off for its writers) with
 * three databases side by side: {@code bench_before} migrated to version 1 only, {@code bench_previous} to the
 * version {@code --previous} names (default 10, the release before the latest notify-path change; 4 was the first
 * sequencer, which stamped every event row at COMMIT), {@code bench_after} migrated to the latest, the last two
 * each with a running {@link Sequencer}. Each has a reader doing what a node's listener does (LISTEN, then
 * {@code WHERE id > last}). Runs are interleaved (every configuration once per repetition), and the report gives
 * medians over the repetitions. Not part of the test suite: see bench/README.md.
 */
public final class WriterContention {
    private static final String APP_TX_INSERT = "INSERT INTO bench_messages (conversation_id, body) VALUES (?, ?)";

    /** What each app transaction does besides its own INSERT. */
    enum Mode {
        NONE("no notify", null, null),
        /** One more statement that does nothing: what the extra round trip of any notify call costs by itself. */
        ROUND_TRIP("a second statement, SELECT 1", "after", "SELECT 1"),
        /**
         * The app runs its own INSERT twice (one index, no checks): what any second row in the app's transaction
         * costs, however small.
         */
        SECOND_ROW("a second row of the app's", "after", APP_TX_INSERT),
        /**
         * The app writes a second row shaped like an event (the same columns, defaults, checks and indexes as
         * {@code realtime.events}) into a table of its own, and nothing else: what keeping the event in a table in
         * the app's transaction costs before any notifier work, the floor of every design that does.
         */
        EVENT_ROW("event-shaped row, no notifier", "after",
                "INSERT INTO bench_event_rows (event, audience, conversation_id, data)"
                        + " VALUES ('new_message', 'conversation', ?, ?::jsonb)"),
        BARE_NOTIFY("bare pg_notify", "before", "SELECT pg_notify('bench', '')"),
        BEFORE("notify_new_message, before", "before", "SELECT realtime.notify_new_message(?, ?::jsonb)"),
        PREVIOUS("notify_new_message, previous", "previous",
                "SELECT realtime.notify_new_message(?, ?::jsonb)"),
        AFTER("notify_new_message, after", "after", "SELECT realtime.notify_new_message(?, ?::jsonb)"),
        TYPING_BEFORE("notify_typing, before", "before", "SELECT realtime.notify_typing(?, 7, true)"),
        TYPING_AFTER("notify_typing, after", "after", "SELECT realtime.notify_typing(?, 7, true)");

        final String label;
        final String database;
        final String sql;
        /** How many parameters {@link #sql} takes. */
        final int parameters;

        Mode(String label, String database, String sql) {
            this.label = label;
            this.database = database;
            this.sql = sql;
            this.parameters = sql == null ? 0 : (int) sql.chars().filter(c -> c == '?').count();
        }
    }

    record Result(double commitsPerSecond, double p99Millis) {
    }

    private final BenchPostgres postgres;
    private final int previous;
    /** The latest version's sequencer's batch spacing ({@code --spacing}); the previous one keeps the default. */
    private final Duration spacing;
    private final Map<String, List<Connection>> writers = new LinkedHashMap<>();
    private final Map<String, Reader> readers = new LinkedHashMap<>();

    private WriterContention(BenchPostgres postgres, int previous, Duration spacing) {
        this.postgres = postgres;
        this.previous = previous;
        this.spacing = spacing;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            options.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "4"));
        int reps = Integer.parseInt(options.getOrDefault("reps", "3"));
        int[] writerCounts = Arrays.stream(options.getOrDefault("writers", "1,8,64").split(","))
                .mapToInt(Integer::parseInt).toArray();
        String[] syncNames = options.getOrDefault("sync", "on,off").split(",");
        boolean[] syncs = new boolean[syncNames.length];
        for (int i = 0; i < syncNames.length; i++) {
            syncs[i] = syncNames[i].equals("on");
        }
        int rate = Integer.parseInt(options.getOrDefault("rate", "500"));
        int latencySeconds = Integer.parseInt(options.getOrDefault("latency-seconds", "10"));
        Path out = Path.of(options.getOrDefault("out", "bench/results/writer-contention-raw.md"));
        Path dataDir = Path.of(options.getOrDefault("data", "target/bench-pg")).toAbsolutePath();
        int previous = Integer.parseInt(options.getOrDefault("previous", "10"));
        Duration spacing = Durations.parse(options.getOrDefault("spacing",
                Sequencer.DEFAULT_BATCH_SPACING.toMillis() + "ms"));
        if (previous < 2) {
            throw new IllegalArgumentException("--previous must be a migration with the sequencer, 2 or later");
        }

        try (BenchPostgres postgres = BenchPostgres.start(dataDir,
                Map.of("synchronous_commit", "on", "max_connections", "300"))) {
            new WriterContention(postgres, previous, spacing)
                    .run(seconds, reps, writerCounts, syncs, rate, latencySeconds, out);
        }
    }

    private void run(int seconds, int reps, int[] writerCounts, boolean[] syncs, int rate, int latencySeconds,
                     Path out)
            throws Exception {
        int maxWriters = Arrays.stream(writerCounts).max().orElse(1);
        StringBuilder env = new StringBuilder();
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
            for (String setting : List.of("server_version", "fsync", "synchronous_commit", "wal_sync_method",
                    "shared_buffers", "data_directory")) {
                try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
                    rs.next();
                    env.append("- ").append(setting).append(": ").append(rs.getString(1)).append('\n');
                }
            }
            s.execute("CREATE DATABASE bench_before");
            s.execute("CREATE DATABASE bench_previous");
            s.execute("CREATE DATABASE bench_after");
        }
        env.append("- previous: migration ").append(previous).append('\n');
        env.append("- batch spacing of the latest version's sequencer: ").append(spacing.toMillis())
                .append(" ms (previous: ").append(Sequencer.DEFAULT_BATCH_SPACING.toMillis()).append(" ms)\n");
        env.append("- cores: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
        postgres.migrate("bench_before", "1");
        postgres.migrate("bench_previous", Integer.toString(previous));
        postgres.migrate("bench_after", null);
        for (String db : List.of("bench_before", "bench_previous", "bench_after")) {
            try (Connection c = postgres.connect(db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE bench_messages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                        + " conversation_id bigint NOT NULL, body text NOT NULL,"
                        + " created_at timestamptz NOT NULL DEFAULT now())");
                // No trigger: LIKE copies the columns, defaults, checks and indexes only.
                s.execute("CREATE TABLE bench_event_rows (LIKE realtime.events INCLUDING ALL)");
            }
            List<Connection> pool = new ArrayList<>();
            for (int i = 0; i < maxWriters; i++) {
                Connection c = postgres.connect(db);
                c.setAutoCommit(false);
                pool.add(c);
            }
            writers.put(db, pool);
            readers.put(db, new Reader(postgres.connect(db)));
        }
        DatabaseUrl after = new DatabaseUrl(postgres.url("bench_after"), "postgres", null);
        DatabaseUrl previousUrl = new DatabaseUrl(postgres.url("bench_previous"), "postgres", null);
        // The previous version's sequencer runs the same Java pacing: the comparison is of the SQL paths.
        try (Sequencer sequencer = Sequencer.start(() -> Database.openSequencerConnection(after, "bench"), spacing);
             Sequencer previousSequencer =
                     Sequencer.start(() -> Database.openSequencerConnection(previousUrl, "bench-previous"))) {
            // results[writers][sc][mode] -> one Result per repetition
            Map<String, List<Result>> results = new LinkedHashMap<>();
            Map<String, List<double[]>> latencies = new LinkedHashMap<>();
            for (int rep = 0; rep < reps; rep++) {
                for (int n : writerCounts) {
                    for (boolean sync : syncs) {
                        for (Mode mode : Mode.values()) {
                            Result r = throughput(mode, n, sync, seconds);
                            String key = n + "|" + sync + "|" + mode;
                            results.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
                            System.out.printf("rep %d writers %d sync %s %-28s %8.0f commits/s  p99 %.2f ms%n",
                                    rep + 1, n, sync ? "on " : "off", mode.label, r.commitsPerSecond, r.p99Millis);
                        }
                    }
                }
                for (Mode mode : List.of(Mode.BEFORE, Mode.PREVIOUS, Mode.AFTER)) {
                    double[] l = latency(mode, rate, latencySeconds);
                    latencies.computeIfAbsent(mode.name(), k -> new ArrayList<>()).add(l);
                    System.out.printf("rep %d latency %-28s from COMMIT call p50 %.2f ms p99 %.2f ms;"
                            + " from COMMIT return p50 %.2f ms p99 %.2f ms (%d events)%n",
                            rep + 1, mode.label, l[0], l[1], l[3], l[4], (long) l[2]);
                }
            }
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report(results, latencies, writerCounts, syncs, seconds, reps, rate, latencySeconds,
                    env.toString()));
            System.out.println("Report written to " + out);
        } finally {
            for (List<Connection> pool : writers.values()) {
                for (Connection c : pool) {
                    c.close();
                }
            }
            for (Reader r : readers.values()) {
                r.close();
            }
        }
    }

    /** {@code n} writers run app transactions as fast as they can for {@code seconds} (after a 1 s warm-up). */
    private Result throughput(Mode mode, int n, boolean sync, int seconds) throws Exception {
        String db = mode.database == null ? "bench_after" : "bench_" + mode.database;
        List<Connection> pool = writers.get(db).subList(0, n);
        for (Connection c : pool) {
            try (Statement s = c.createStatement()) {
                s.execute("SET synchronous_commit = " + (sync ? "on" : "off"));
            }
            c.commit();
        }
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean running = new AtomicBoolean(true);
        long[][] samples = new long[n][];
        int[] counts = new int[n];
        CountDownLatch done = new CountDownLatch(n);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            int writer = w;
            Connection c = pool.get(w);
            samples[w] = new long[400_000];
            Thread t = new Thread(() -> {
                try (PreparedStatement insert = c.prepareStatement(APP_TX_INSERT);
                     PreparedStatement notify = mode.sql == null ? null : c.prepareStatement(mode.sql)) {
                    long i = 0;
                    while (running.get()) {
                        long start = System.nanoTime();
                        long conversation = 1000 + writer;
                        insert.setLong(1, conversation);
                        insert.setString(2, "message " + i);
                        insert.execute();
                        if (notify != null) {
                            // Every statement takes the conversation first and the event's data second, if at all.
                            if (mode.parameters >= 1) {
                                notify.setLong(1, conversation);
                            }
                            if (mode.parameters == 2) {
                                notify.setString(2, "{\"id\":" + i + ",\"content\":\"message " + i + "\"}");
                            }
                            notify.execute();
                        }
                        c.commit();
                        i++;
                        if (measuring.get() && counts[writer] < samples[writer].length) {
                            samples[writer][counts[writer]++] = System.nanoTime() - start;
                        }
                    }
                } catch (SQLException e) {
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            });
            t.start();
            threads.add(t);
        }
        Thread.sleep(1000);
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        long elapsed = System.nanoTime() - start;
        running.set(false);
        done.await(60, TimeUnit.SECONDS);
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        long[] all = new long[(int) total];
        int at = 0;
        for (int w = 0; w < n; w++) {
            System.arraycopy(samples[w], 0, all, at, counts[w]);
            at += counts[w];
        }
        Arrays.sort(all);
        double p99 = all.length == 0 ? Double.NaN : all[(int) Math.min(all.length - 1, all.length * 0.99)] / 1e6;
        settle(db);
        return new Result(total / (elapsed / 1e9), p99);
    }

    /**
     * Writers commit {@code rate} events per second, paced; for each event, the time from calling COMMIT to the
     * node-side reader having the row. Returns {p50 ms, p99 ms, events}.
     */
    private double[] latency(Mode mode, int rate, int seconds) throws Exception {
        String db = "bench_" + mode.database;
        int n = 4;
        List<Connection> pool = writers.get(db).subList(0, n);
        Reader reader = readers.get(db);
        Map<Long, long[]> committing = new ConcurrentHashMap<>();
        reader.record(true);
        long periodNanos = TimeUnit.SECONDS.toNanos(1) * n / rate;
        long begin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long end = begin + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(n);
        for (int w = 0; w < n; w++) {
            int writer = w;
            Connection c = pool.get(w);
            new Thread(() -> {
                try (Statement s = c.createStatement()) {
                    s.execute("SET synchronous_commit = on");
                    c.commit();
                    try (PreparedStatement insert = c.prepareStatement(APP_TX_INSERT);
                         PreparedStatement notify = c.prepareStatement(mode.sql)) {
                        long next = begin + periodNanos * writer / n;
                        long i = 0;
                        while (next < end) {
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            insert.setLong(1, 2000 + writer);
                            insert.setString(2, "paced " + i);
                            insert.execute();
                            notify.setLong(1, 2000 + writer);
                            notify.setString(2, "{\"paced\":" + i + "}");
                            long key;
                            try (ResultSet rs = notify.executeQuery()) {
                                rs.next();
                                key = rs.getLong(1);
                            }
                            long commitCalled = System.nanoTime();
                            c.commit();
                            committing.put(key, new long[] {commitCalled, System.nanoTime()});
                            next += periodNanos;
                            i++;
                        }
                    }
                } catch (SQLException e) {
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            }).start();
        }
        done.await(seconds + 60L, TimeUnit.SECONDS);
        settle(db);
        Thread.sleep(500);
        reader.record(false);
        List<Long> fromCall = new ArrayList<>();
        List<Long> fromReturn = new ArrayList<>();
        long missing = 0;
        for (Map.Entry<Long, long[]> e : committing.entrySet()) {
            Long received = reader.received.get(e.getKey());
            if (received == null) {
                missing++;
            } else {
                fromCall.add(received - e.getValue()[0]);
                // The node can have the row before the app hears that COMMIT returned: that counts as zero.
                fromReturn.add(Math.max(0, received - e.getValue()[1]));
            }
        }
        reader.received.clear();
        if (missing > 0) {
            System.out.println("WARNING: " + missing + " events not received");
        }
        long[] call = fromCall.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] ret = fromReturn.stream().mapToLong(Long::longValue).sorted().toArray();
        return new double[] {percentile(call, 0.5), percentile(call, 0.99), call.length, percentile(ret, 0.5),
                percentile(ret, 0.99)};
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, sorted.length * p)] / 1e6;
    }

    /** Waits until every committed event has an id and the reader has read it, so runs do not overlap. */
    private void settle(String db) throws Exception {
        try (Connection c = postgres.connect(db); Statement s = c.createStatement()) {
            for (int i = 0; i < 3000; i++) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE id IS NULL), coalesce(max(id), 0)"
                        + " FROM realtime.events")) {
                    rs.next();
                    if (rs.getLong(1) == 0 && readers.get(db).last >= rs.getLong(2)) {
                        return;
                    }
                }
                Thread.sleep(10);
            }
        }
        System.out.println("WARNING: " + db + " did not settle");
    }

    private static String report(Map<String, List<Result>> results, Map<String, List<double[]>> latencies,
                                 int[] writerCounts, boolean[] syncs, int seconds, int reps, int rate,
                                 int latencySeconds,
                                 String env) {
        StringBuilder md = new StringBuilder();
        md.append("# Writer contention: raw run (").append(LocalDateTime.now().withNano(0)).append(")\n\n");
        md.append("App transaction: `BEGIN; INSERT INTO bench_messages ...; [notify]; COMMIT`, each writer on its own")
                .append(" connection, ").append(seconds).append(" s measured after 1 s warm-up; ").append(reps)
                .append(" interleaved repetitions; medians. Loss is against \"no notify\" with the same writers and")
                .append(" synchronous_commit.\n\n").append(env).append('\n');
        for (boolean sync : syncs) {
            md.append("## synchronous_commit = ").append(sync ? "on" : "off").append("\n\n");
            md.append("| writers |");
            for (Mode m : Mode.values()) {
                md.append(' ').append(m.label).append(" |");
            }
            md.append("\n|---|").append("---|".repeat(Mode.values().length)).append('\n');
            Map<Integer, Map<Mode, Double>> rates = new LinkedHashMap<>();
            for (int n : writerCounts) {
                md.append("| ").append(n).append(" |");
                Map<Mode, Double> rate0 = new LinkedHashMap<>();
                for (Mode m : Mode.values()) {
                    List<Result> rs = results.get(n + "|" + sync + "|" + m);
                    double cps = median(rs.stream().mapToDouble(Result::commitsPerSecond).toArray());
                    double p99 = median(rs.stream().mapToDouble(Result::p99Millis).toArray());
                    rate0.put(m, cps);
                    md.append(String.format(" %,.0f/s (p99 %.1f ms) |", cps, p99));
                }
                rates.put(n, rate0);
                md.append('\n');
            }
            md.append("\nLoss of commit rate against \"no notify\":\n\n| writers |");
            for (Mode m : Mode.values()) {
                if (m != Mode.NONE) {
                    md.append(' ').append(m.label).append(" |");
                }
            }
            md.append(" notify_new_message after, beyond the event-shaped row |\n|---|")
                    .append("---|".repeat(Mode.values().length)).append('\n');
            for (Map.Entry<Integer, Map<Mode, Double>> e : rates.entrySet()) {
                Map<Mode, Double> rate0 = e.getValue();
                double base = rate0.get(Mode.NONE);
                md.append("| ").append(e.getKey()).append(" |");
                for (Mode m : Mode.values()) {
                    if (m != Mode.NONE) {
                        md.append(String.format(" %.0f %% |", 100 * (1 - rate0.get(m) / base)));
                    }
                }
                md.append(String.format(" %.0f %% |%n", 100 * (1 - rate0.get(Mode.AFTER) / rate0.get(Mode.EVENT_ROW))));
            }
            md.append('\n');
        }
        md.append("## COMMIT-to-receive at ").append(rate).append(" events/s (").append(latencySeconds)
                .append(" s per repetition, medians of the repetitions' percentiles)\n\n")
                .append("| design | from COMMIT call: p50 | p99 | from COMMIT return: p50 | p99 |\n")
                .append("|---|---|---|---|---|\n");
        for (Map.Entry<String, List<double[]>> e : latencies.entrySet()) {
            double[] m = new double[5];
            for (int i : new int[] {0, 1, 3, 4}) {
                m[i] = median(e.getValue().stream().mapToDouble(a -> a[i]).toArray());
            }
            md.append(String.format("| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n", Mode.valueOf(e.getKey()).label,
                    m[0], m[1], m[3], m[4]));
        }
        return md.toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** What a node's listener does: LISTEN, and on each notification read {@code id > last} in id order. */
    static final class Reader implements AutoCloseable {
        final Map<Long, Long> received = new ConcurrentHashMap<>();
        private final Connection connection;
        private final Thread thread;
        private volatile boolean running = true;
        private volatile boolean recording;
        volatile long last;

        Reader(Connection connection) throws SQLException {
            this.connection = connection;
            try (Statement s = connection.createStatement()) {
                s.execute("LISTEN realtime_events");
                s.execute("LISTEN realtime_ephemeral");
                s.execute("LISTEN bench");
                try (ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM realtime.events")) {
                    rs.next();
                    last = rs.getLong(1);
                }
            }
            thread = new Thread(this::run, "bench-reader");
            thread.setDaemon(true);
            thread.start();
        }

        void record(boolean on) {
            recording = on;
        }

        private void run() {
            try (PreparedStatement fetch = connection.prepareStatement(
                    "SELECT id, event_key FROM realtime.events WHERE id > ? ORDER BY id LIMIT 500")) {
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (running) {
                    pg.getNotifications(250);
                    int rows;
                    do {
                        rows = 0;
                        fetch.setLong(1, last);
                        try (ResultSet rs = fetch.executeQuery()) {
                            while (rs.next()) {
                                rows++;
                                if (recording) {
                                    received.put(rs.getLong(2), System.nanoTime());
                                }
                                last = rs.getLong(1);
                            }
                        }
                    } while (rows == 500);
                }
            } catch (SQLException e) {
                if (running) {
                    e.printStackTrace();
                }
            }
        }

        @Override
        public void close() throws SQLException {
            running = false;
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            connection.close();
        }
    }
}
