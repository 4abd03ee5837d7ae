'use strict';
// Turns bench.js's raw JSON into bench/results/fanout-<mode>.md and PNG charts (drawn by Charts.java, JDK only).
// Usage: node report.js RAW.json OUT_DIR [NAME]   (NAME defaults to fanout-full or fanout-smoke)
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const [rawPath, outDir, nameArg] = process.argv.slice(2);
const raw = JSON.parse(fs.readFileSync(rawPath, 'utf8'));
const cfg = raw.config;
const mode = cfg.smoke ? 'smoke' : 'full';
const name = nameArg || `fanout-${mode}`;
const servers = cfg.servers;
const SB = 'switchboard';
const peers = servers.filter((s) => s !== SB);

const median = (xs) => {
  const v = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const spread = (xs) => {
  const v = xs.filter((x) => x != null && !Number.isNaN(x));
  return v.length > 1 ? [Math.min(...v), Math.max(...v)] : null;
};
const f = (x, d) => {
  if (x == null || Number.isNaN(x)) return '–';
  const digits = d ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
};
// "median (min–max)" over the repetitions
const ms = (xs, d) => {
  const m = median(xs), s = spread(xs);
  return s ? `${f(m, d)} (${f(s[0], d)}–${f(s[1], d)})` : f(m, d);
};
// A p99 over 100 ms while the server used under 80 % of its core: the server was not what limited that run.
const dagger = (xs) => {
  const p99 = median(xs.map((x) => x.p99)), cpu = median(xs.map((x) => x.cpuPct));
  return p99 != null && cpu != null && p99 > 100 && cpu < 80 ? ' †' : '';
};
const DAGGER_NOTE = '† p99 over 100 ms while the server used under 80 % of its core: the server was probably not the limit in ' +
  'that run, the other core was (the generator, PostgreSQL, Redis, and on a shared machine whatever else runs there). Check the ' +
  'generator CPU column and the load recorded in the raw file before quoting the row.';
// Pushing took most of the run: the push path (PostgreSQL or Redis and the pusher, on the other core) set the pace.
const pushBound = (rs) => {
  const push = median(rs.map((r) => r.pushSeconds)), total = median(rs.map((r) => r.seconds));
  return push != null && total && push > 0.8 * total ? ' ‡' : '';
};
const ratio = (a, b) => (a == null || b == null || b === 0 ? '–' : `${f(a / b, 2)}×`);

const runs = (scenario, param, server) => raw.runs.filter((r) => r.scenario === scenario && r.server === server
  && (param == null || r.param === param) && !r.error);
const errors = raw.runs.filter((r) => r.error);
const params = (scenario) => [...new Set(raw.runs.filter((r) => r.scenario === scenario).map((r) => r.param))];

const out = [];
const w = (s = '') => out.push(s);
const charts = [];

function version(cmd, args, re) {
  const r = require('child_process').spawnSync(cmd, args, { encoding: 'utf8' });
  const o = `${r.stdout || ''}${r.stderr || ''}`;
  return (re.exec(o) || [])[1] || '?';
}
const pkgVersion = (n) => { try { return require(path.join(__dirname, 'node_modules', n, 'package.json')).version; } catch (e) { return '?'; } };

w(`# Fan-out benchmark: Switchboard, a plain Node \`ws\` server, laravel-echo-server + Redis`);
w();
if (cfg.smoke) {
  w('> **SMOKE RUN on a heavily loaded machine: small counts, one repetition.** It proves the harness works end to end');
  w(`> (${cfg.scenarios.join(', ')} against ${servers.join(', ')}); its numbers are **not** the headline figures and must`);
  w('> not be quoted as such.');
  w();
}
w(`Run ${raw.started} → ${raw.finished || '(unfinished)'}; ${raw.machine.cpus} × ${raw.machine.model}, ${raw.machine.memGb} GB, Linux ${raw.machine.kernel}; load average at start ${raw.machine.loadavg.map((x) => x.toFixed(1)).join(' / ')} (other work was running: each run records the 1-minute load before it starts, see the raw JSON).`);
w();
w('**What ran where.** Each server alone on core ' + cfg.serverCore + ' (`taskset -c ' + cfg.serverCore + '`); the load generator (Node, ' +
  'one coordinator + one worker process per ' + cfg.perWorker + ' connections), PostgreSQL and Redis on core ' + cfg.generatorCore + '. One server runs at a time; ' +
  'within each repetition every server runs the same case back to back, the order rotating between repetitions.');
w();
const collector = (raw.runs.find((r) => r.collector) || {}).collector;
w('| component | version and settings |');
w('|---|---|');
w(`| Switchboard | \`target/switchboard.jar\` of this commit, Java ${version('java', ['-version'], /version "([^"]+)"/)}${cfg.javaOpts ? `, \`${cfg.javaOpts}\`` : ', default JVM options'}${collector ? ` (collector: ${collector}; pinned to one core, the JVM picks Serial unless told otherwise)` : ''} |`);
w(`| plain Node \`ws\` server | \`bench/fanout/peers/ws-server.js\` on Node ${process.version}, ws ${pkgVersion('ws')}, ioredis ${pkgVersion('ioredis')}: JWT (HS256) auth, subscribe, Redis PUBLISH fanned out as the same bytes to every subscriber, ping every 30 s |`);
w(`| laravel-echo-server | ${pkgVersion('laravel-echo-server')} (socket.io ${pkgVersion('socket.io')}), Redis subscriber, public channels |`);
w(`| PostgreSQL | Debian's, ${raw.machine.postgres || '?'}, own cluster in \`bench/.work/pg\`, fsync on, pusher sessions \`synchronous_commit = ${cfg.syncCommit ? 'on' : 'off'}\` |`);
w(`| Redis | Debian's redis-server ${version('redis-server', ['--version'], /v=(\S+)/)}, no persistence |`);
w();
w('**How events are pushed.** Switchboard: the app\'s way, a transaction `BEGIN; SELECT realtime.notify_new_message(conv, \'{"q":…,"t":…}\'); COMMIT` ' +
  `sent in one round trip on one of ${cfg.pushConnections} connections; \`t\` is the pusher's clock as it sends the transaction, so latency is ` +
  'COMMIT-to-receive including the notify call and the commit. The peers: Redis `PUBLISH` as Laravel\'s redis broadcaster does, once per channel ' +
  'the event goes to (the conversation, and the agents\' channel where agents must see it, since neither peer has Switchboard\'s "every agent gets every ' +
  'conversation\'s messages" rule); `t` is taken as the PUBLISH is sent. Every delivery is matched by (channel, sequence number): missing and duplicate counts are exact.');
w();
w('**Adapters.** Switchboard: `auth` with a signed JWT, `subscribe`, wait for `subscribed`. Node `ws`: the same three steps with a JWT the ' +
  'server verifies. laravel-echo-server: engine.io 3 framing spoken directly on a `ws` socket (no socket.io-client, which would cost the ' +
  'generator far more per connection), public channels (no auth endpoint, and no acknowledgement of `subscribe`, so "ready" means the subscribe ' +
  'frame was sent); a private channel would add an HTTP round trip to the Laravel app per subscription, which this run does not measure.');
w();
w('Numbers are medians over the repetitions with (min–max) when there was more than one. Ratios are Switchboard ÷ peer (higher is better for ' +
  'throughput, lower for latency and memory).');
w();

// ---- 1 idle ----
if (params('idle').length) {
  w('## 1. Idle capacity');
  w();
  w(`Authenticated connections, each subscribed to one of ${cfg.conversations} conversations; memory measured before and after connecting (heap after a full GC: \`jcmd GC.run\` + \`GC.heap_info\` for the JVM, \`global.gc()\` + \`heapUsed\` for Node), CPU over ${cfg.idleSeconds} s of idleness from \`/proc/PID/stat\`.`);
  w();
  w('| connections | server | connected | RSS per connection (KB) | heap per connection (KB) | idle CPU (% of a core) | threads | generator CPU (%) |');
  w('|---|---|---|---|---|---|---|---|');
  const memChart = { cats: [], series: Object.fromEntries(servers.map((s) => [s, []])) };
  for (const n of params('idle')) {
    for (const s of servers) {
      const rs = runs('idle', n, s);
      w(`| ${f(n, 0)} | ${s} | ${ms(rs.map((r) => r.connections), 0)} | ${ms(rs.map((r) => r.rssPerConnKb), 1)} | ${ms(rs.map((r) => r.heapPerConnKb), 1)} | ${ms(rs.map((r) => r.idleCpuPct), 1)} | ${ms(rs.map((r) => r.threads), 0)} | ${ms(rs.map((r) => r.genCpuPct), 1)} |`);
    }
    memChart.cats.push(`RSS @${n}`, `heap @${n}`);
    for (const s of servers) {
      const rs = runs('idle', n, s);
      memChart.series[s].push(median(rs.map((r) => r.rssPerConnKb)), median(rs.map((r) => r.heapPerConnKb)));
    }
  }
  w();
  for (const n of params('idle')) {
    const sb = runs('idle', n, SB);
    for (const p of peers) {
      const pr = runs('idle', n, p);
      w(`- ${f(n, 0)} connections, Switchboard ÷ ${p}: RSS per connection ${ratio(median(sb.map((r) => r.rssPerConnKb)), median(pr.map((r) => r.rssPerConnKb)))}, heap per connection ${ratio(median(sb.map((r) => r.heapPerConnKb)), median(pr.map((r) => r.heapPerConnKb)))}.`);
    }
  }
  w();
  w('![memory per connection](' + name + '-memory.png)');
  w();
  charts.push({ name: 'memory', spec: ['type\tbar', 'title\tMemory per idle connection (KB, lower is better)', 'xlabel\t', 'ylabel\tKB per connection',
    'categories\t' + memChart.cats.join('\t'),
    ...servers.map((s) => 'series\t' + s + '\t' + memChart.series[s].map((v) => (v == null ? '-' : v.toFixed(2))).join('\t'))] });
}

/** A steady-rate scenario's steps of every repetition, as {server: {rate: [step, ...]}}. */
function stepsByServerAndRate(scenario) {
  const byServer = {};
  for (const s of servers) {
    byServer[s] = {};
    for (const r of runs(scenario, null, s)) for (const x of r.rates || []) (byServer[s][x.rate] ||= []).push(x);
  }
  return byServer;
}

// ---- 2 latency ----
if (params('latency').length) {
  w('## 2. COMMIT-to-receive latency');
  w();
  w(`${cfg.agents} agents + ${cfg.conversations} conversations × ${cfg.contactsPerConversation} contact subscribers; events paced at each rate for ${cfg.rateSeconds} s, each to ${cfg.agents + cfg.contactsPerConversation} connections (agents see every conversation's messages). A 2 s warm-up at 100/s precedes the rates, which run in ascending order on one server start.`);
  w();
  w('| rate (events/s) | server | achieved rate | deliveries/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | delivered / expected | server CPU (%) | generator CPU (%) |');
  w('|---|---|---|---|---|---|---|---|---|---|---|');
  const byServer = stepsByServerAndRate('latency');
  for (const rate of cfg.rates) {
    for (const s of servers) {
      const xs = byServer[s][rate] || [];
      w(`| ${rate} | ${s} | ${ms(xs.map((x) => x.achievedRate), 0)} | ${ms(xs.map((x) => x.deliveriesPerSec), 0)} | ${ms(xs.map((x) => x.p50))} | ${ms(xs.map((x) => x.p95))} | ${ms(xs.map((x) => x.p99))}${dagger(xs)} | ${ms(xs.map((x) => x.max))} | ${f(median(xs.map((x) => x.deliveries)), 0)} / ${f(median(xs.map((x) => x.expected)), 0)} | ${ms(xs.map((x) => x.cpuPct), 0)} | ${ms(xs.map((x) => x.genCpuPct), 0)} |`);
    }
  }
  w();
  w(DAGGER_NOTE);
  w();
  for (const s of servers) {
    const over = cfg.rates.find((rate) => (median((byServer[s][rate] || []).map((x) => x.p99)) ?? 0) > 100);
    w(`- ${s}: p99 passes 100 ms ${over ? `at ${over} events/s` : 'at none of the tested rates'}.`);
  }
  for (const p of peers) {
    const cells = cfg.rates.map((rate) => `${rate}/s ${ratio(median((byServer[SB][rate] || []).map((x) => x.p99)), median((byServer[p][rate] || []).map((x) => x.p99)))}`);
    w(`- p99 Switchboard ÷ ${p}: ${cells.join(', ')}.`);
  }
  w();
  w('![latency percentiles against rate](' + name + '-latency.png)');
  w();
  const seriesLines = [];
  for (const s of servers) {
    for (const p of ['p50', 'p99']) {
      seriesLines.push(`series\t${s} ${p}\t` + cfg.rates.map((rate) => {
        const v = median((byServer[s][rate] || []).map((x) => x[p]));
        return v == null ? '-' : `${rate}:${v.toFixed(3)}`;
      }).join('\t'));
    }
  }
  charts.push({ name: 'latency', spec: ['type\tline', 'title\tCOMMIT/PUBLISH-to-receive latency against rate (ms, log scale)', 'xlabel\tevents per second',
    'ylabel\tms', 'logy\ttrue', ...seriesLines] });
}

// ---- 3 fan-out ----
if (params('fanout').length) {
  w('## 3. Fan-out');
  w();
  w(`Contacts subscribed to conversations (shape = conversations × subscribers each), ~${f(cfg.fanoutDeliveries, 0)} deliveries per run, pushed as fast as each push path accepts them (${cfg.pushConnections} SQL connections for Switchboard, 64 PUBLISHes in flight for the peers). Deliveries/s = deliveries ÷ (first push → last delivery). Every contact's sequence numbers are checked.`);
  w();
  w('| shape | server | deliveries/s | p50 (ms) | p99 (ms) | max (ms) | push time (s) | missing | duplicate | server CPU (%) | generator CPU (%) |');
  w('|---|---|---|---|---|---|---|---|---|---|---|');
  const bars = Object.fromEntries(servers.map((s) => [s, []]));
  for (const sh of params('fanout')) {
    for (const s of servers) {
      const rs = runs('fanout', sh, s);
      w(`| ${sh} | ${s} | ${ms(rs.map((r) => r.deliveriesPerSec), 0)} | ${ms(rs.map((r) => r.p50))} | ${ms(rs.map((r) => r.p99))}${dagger(rs)} | ${ms(rs.map((r) => r.max))} | ${ms(rs.map((r) => r.pushSeconds))}${pushBound(rs)} | ${rs.map((r) => r.missing).join(', ')} | ${rs.map((r) => r.dup).join(', ')} | ${ms(rs.map((r) => r.cpuPct), 0)} | ${ms(rs.map((r) => r.genCpuPct), 0)} |`);
      bars[s].push(median(rs.map((r) => r.deliveriesPerSec)));
    }
  }
  w();
  w(DAGGER_NOTE);
  w('‡ pushing took over 80 % of the run: the push path (the pusher, PostgreSQL or Redis, on the other core) set the pace, not the server.');
  w();
  for (const sh of params('fanout')) {
    const sb = median(runs('fanout', sh, SB).map((r) => r.deliveriesPerSec));
    w(`- ${sh}: deliveries/s Switchboard ÷ ${peers.map((p) => `${p} ${ratio(sb, median(runs('fanout', sh, p).map((r) => r.deliveriesPerSec)))}`).join(', ')}.`);
  }
  w();
  w('![deliveries per second](' + name + '-deliveries.png)');
  w();
  charts.push({ name: 'deliveries', spec: ['type\tbar', 'title\tFan-out deliveries per second (higher is better)', 'xlabel\tconversations x subscribers',
    'ylabel\tdeliveries/s', 'categories\t' + params('fanout').join('\t'),
    ...servers.map((s) => 'series\t' + s + '\t' + bars[s].map((v) => (v == null ? '-' : v.toFixed(0))).join('\t'))] });
}

// ---- 3b paced fan-out ----
if (params('paced').length) {
  w('## 3b. Fan-out at a steady rate');
  w();
  w(`One conversation with ${f(cfg.pacedSubscribers, 0)} subscribers; events paced at each rate for ${cfg.pacedSeconds} s (deliveries/s = rate × subscribers), ascending, on one server start after a 2 s warm-up at 20/s. The latency of a large fan-out below saturation; the whole stream's sequence numbers are checked at the end.`);
  w();
  w('| events/s | server | achieved rate | deliveries/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | server CPU (%) | generator CPU (%) |');
  w('|---|---|---|---|---|---|---|---|---|---|');
  const byServer = stepsByServerAndRate('paced');
  for (const rate of cfg.pacedRates) {
    for (const s of servers) {
      const xs = byServer[s][rate] || [];
      w(`| ${rate} | ${s} | ${ms(xs.map((x) => x.achievedRate), 0)} | ${ms(xs.map((x) => x.deliveriesPerSec), 0)} | ${ms(xs.map((x) => x.p50))} | ${ms(xs.map((x) => x.p95))} | ${ms(xs.map((x) => x.p99))}${dagger(xs)} | ${ms(xs.map((x) => x.max))} | ${ms(xs.map((x) => x.cpuPct), 0)} | ${ms(xs.map((x) => x.genCpuPct), 0)} |`);
    }
  }
  w();
  w(DAGGER_NOTE);
  w();
  for (const s of servers) {
    const rs = runs('paced', null, s);
    const over = cfg.pacedRates.find((rate) => (median((byServer[s][rate] || []).map((x) => x.p99)) ?? 0) > 100);
    w(`- ${s}: p99 passes 100 ms ${over ? `at ${f(over * cfg.pacedSubscribers, 0)} deliveries/s` : 'at none of the tested rates'}; missing ${rs.map((r) => r.missing).join(', ')}, duplicate ${rs.map((r) => r.dup).join(', ')}.`);
  }
  w();
  w('![latency against deliveries per second](' + name + '-paced.png)');
  w();
  const seriesLines = [];
  for (const s of servers) {
    for (const p of ['p50', 'p99']) {
      seriesLines.push(`series\t${s} ${p}\t` + cfg.pacedRates.map((rate) => {
        const v = median((byServer[s][rate] || []).map((x) => x[p]));
        return v == null ? '-' : `${rate * cfg.pacedSubscribers}:${v.toFixed(3)}`;
      }).join('\t'));
    }
  }
  charts.push({ name: 'paced', spec: ['type\tline', `title\tFan-out 1 x ${cfg.pacedSubscribers} at steady rates: latency (ms, log scale)`,
    'xlabel\tdeliveries per second', 'ylabel\tms', 'logy\ttrue', ...seriesLines] });
}

// ---- 4 writer contention ----
w('## 4. Writer contention');
w();
if (fs.existsSync(path.join(outDir, 'writer-contention.md'))) {
  w('Measured by the writer-contention benchmark (`bench/run.sh`, `WriterContention`): see [writer-contention.md](writer-contention.md) and the last run\'s [raw output](writer-contention-raw.md).');
} else {
  w('Measured by the writer-contention benchmark (`bench/run.sh`, `WriterContention`), reported in `writer-contention.md` next to this file; it was not present when this report was written.');
}
w();

// ---- 5 storm ----
if (params('storm').length) {
  w('## 5. Reconnect storm');
  w();
  w(`${f(cfg.stormClients, 0)} authenticated, subscribed clients; the server is stopped (SIGTERM) and started again, and once it answers, every client reconnects, ${f(cfg.stormConcurrency, 0)} at a time: connect + auth + subscribe, timed per client.${cfg.stormClients < 20000 ? ` (${f(cfg.stormClients, 0)} rather than 20,000: the server process's descriptor limit here is 20,000, so 20,000 clients cannot all be open at once; \`--storm-clients\` sets it where the limit allows.)` : ''}`);
  w();
  w(`A refused or dropped attempt is retried at once, up to ${cfg.stormRetries ?? 0} times, the client's time running from its first attempt; "failed attempts" counts them and "errors" says what they were.`);
  w();
  const resumed = runs('storm', null, SB).some((r) => r.missedWhileDown != null);
  if (resumed) {
    w(`Before the restart every client receives one event of its conversation, so it holds a position; while the server is down, ${cfg.stormMissed ?? '–'} more events per conversation are committed (pushed), i.e. ${cfg.stormMissed ?? '–'} missed events per client. Switchboard's clients reconnect with \`last_event_id\` and \`epoch\`, as its browser client does; the peers have no resume, so their clients cannot get what was sent while they were away. After the storm every client's sequence numbers are checked: "missing" counts the missed events that never arrived, "duplicate" the ones that arrived twice.`);
    w();
  }
  w('| server | reconnected | gave up | failed attempts | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | whole storm (s) | generator CPU (%) | missed while down | missing after the storm | duplicate | errors |');
  w('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of servers) {
    const rs = runs('storm', null, s);
    const errs = {};
    for (const r of rs) for (const [k, v] of Object.entries(r.storm.errors || {})) errs[k] = (errs[k] || 0) + v;
    const errText = Object.entries(errs).map(([k, v]) => `${v} × ${k.replace(/\|/g, '/')}`).join('; ') || 'none';
    w(`| ${s} | ${ms(rs.map((r) => r.storm.ok), 0)} | ${ms(rs.map((r) => r.storm.failed), 0)} | ${ms(rs.map((r) => Object.values(r.storm.errors || {}).reduce((a, b) => a + b, 0)), 0)} | ${ms(rs.map((r) => r.storm.ready.p50))} | ${ms(rs.map((r) => r.storm.ready.p95))} | ${ms(rs.map((r) => r.storm.ready.p99))} | ${ms(rs.map((r) => r.storm.ready.max))} | ${ms(rs.map((r) => r.storm.seconds))} | ${ms(rs.map((r) => r.storm.genCpuPct), 0)} | ${rs.map((r) => r.missedWhileDown ?? '–').join(', ')} | ${rs.map((r) => r.missing ?? '–').join(', ')} | ${rs.map((r) => r.dup ?? '–').join(', ')} | ${errText} |`);
  }
  w();
  const sb = median(runs('storm', null, SB).map((r) => r.storm.ready.p95));
  w(`- p95 Switchboard ÷ ${peers.map((p) => `${p} ${ratio(sb, median(runs('storm', null, p).map((r) => r.storm.ready.p95)))}`).join(', ')}.${resumed ? '' : ' Resuming missed events is not measured in this run (it predates the resume check).'}`);
  w();
}

// ---- 6 slow ----
if (params('slow').length) {
  w('## 6. Slow consumers');
  w();
  w(`${f(cfg.slowClients, 0)} contacts over ${cfg.slowChannels} conversations, ${cfg.slowRate} events/s for ${cfg.slowSeconds} s with every client reading (baseline), then the same with 1 in ${cfg.slowEvery} clients no longer reading (socket paused). p99 of the clients that still read; heap after GC and RSS at the end of each phase.`);
  w();
  w('| server | paused | p99 baseline (ms) | p99 with slow clients (ms) | ratio | heap at start / after baseline / after slow phase (KB) | RSS after baseline / after slow phase (KB) | generator CPU (%) |');
  w('|---|---|---|---|---|---|---|---|');
  for (const s of servers) {
    const rs = runs('slow', null, s);
    const b = median(rs.map((r) => r.baseline.p99)), sl = median(rs.map((r) => r.slow.p99));
    w(`| ${s} | ${ms(rs.map((r) => r.paused), 0)} | ${ms(rs.map((r) => r.baseline.p99))} | ${ms(rs.map((r) => r.slow.p99))} | ${ratio(sl, b)} | ${f(median(rs.map((r) => r.heapStartKb)), 0)} / ${f(median(rs.map((r) => r.baseline.heapKb)), 0)} / ${f(median(rs.map((r) => r.slow.heapKb)), 0)} | ${f(median(rs.map((r) => r.baseline.rssKb)), 0)} / ${f(median(rs.map((r) => r.slow.rssKb)), 0)} | ${ms(rs.map((r) => r.slow.genCpuPct), 0)} |`);
  }
  w();
}

// ---- targets ----
w('## Against the targets');
w();
const fan = (sh, s) => median(runs('fanout', sh, s).map((r) => r.deliveriesPerSec));
for (const sh of params('fanout')) {
  w(`- Fan-out ${sh}: Switchboard ÷ node-ws ${ratio(fan(sh, SB), fan(sh, 'node-ws'))} (target ≥ 1.0×), ÷ laravel-echo ${ratio(fan(sh, SB), fan(sh, 'laravel-echo'))} (target ≥ 1.5×).`);
}
if (params('paced').length) {
  const rate = cfg.pacedRates.find((r) => r * cfg.pacedSubscribers >= 150000);
  const xs = runs('paced', null, SB).flatMap((r) => (r.rates || []).filter((x) => x.rate === rate));
  w(`- p99 while delivering ${rate ? f(rate * cfg.pacedSubscribers, 0) : '150,000'}/s (section 3b): ${xs.length ? `${f(median(xs.map((x) => x.p99)))} ms` : 'not in this run'} (target < 100 ms at 150,000/s).`);
}
if (params('latency').length) {
  const xs = runs('latency', null, SB).flatMap((r) => (r.rates || []).filter((x) => x.rate === 500));
  w(`- Latency at 500 events/s: p50 ${f(median(xs.map((x) => x.p50)))} ms (target ≤ 5), p99 ${f(median(xs.map((x) => x.p99)))} ms (target ≤ 25)${xs.length ? '' : ' — 500/s not in this run'}.`);
}
if (params('idle').length) {
  const n = Math.max(...params('idle'));
  const rs = runs('idle', n, SB);
  w(`- Idle at ${f(n, 0)} connections: ${f(median(rs.map((r) => r.rssPerConnKb)), 1)} KB RSS per connection (target ≤ 8), ${f(median(rs.map((r) => r.idleCpuPct)), 1)} % CPU (target ≤ 2).`);
}
w('- Writer contention: see section 4.');
w();
// The reading of a run (what limits each missed target, with the profiles taken to find out) is written by whoever
// ran it, next to the raw file; it is kept when the report is made again from the same raw file.
const notesPath = path.join(outDir, `${name}-notes.md`);
if (fs.existsSync(notesPath)) {
  w(fs.readFileSync(notesPath, 'utf8').trimEnd());
  w();
}
if (errors.length) {
  w('## Runs that failed');
  w();
  for (const e of errors) w(`- ${e.scenario} ${e.param ?? ''} rep ${e.rep + 1} ${e.server}: ${e.error}`);
  w();
}
w(`Raw results: [${path.basename(rawPath)}](${path.basename(rawPath)}). Rerun: \`bench/fanout/run.sh${cfg.smoke ? ' --smoke' : ''}\` (see bench/fanout/README.md).`);

const mdPath = path.join(outDir, `${name}.md`);
fs.writeFileSync(mdPath, out.join('\n') + '\n');

const tmp = fs.mkdtempSync('/tmp/fanout-charts-');
const chartArgs = [];
for (const c of charts) {
  const spec = path.join(tmp, `${c.name}.tsv`);
  fs.writeFileSync(spec, c.spec.join('\n') + '\n');
  chartArgs.push(spec, path.join(outDir, `${name}-${c.name}.png`));
}
if (chartArgs.length) {
  execFileSync('java', ['-Djava.awt.headless=true', path.join(__dirname, 'Charts.java'), ...chartArgs], { stdio: 'inherit' });
}
console.log(`report: ${mdPath}`);
