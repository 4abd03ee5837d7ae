package dev.switchboard.bench;

import dev.switchboard.notifier.EventListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one app transaction that pushes an event costs the database, in the backend's own CPU time: the probe behind
 * the notify functions' shape. Not part of the test suite: see bench/README.md.
 *
 * <p>CPU time per transaction, unlike throughput, hardly moves when other work shares the machine: the backend's
 * run time (from {@code /proc/PID/schedstat}, nanoseconds; {@code /proc/PID/stat} utime+stime as a fallback) is
 * read before and after {@code --tx} app transactions, each {@code INSERT INTO an app table; [event]; COMMIT}, run by
 * a procedure in that backend with {@code synchronous_commit = off}, so that waiting for the WAL flush is not in it.
 * Every variant has its own warm connection, the variants run interleaved, and the report gives the median of the
 * repetitions.
 *
 * <p>Databases side by side in one embedded PostgreSQL: {@code cost_v9} migrated to version 9, {@code cost_latest}
 * to the latest, and each of them again without the two resume indexes (to price those per insert). Nobody numbers
 * the events (no sequencer): the tables are truncated before every run, so each run starts from the same state.
 */
public final class NotifyCost {
    private static final String PAYLOAD = "{\"id\": 48213, \"body\": \"Hello, I ordered the blue one last week and it"
            + " still has not arrived. The tracking page says it left the warehouse on Monday. Could you check"
            + " where it is? Thanks!\", \"sender\": {\"id\": 7, \"name\": \"Ada Customer\", \"role\": \"customer\"},"
            + " \"created_at\": \"2026-12-02T04:00:00Z\", \"attachments\": []}";
    private static final String CONVERSATION = "(i % 100 + 1)";

    /** One kind of app transaction: what it does besides its own INSERT, and on which databases it runs. */
    record Variant(String name, String statement, List<String> databases) {
    }

    private record Run(double microsPerTx, double walBytesPerTx) {
    }

    private final BenchPostgres postgres;

    private NotifyCost(BenchPostgres postgres) {
        this.postgres = postgres;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            options.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        int tx = Integer.parseInt(options.getOrDefault("tx", "500"));
        int reps = Integer.parseInt(options.getOrDefault("reps", "15"));
        Path out = Path.of(options.getOrDefault("out", "bench/results/notify-cost.md"));
        Path dataDir = Path.of(options.getOrDefault("data", "target/notify-cost-pg")).toAbsolutePath();

        try (BenchPostgres postgres = BenchPostgres.start(dataDir, Map.of("jit", "off"))) {
            new NotifyCost(postgres).run(tx, reps, out);
        }
    }

    private static List<Variant> variants() {
        String msg = "'" + PAYLOAD + "'::jsonb";
        List<String> both = List.of("cost_v9", "cost_latest");
        return List.of(
                new Variant("plain INSERT + COMMIT (no event)", null, both),
                new Variant("+ direct INSERT INTO realtime.events (floor, no function)",
                        "INSERT INTO realtime.events (event, audience, conversation_id, data) VALUES ('new_message',"
                                + " 'conversation_and_staff', " + CONVERSATION + ", jsonb_build_object("
                                + "'conversation_id', " + CONVERSATION + ", 'message', " + msg + "))", both),
                new Variant("+ notify_new_message", "PERFORM realtime.notify_new_message(" + CONVERSATION + ", "
                        + msg + ")", List.of("cost_v9", "cost_latest", "cost_v9_noresume", "cost_latest_noresume")),
                new Variant("+ notify_user", "PERFORM realtime.notify_user(" + CONVERSATION + ", 'app.reminder', "
                        + msg + ")", List.of("cost_v9", "cost_latest", "cost_v9_noresume", "cost_latest_noresume")),
                new Variant("+ notify_message_read", "PERFORM realtime.notify_message_read(" + CONVERSATION
                        + ", i, 7)", both),
                new Variant("+ broadcast, 1 channel (array form, as the HTTP API calls it)",
                        "PERFORM realtime.broadcast(ARRAY['private-conversation.' || " + CONVERSATION + "],"
                                + " 'App\\Events\\MessageSent', " + msg + ", NULL, NULL)", both),
                new Variant("+ broadcast(channel, event, data)", "PERFORM realtime.broadcast('private-conversation.'"
                        + " || " + CONVERSATION + ", 'App\\Events\\MessageSent', " + msg + ")", both),
                new Variant("+ notify_typing", "PERFORM realtime.notify_typing(" + CONVERSATION + ", 7, true)", both),
                new Variant("+ notify_new_message without SET search_path (experiment, not shipped)",
                        "PERFORM public.bench_notify_new_message_noset(" + CONVERSATION + ", " + msg + ")",
                        List.of("cost_latest")));
    }

    private void run(int tx, int reps, Path out) throws Exception {
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        StringBuilder env = new StringBuilder();
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
            for (String setting : List.of("server_version", "fsync", "shared_buffers", "jit")) {
                env.append("- ").append(setting).append(": ").append(show(s, setting)).append('\n');
            }
            for (String db : List.of("cost_v9", "cost_latest", "cost_v9_noresume", "cost_latest_noresume")) {
                s.execute("CREATE DATABASE " + db);
            }
        }
        env.append("- synchronous_commit: off (set by each probe session)\n");
        env.append("- cores: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
        env.append("- CPU clock: ").append(Files.exists(Path.of("/proc/self/schedstat"))
                ? "/proc/PID/schedstat (ns)" : "/proc/PID/stat utime+stime (ticks)").append('\n');
        postgres.migrate("cost_v9", "9");
        postgres.migrate("cost_v9_noresume", "9");
        postgres.migrate("cost_latest", null);
        postgres.migrate("cost_latest_noresume", null);
        String latestVersion;
        try (Connection c = postgres.connect("cost_latest"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT max(version::int) FROM realtime.flyway_schema_history"
                     + " WHERE success")) {
            rs.next();
            latestVersion = "V" + rs.getInt(1);
        }
        for (String db : List.of("cost_v9_noresume", "cost_latest_noresume")) {
            try (Connection c = postgres.connect(db); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT string_agg(indexrelid::regclass::text, ', ')"
                         + " FROM pg_index WHERE indrelid = 'realtime.events'::regclass"
                         + " AND (indexprs IS NULL) AND indpred IS NOT NULL")) {
                rs.next();
                String partial = rs.getString(1);
                env.append("- ").append(db).append(": dropped the partial indexes ").append(partial).append('\n');
                if (partial != null) {
                    for (String index : partial.split(", ")) {
                        s.execute("DROP INDEX " + index);
                    }
                }
            }
        }
        try (Connection c = postgres.connect("cost_latest"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_get_functiondef("
                     + "'realtime.notify_new_message(bigint, jsonb)'::regprocedure)")) {
            rs.next();
            String noSet = rs.getString(1)
                    .replace("FUNCTION realtime.notify_new_message(", "FUNCTION public.notify_new_message(")
                    // PL/pgSQL code names its parameters after the function.
                    .replace("notify_new_message", "bench_notify_new_message_noset")
                    .replaceAll("(?m)^ SET search_path TO .*$", "");
            s.execute(noSet);
        }

        List<Variant> variants = variants();
        Set<String> databases = new LinkedHashSet<>();
        variants.forEach(v -> databases.addAll(v.databases));
        Map<String, Connection> connections = new LinkedHashMap<>();
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        try {
            for (String db : databases) {
                try (Connection c = postgres.connect(db); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE bench_messages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                            + " conversation_id bigint NOT NULL, body text NOT NULL,"
                            + " created_at timestamptz NOT NULL DEFAULT now())");
                    for (int v = 0; v < variants.size(); v++) {
                        if (variants.get(v).databases.contains(db)) {
                            s.execute(procedure(v, variants.get(v)));
                        }
                    }
                }
            }
            for (int v = 0; v < variants.size(); v++) {
                for (String db : variants.get(v).databases) {
                    Connection c = postgres.connect(db);
                    try (Statement s = c.createStatement()) {
                        s.execute("SET synchronous_commit = off");
                        s.execute("CALL bench_variant_" + v + "(200)");
                    }
                    connections.put(v + "|" + db, c);
                }
            }
            for (int rep = 0; rep < reps; rep++) {
                for (int v = 0; v < variants.size(); v++) {
                    // Alternate which database goes first, so neither side of a pair always runs second.
                    List<String> order = new ArrayList<>(variants.get(v).databases);
                    if (rep % 2 == 1) {
                        java.util.Collections.reverse(order);
                    }
                    for (String db : order) {
                        Run r = measure(connections.get(v + "|" + db), db, v, tx);
                        runs.computeIfAbsent(v + "|" + db, k -> new ArrayList<>()).add(r);
                        System.out.printf("rep %d %-22s %-70s %7.1f us/tx %6.0f B WAL/tx%n", rep + 1, db,
                                variants.get(v).name, r.microsPerTx, r.walBytesPerTx);
                    }
                }
            }
        } finally {
            for (Connection c : connections.values()) {
                c.close();
            }
        }
        StringBuilder plans = new StringBuilder();
        for (String db : List.of("cost_v9", "cost_latest")) {
            plans.append(explainReplay(db, db.equals("cost_v9") ? "V9" : latestVersion));
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report(variants, runs, tx, reps, env.toString(), latestVersion, loadBefore, loadAfter)
                + plans);
        System.out.println("Report written to " + out);
    }

    /** The procedure that runs {@code n} app transactions of variant {@code v}, each one COMMIT. */
    private static String procedure(int v, Variant variant) {
        return "CREATE PROCEDURE bench_variant_" + v + "(n int) LANGUAGE plpgsql AS $body$\n"
                + "BEGIN\n"
                + "    FOR i IN 1..n LOOP\n"
                + "        INSERT INTO bench_messages (conversation_id, body) VALUES (" + CONVERSATION
                + ", 'message body');\n"
                + (variant.statement == null ? "" : "        " + variant.statement + ";\n")
                + "        COMMIT;\n"
                + "    END LOOP;\n"
                + "END\n$body$";
    }

    private Run measure(Connection c, String db, int v, int tx) throws Exception {
        try (Connection admin = postgres.connect(db); Statement s = admin.createStatement()) {
            s.execute("TRUNCATE bench_messages, realtime.events, realtime.transient_events");
            if (exists(s, "realtime.event_commits")) {
                s.execute("TRUNCATE realtime.event_commits");
            }
        }
        long pid;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getLong(1);
        }
        String walBefore = wal(c);
        long cpuBefore = cpuNanos(pid);
        try (Statement s = c.createStatement()) {
            s.execute("CALL bench_variant_" + v + "(" + tx + ")");
        }
        long cpuAfter = cpuNanos(pid);
        String walAfter = wal(c);
        double walBytes;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff('" + walAfter + "', '" + walBefore + "')")) {
            rs.next();
            walBytes = rs.getDouble(1);
        }
        return new Run((cpuAfter - cpuBefore) / 1e3 / tx, walBytes / tx);
    }

    /**
     * The plans of resume's replay queries (the same SQL as DatabaseReplaySource) on a table of 200,000 numbered
     * events and 1,000 not numbered yet: the generic plan, which a prepared statement settles on, and the custom plan
     * of a replay over the whole table. Each must read one index range of the feed, not every event after the id.
     */
    private String explainReplay(String db, String label) throws SQLException {
        String select = "SELECT " + EventListener.COLUMNS + " FROM realtime.events WHERE id > $1 AND id <= $2 AND ";
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("one conversation, customer", select
                + "conversation_id = $3 AND audience IN ('conversation', 'conversation_and_staff') ORDER BY id LIMIT $4");
        queries.put("one conversation, agent", select
                + "conversation_id = $3 AND audience = 'conversation' ORDER BY id LIMIT $4");
        queries.put("personal, customer", select + "((audience = 'user' AND user_id = $3)) ORDER BY id LIMIT $4");
        queries.put("personal, agent", select
                + "((audience = 'user' AND user_id = $3) OR audience IN ('staff', 'conversation_and_staff'))"
                + " ORDER BY id LIMIT $4");
        StringBuilder r = new StringBuilder("\n## Resume's replay plans, ").append(label).append("\n\n");
        try (Connection c = postgres.connect(db); Statement s = c.createStatement()) {
            s.execute("TRUNCATE realtime.events");
            s.execute("INSERT INTO realtime.events (id, event, audience, conversation_id, user_id, data)"
                    + " SELECT g, CASE WHEN g % 10 < 8 THEN 'new_message' WHEN g % 10 = 8 THEN 'app.note'"
                    + " ELSE 'agent_status' END,"
                    + " CASE WHEN g % 10 < 7 THEN 'conversation_and_staff' WHEN g % 10 = 7 THEN 'conversation'"
                    + " WHEN g % 10 = 8 THEN 'user' ELSE 'staff' END,"
                    + " CASE WHEN g % 10 < 8 THEN g % 2000 END, CASE WHEN g % 10 = 8 THEN g % 2000 END,"
                    + " '{\"k\": 1}' FROM generate_series(1, 200000) g");
            s.execute("INSERT INTO realtime.events (event, audience, conversation_id, data)"
                    + " SELECT 'new_message', 'conversation_and_staff', g % 2000, '{}' FROM generate_series(1, 1000) g");
            s.execute("ANALYZE realtime.events");
            s.execute("SET plan_cache_mode = force_generic_plan");
            int n = 0;
            for (Map.Entry<String, String> q : queries.entrySet()) {
                String name = "replay_" + n++;
                s.execute("PREPARE " + name + "(bigint, bigint, bigint, int) AS " + q.getValue());
                r.append("`").append(q.getKey()).append("`, generic plan:\n\n```\n")
                        .append(plan(s, "EXPLAIN (COSTS OFF) EXECUTE " + name + "(195000, 200000, 17, 1001)"))
                        .append("```\n\n");
            }
            s.execute("SET plan_cache_mode = force_custom_plan");
            n = 0;
            for (Map.Entry<String, String> q : queries.entrySet()) {
                r.append("`").append(q.getKey()).append("`, custom plan, replay from id 0:\n\n```\n")
                        .append(plan(s, "EXPLAIN (COSTS OFF) EXECUTE replay_" + n++ + "(0, 200000, 17, 1001)"))
                        .append("```\n\n");
            }
        }
        return r.toString();
    }

    private static String plan(Statement s, String explain) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = s.executeQuery(explain)) {
            while (rs.next()) {
                plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    private static String wal(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean exists(Statement s, String relation) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + relation + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** The backend's CPU time so far: schedstat's run time, or utime+stime at 100 ticks a second. */
    static long cpuNanos(long pid) throws IOException {
        Path schedstat = Path.of("/proc/" + pid + "/schedstat");
        if (Files.exists(schedstat)) {
            return Long.parseLong(Files.readString(schedstat).trim().split(" ")[0]);
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // Fields after the command name, which is in parentheses and may contain spaces.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
    }

    private static String report(List<Variant> variants, Map<String, List<Run>> runs, int tx, int reps, String env,
                                 String latest, String loadBefore, String loadAfter) {
        StringBuilder r = new StringBuilder();
        r.append("# Notify cost: backend CPU per app transaction\n\n");
        r.append("Generated by `bench/notify-cost.sh` (dev.switchboard.bench.NotifyCost) at ")
                .append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(".\n\n");
        r.append(env);
        r.append("- load average (1, 5, 15 min, runnable/total, last pid): before ").append(loadBefore)
                .append("; after ").append(loadAfter).append('\n');
        r.append("- ").append(tx).append(" app transactions per run, ").append(reps)
                .append(" interleaved repetitions, each variant on its own warm connection\n\n");
        r.append("Each transaction: `INSERT INTO bench_messages ...; [event]; COMMIT` in a procedure loop. The message")
                .append(" data is ").append(PAYLOAD.length()).append(" bytes of JSON. `latest` is ").append(latest)
                .append(". CPU is the backend's own, in microseconds per transaction (the WAL writer's flush is not")
                .append(" in it). Other work on the machine slows every run of a repetition alike (the same run")
                .append(" can take twice the CPU time when a neighbour is busy), so the comparisons are paired: the")
                .append(" two sides run back to back in every repetition, and the table gives the median of the")
                .append(" per-repetition differences next to each side's median and minimum.\n\n");
        r.append("| app transaction | V9 median (min) | ").append(latest).append(" median (min) | ").append(latest)
                .append(" - V9, paired median | WAL/tx V9 | WAL/tx ").append(latest).append(" |\n");
        r.append("|---|---|---|---|---|---|\n");
        for (int v = 0; v < variants.size(); v++) {
            List<Run> before = runs.get(v + "|cost_v9");
            List<Run> after = runs.get(v + "|cost_latest");
            r.append("| ").append(variants.get(v).name)
                    .append(" | ").append(before == null ? "" : cell(before))
                    .append(" | ").append(after == null ? "" : cell(after))
                    .append(" | ").append(before == null || after == null ? "" : paired(after, before))
                    .append(" | ").append(before == null ? "" : wal(before))
                    .append(" | ").append(after == null ? "" : wal(after)).append(" |\n");
        }
        int withSet = indexOf(variants, "+ notify_new_message");
        int withoutSet = indexOf(variants, "+ notify_new_message without SET search_path (experiment, not shipped)");
        r.append("\nThe `SET search_path` clause of ").append(latest).append("'s notify_new_message: with it - without it,")
                .append(" paired median: ").append(paired(runs.get(withSet + "|cost_latest"),
                        runs.get(withoutSet + "|cost_latest"))).append(".\n");
        r.append("\nThe two partial resume indexes (V9: `events_conversation_id`, `events_user_id`; V10: the same with")
                .append(" `id IS NOT NULL`, so an event enters them when the sequencer numbers it), priced per app")
                .append(" transaction: the same variant with them against a copy of the schema without them.\n\n");
        r.append("| app transaction | schema | with - without, paired median | with, median (min) |")
                .append(" without, median (min) | WAL/tx with | WAL/tx without |\n");
        r.append("|---|---|---|---|---|---|---|\n");
        for (int v = 0; v < variants.size(); v++) {
            for (String db : List.of("cost_v9", "cost_latest")) {
                List<Run> with = runs.get(v + "|" + db);
                List<Run> without = runs.get(v + "|" + db + "_noresume");
                if (with != null && without != null) {
                    r.append("| ").append(variants.get(v).name).append(" | ")
                            .append(db.equals("cost_v9") ? "V9" : latest)
                            .append(" | ").append(paired(with, without))
                            .append(" | ").append(cell(with)).append(" | ").append(cell(without))
                            .append(" | ").append(wal(with)).append(" | ").append(wal(without)).append(" |\n");
                }
            }
        }
        return r.toString();
    }

    private static int indexOf(List<Variant> variants, String name) {
        for (int v = 0; v < variants.size(); v++) {
            if (variants.get(v).name.equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static String cell(List<Run> runs) {
        double[] us = runs.stream().mapToDouble(Run::microsPerTx).toArray();
        return String.format("%.0f us (%.0f)", median(us), Arrays.stream(us).min().orElse(Double.NaN));
    }

    /** The median of {@code a - b} over the repetitions, which ran side by side. */
    private static String paired(List<Run> a, List<Run> b) {
        double[] diff = new double[Math.min(a.size(), b.size())];
        double[] ratio = new double[diff.length];
        for (int i = 0; i < diff.length; i++) {
            diff[i] = a.get(i).microsPerTx - b.get(i).microsPerTx;
            ratio[i] = a.get(i).microsPerTx / b.get(i).microsPerTx;
        }
        return String.format("%+.0f us (%+.0f %%)", median(diff), (median(ratio) - 1) * 100);
    }

    private static String wal(List<Run> runs) {
        return String.format("%.0f B", median(runs.stream().mapToDouble(Run::walBytesPerTx).toArray()));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
