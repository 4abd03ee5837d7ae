'use strict';
// Coordinator: starts each server pinned to its core, drives the scenarios through the generator workers and
// the push paths, interleaving servers within every repetition, and writes the raw results as JSON.
// Usage: node bench.js [--smoke] [--key=value ...]   (run.sh sets up PostgreSQL, Redis and the jar first)
const { fork } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Hist } = require('./lib/hist');
const { mint } = require('./lib/jwt');
const { makeServers, sleep } = require('./lib/servers');
const { makePusher, now } = require('./lib/pushers');

const HERE = __dirname;
const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  return m ? [m[1], m[2] === undefined ? 'true' : m[2]] : [a, 'true'];
}));
const smoke = args.smoke === 'true';
const list = (s) => String(s).split(',').map((x) => x.trim()).filter(Boolean);
const num = (k, full, small) => Number(args[k] ?? (smoke ? small : full));

const cfg = {
  smoke,
  reps: num('reps', 3, 1),
  servers: list(args.servers ?? 'switchboard,node-ws,laravel-echo'),
  scenarios: list(args.scenarios ?? 'idle,latency,fanout,paced,storm,slow'),
  idleCounts: list(args['idle-counts'] ?? (smoke ? '1000' : '10000,19000')).map(Number),
  idleSeconds: num('idle-seconds', 30, 5),
  rates: list(args.rates ?? (smoke ? '100,300' : '100,300,500,1000')).map(Number),
  rateSeconds: num('rate-seconds', 20, 3),
  agents: num('agents', 200, 200),
  conversations: num('conversations', 100, 100),
  contactsPerConversation: num('contacts-per-conversation', 3, 3),
  fanoutShapes: list(args['fanout-shapes'] ?? (smoke ? '1x200,10x20' : '1x1000,100x100')),
  fanoutDeliveries: num('fanout-deliveries', 2000000, 40000),
  pacedSubscribers: num('paced-subscribers', 1000, 200),
  pacedRates: list(args['paced-rates'] ?? (smoke ? '50,100' : '50,100,150,200')).map(Number),
  pacedSeconds: num('paced-seconds', 10, 3),
  stormClients: num('storm-clients', 19000, 1000),
  stormConcurrency: num('storm-concurrency', 2000, 200),
  stormRetries: num('storm-retries', 3, 3),
  stormMissed: num('storm-missed', 5, 2),
  slowClients: num('slow-clients', 1000, 200),
  slowChannels: num('slow-channels', 10, 10),
  slowRate: num('slow-rate', 100, 50),
  slowSeconds: num('slow-seconds', 30, 4),
  slowEvery: num('slow-every', 100, 100),
  perWorker: num('clients-per-worker', 9000, 9000),
  pushConnections: num('push-connections', 4, 4),
  syncCommit: (args['synchronous-commit'] ?? 'off') === 'on',
  serverCore: num('server-core', 1, 1),
  generatorCore: num('generator-core', 0, 0),
  pgPort: num('pg-port', 25499, 25499),
  redisPort: num('redis-port', 6390, 6390),
  jar: args.jar ?? path.resolve(HERE, '../../target/switchboard.jar'),
  javaOpts: args['java-opts'] ?? process.env.BENCH_JAVA_OPTS ?? '',
  workDir: args['work-dir'] ?? path.resolve(HERE, '../.work'),
  out: args.out ?? path.resolve(HERE, '../results', `fanout-${smoke ? 'smoke' : 'full'}-raw.json`),
  ports: { switchboard: 18080, nodews: 18090, echo: 16001 },
};
cfg.secret = 'bench-secret-0123456789-0123456789-0123456789';
fs.mkdirSync(cfg.workDir, { recursive: true });

const log = (...a) => console.log(new Date().toISOString().slice(11, 19), ...a);

// ---- generator workers -------------------------------------------------------------------------------------
let workers = [];
let reqId = 0;

function request(w, msg) {
  return new Promise((resolve) => {
    const id = ++reqId;
    const onMsg = (m) => { if (m.id === id) { w.off('message', onMsg); resolve(m); } };
    w.on('message', onMsg);
    w.send({ ...msg, id });
  });
}
const all = (msg) => Promise.all(workers.map((w) => request(w, msg)));

function localAddress(i, n) {
  // One source address has ~28k ephemeral ports, and the previous case's connections may still hold theirs in
  // TIME_WAIT: past 8,000 connections spread the clients over 127.0.0.x, at most 8,000 per address.
  const addrs = Math.ceil(n / 8000);
  return addrs > 1 ? `127.0.0.${1 + (i % addrs)}` : undefined;
}

async function connectClients(server, clients, concurrency) {
  const n = Math.max(1, Math.ceil(clients.length / cfg.perWorker));
  workers = Array.from({ length: n }, () => fork(path.join(HERE, 'lib/worker.js'), [], { stdio: 'inherit' }));
  const shares = workers.map(() => []);
  clients.forEach((c, i) => { c.localAddress = localAddress(i, clients.length); shares[i % n].push(c); });
  const replies = await Promise.all(workers.map((w, i) => request(w, {
    cmd: 'setup', adapter: server.adapter, port: server.port, clients: shares[i],
    concurrency: Math.max(1, Math.round(concurrency / n)),
  })));
  return mergeConnect(replies);
}

function mergeConnect(replies) {
  const ready = new Hist();
  const errors = {};
  let ok = 0, failed = 0, retried = 0, seconds = 0;
  for (const r of replies) {
    ok += r.ok; failed += r.failed; retried += r.retried || 0; ready.merge(r.ready); seconds = Math.max(seconds, r.seconds);
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] || 0) + v;
  }
  return { ok, failed, retried, errors, ready: ready.summary(), seconds };
}

async function closeClients() {
  await all({ cmd: 'close' });
  for (const w of workers) w.send({ cmd: 'exit' });
  workers = [];
}

async function gather() {
  const rs = await all({ cmd: 'stats' });
  const h = new Hist();
  let deliveries = 0, open = 0, cpuUs = 0, rss = 0;
  for (const r of rs) { h.merge(r.hist); deliveries += r.deliveries; open += r.open; cpuUs += r.cpu.user + r.cpu.system; rss += r.rss; }
  const own = process.cpuUsage();
  cpuUs += own.user + own.system;
  return { hist: h, deliveries, open, cpuUs, rss };
}

// Waits until the expected deliveries arrived, or nothing arrived for quietMs.
async function drain(expected, quietMs = 5000, capMs = 600000) {
  const start = Date.now();
  let last = -1, lastChange = Date.now(), lastArrival = now();
  for (;;) {
    const s = await gather();
    if (s.deliveries !== last) { last = s.deliveries; lastChange = Date.now(); lastArrival = now(); }
    if (s.deliveries >= expected || Date.now() - lastChange > quietMs || Date.now() - start > capMs) {
      return { ...s, lastArrival };
    }
    await sleep(100);
  }
}

const tokenFor = (id, role, conversations) => mint(cfg.secret, {
  sub: String(id), role, name: `u${id}`, conversations: conversations || [], exp: Math.floor(Date.now() / 1000) + 6 * 3600,
});
const contact = (id, channel, checked = false) => ({ id, channel, checked, token: tokenFor(id, 'contact', [channel]) });
const agent = (id) => ({ id, channel: null, checked: false, token: tokenFor(id, 'agent') });

// ---- pushing -----------------------------------------------------------------------------------------------
// Paced: event i is sent at start + i/rate, round-robin over channels; bounded in flight so a push path that
// cannot keep up shows as a lower achieved rate instead of an unbounded queue in the generator.
/**
 * Pushes at each of `rates` events/s for `seconds` and drains after each: the deliveries, latency percentiles and
 * CPU of every step. `reset` is the workers' command run before each step (`reset` forgets sequences too,
 * `resetCounts` keeps them for a check at the end); `perEvent` is how many deliveries one event makes.
 */
async function steadyRates(server, pusher, { rates, seconds, channels, withAgents, perEvent, reset, seqs, label }) {
  const steps = [];
  for (const rate of rates) {
    await all({ cmd: reset });
    const endCpu = cpuWindow(server), endGen = await genWindow();
    const push = await pushPaced(pusher, rate, seconds, channels, withAgents, seqs);
    const expected = push.events * perEvent;
    const d = await drain(expected, 3000, 120000);
    const cpu = endCpu(), genCpuPct = await endGen();
    steps.push({
      rate, achievedRate: push.events / push.seconds, dropped: push.dropped, expected, deliveries: d.deliveries,
      deliveriesPerSec: d.deliveries / seconds, ...d.hist.summary(), cpuPct: cpu.cpuPct, genCpuPct,
    });
    log(`  ${server.name} ${label}${rate}/s: p50 ${fmt(d.hist.pct(50))} p99 ${fmt(d.hist.pct(99))} ms, ${d.deliveries}/${expected}`);
  }
  return steps;
}

async function pushPaced(pusher, rate, seconds, channels, withAgents, seqs) {
  const start = now();
  const inflight = new Set();
  let i = 0, dropped = 0;
  while (now() - start < seconds * 1000) {
    const due = Math.floor((now() - start) / 1000 * rate);
    while (i < due) {
      if (inflight.size >= 5000) { dropped += due - i; i = due; break; }
      const ch = channels[i % channels.length];
      const q = seqs[ch] = (seqs[ch] ?? -1) + 1;
      const p = pusher.send(ch, q, withAgents).catch((e) => { log('push failed', e.message); });
      inflight.add(p); p.finally(() => inflight.delete(p));
      i++;
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  const sent = Object.values(seqs).reduce((a, b) => a + b + 1, 0);
  return { events: i - dropped, dropped, seconds: (now() - start) / 1000, sent };
}

// Flat out: every lane sends its next event as soon as the previous one was accepted.
async function pushFlatOut(pusher, events, channels, seqs) {
  let i = 0;
  const start = now();
  async function lane() {
    while (i < events) {
      const ch = channels[i++ % channels.length];
      const q = seqs[ch] = (seqs[ch] ?? -1) + 1;
      await pusher.send(ch, q, false);
    }
  }
  await Promise.all(Array.from({ length: pusher.lanes }, lane));
  return { events, pushSeconds: (now() - start) / 1000 };
}

// ---- measuring the server ----------------------------------------------------------------------------------
async function heapKb(server) {
  try { return await server.heapAfterGcKb(); } catch (e) { log('heap read failed', e.message); return null; }
}
function cpuWindow(server) {
  const c0 = server.cpuSeconds(), t0 = now();
  return () => ({ cpuPct: 100 * (server.cpuSeconds() - c0) / ((now() - t0) / 1000) });
}
async function genWindow() {
  const s0 = await gather(), t0 = now();
  return async () => { const s1 = await gather(); return 100 * (s1.cpuUs - s0.cpuUs) / 1000 / (now() - t0); };
}
const channelsOf = (n) => Array.from({ length: n }, (_, i) => i + 1);

// ---- scenarios ---------------------------------------------------------------------------------------------
const scenarios = {
  async idle(server, n) {
    await sleep(2000);
    const rss0 = server.rssKb(), heap0 = await heapKb(server);
    const clients = Array.from({ length: n }, (_, i) => contact(100000 + i, (i % cfg.conversations) + 1));
    const conn = await connectClients(server, clients, 500);
    await sleep(5000);
    const heap1 = await heapKb(server);
    await sleep(2000);
    const rss1 = server.rssKb();
    const endCpu = cpuWindow(server), endGen = await genWindow();
    await sleep(cfg.idleSeconds * 1000);
    const cpu = endCpu(), genCpuPct = await endGen();
    const open = (await gather()).open;
    await closeClients();
    return {
      connections: conn.ok, failed: conn.failed, errors: conn.errors, openAtEnd: open,
      rssKb: rss1, rssBaseKb: rss0, heapKb: heap1, heapBaseKb: heap0,
      rssPerConnKb: (rss1 - rss0) / conn.ok, heapPerConnKb: heap1 != null && heap0 != null ? (heap1 - heap0) / conn.ok : null,
      idleCpuPct: cpu.cpuPct, threads: server.threads(), genCpuPct,
    };
  },

  async latency(server) {
    const clients = [];
    for (let a = 0; a < cfg.agents; a++) clients.push(agent(1 + a));
    for (let c = 1; c <= cfg.conversations; c++) {
      for (let k = 0; k < cfg.contactsPerConversation; k++) clients.push(contact(10000 + c * 10 + k, c));
    }
    const conn = await connectClients(server, clients, 200);
    const pusher = makePusher(server.name, cfg);
    await pusher.open();
    const channels = channelsOf(cfg.conversations);
    const perEvent = cfg.agents + cfg.contactsPerConversation;
    const seqs = {};
    await pushPaced(pusher, 100, 2, channels, true, seqs); // warm-up, not measured
    await drain(Infinity, 1000, 10000);
    const rates = await steadyRates(server, pusher, {
      rates: cfg.rates, seconds: cfg.rateSeconds, channels, withAgents: true, perEvent, reset: 'reset', seqs,
      label: '',
    });
    await pusher.close();
    await closeClients();
    return { connections: conn.ok, failed: conn.failed, errors: conn.errors, rates };
  },

  async fanout(server, shape) {
    const [convs, subs] = shape.split('x').map(Number);
    const clients = [];
    for (let c = 1; c <= convs; c++) for (let k = 0; k < subs; k++) clients.push(contact(200000 + c * 100000 + k, c, true));
    const conn = await connectClients(server, clients, 200);
    const pusher = makePusher(server.name, cfg);
    await pusher.open();
    const channels = channelsOf(convs);
    // Warm-up: a few events per channel, drained, then forgotten (sequence numbers restart at 0).
    await pushFlatOut(pusher, Math.max(20, convs * 2), channels, {});
    await drain(Math.max(20, convs * 2) * subs, 2000, 30000);
    await all({ cmd: 'reset' });
    const events = Math.max(convs, Math.round(cfg.fanoutDeliveries / subs));
    const expected = events * subs;
    const seqs = {};
    const endCpu = cpuWindow(server), endGen = await genWindow();
    const start = now();
    const push = await pushFlatOut(pusher, events, channels, seqs);
    const d = await drain(expected, 5000, 600000);
    const cpu = endCpu(), genCpuPct = await endGen();
    const seconds = (d.lastArrival - start) / 1000;
    const expectedPerChannel = Object.fromEntries(Object.entries(seqs).map(([k, v]) => [k, v + 1]));
    const checks = await all({ cmd: 'check', expected: expectedPerChannel });
    const missing = checks.reduce((a, r) => a + r.missing, 0), dup = checks.reduce((a, r) => a + r.dup, 0);
    await pusher.close();
    await closeClients();
    log(`  ${server.name} ${shape}: ${Math.round(d.deliveries / seconds)}/s p99 ${fmt(d.hist.pct(99))} ms missing ${missing} dup ${dup}`);
    return {
      shape, connections: conn.ok, failed: conn.failed, errors: conn.errors, events, expected, deliveries: d.deliveries,
      seconds, pushSeconds: push.pushSeconds, deliveriesPerSec: d.deliveries / seconds, ...d.hist.summary(),
      missing, dup, cpuPct: cpu.cpuPct, genCpuPct,
    };
  },

  // One conversation with many subscribers at steady rates: the latency of a large fan-out below saturation, i.e.
  // the p99 while delivering a given number of frames per second (the flat-out case above only says how fast).
  async paced(server) {
    const subs = cfg.pacedSubscribers;
    const clients = Array.from({ length: subs }, (_, k) => contact(900000 + k, 1, true));
    const conn = await connectClients(server, clients, 200);
    const pusher = makePusher(server.name, cfg);
    await pusher.open();
    const seqs = {};
    await pushPaced(pusher, 20, 2, [1], false, seqs); // warm-up, not measured
    await drain(Infinity, 1000, 10000);
    // resetCounts, not reset: the sequence check after the last rate covers every rate.
    const rates = await steadyRates(server, pusher, {
      rates: cfg.pacedRates, seconds: cfg.pacedSeconds, channels: [1], withAgents: false, perEvent: subs,
      reset: 'resetCounts', seqs, label: `1x${subs} at `,
    });
    const first = Object.fromEntries(Object.entries(seqs).map(([k, v]) => [k, v + 1]));
    const checks = await all({ cmd: 'check', expected: first });
    await pusher.close();
    await closeClients();
    return {
      subscribers: subs, connections: conn.ok, failed: conn.failed, errors: conn.errors, rates,
      missing: checks.reduce((a, r) => a + r.missing, 0), dup: checks.reduce((a, r) => a + r.dup, 0),
    };
  },

  // Every client holds a position (one event per conversation before the restart); more events are committed
  // while the server is down. A server with resume replays them to each reconnecting client; one without loses
  // them. Every client's sequence numbers are checked after the storm.
  async storm(server) {
    const clients = Array.from({ length: cfg.stormClients }, (_, i) => ({
      ...contact(500000 + i, (i % cfg.conversations) + 1, true), resume: true,
    }));
    const first = await connectClients(server, clients, cfg.stormConcurrency);
    const pusher = makePusher(server.name, cfg);
    await pusher.open();
    const channels = channelsOf(cfg.conversations);
    const seqs = {};
    await pushFlatOut(pusher, cfg.conversations, channels, seqs);
    await drain(clients.length, 3000, 60000);
    await server.stop();
    await pushFlatOut(pusher, cfg.conversations * cfg.stormMissed, channels, seqs);
    await server.start();
    const endGen = await genWindow();
    const replies = await Promise.all(workers.map((w) => request(w, {
      cmd: 'reconnect', port: server.port, concurrency: Math.max(1, Math.round(cfg.stormConcurrency / workers.length)),
      retries: cfg.stormRetries,
    })));
    const storm = mergeConnect(replies);
    storm.genCpuPct = await endGen();
    const expected = clients.length * (1 + cfg.stormMissed);
    await drain(expected, 5000, 120000);
    const perChannel = Object.fromEntries(Object.entries(seqs).map(([k, v]) => [k, v + 1]));
    const checks = await all({ cmd: 'check', expected: perChannel });
    const missing = checks.reduce((a, r) => a + r.missing, 0), dup = checks.reduce((a, r) => a + r.dup, 0);
    const notRecovered = checks.reduce((a, r) => a + (r.notRecovered || 0), 0);
    await pusher.close();
    await closeClients();
    log(`  ${server.name} storm: ${storm.ok} ok, ${storm.failed} failed, p95 ${fmt(storm.ready.p95)} ms; missed while down: ${clients.length * cfg.stormMissed}, missing ${missing}, dup ${dup}`);
    return {
      clients: cfg.stormClients, concurrency: cfg.stormConcurrency, firstConnect: first, storm,
      missedWhileDown: clients.length * cfg.stormMissed, missing, dup, notRecovered,
    };
  },

  async slow(server) {
    const clients = Array.from({ length: cfg.slowClients }, (_, i) => contact(700000 + i, (i % cfg.slowChannels) + 1));
    const conn = await connectClients(server, clients, 200);
    const pusher = makePusher(server.name, cfg);
    await pusher.open();
    const channels = channelsOf(cfg.slowChannels);
    const seqs = {};
    await pushPaced(pusher, cfg.slowRate, 2, channels, false, seqs);
    await drain(Infinity, 1000, 10000);
    const phase = async () => {
      await all({ cmd: 'reset' });
      const endGen = await genWindow();
      const push = await pushPaced(pusher, cfg.slowRate, cfg.slowSeconds, channels, false, seqs);
      const d = await drain(Infinity, 1000, 30000);
      const genCpuPct = await endGen();
      return { events: push.events, deliveries: d.deliveries, ...d.hist.summary(), genCpuPct, heapKb: await heapKb(server), rssKb: server.rssKb() };
    };
    const heapStart = await heapKb(server);
    const baseline = await phase();
    const paused = (await all({ cmd: 'pause', every: cfg.slowEvery })).reduce((a, r) => a + r.paused, 0);
    const slow = await phase();
    const open = (await gather()).open;
    await pusher.close();
    await closeClients();
    log(`  ${server.name} slow: p99 ${fmt(baseline.p99)} -> ${fmt(slow.p99)} ms, heap ${baseline.heapKb} -> ${slow.heapKb} KB`);
    return { connections: conn.ok, failed: conn.failed, paused, openAtEnd: open, heapStartKb: heapStart, baseline, slow };
  },
};

const fmt = (x) => (x == null ? '-' : x < 10 ? x.toFixed(2) : Math.round(x));

function cases() {
  const out = [];
  for (const s of cfg.scenarios) {
    if (s === 'idle') for (const n of cfg.idleCounts) out.push({ scenario: 'idle', param: n });
    else if (s === 'fanout') for (const sh of cfg.fanoutShapes) out.push({ scenario: 'fanout', param: sh });
    else out.push({ scenario: s, param: null });
  }
  return out;
}

async function main() {
  const servers = makeServers(cfg);
  const results = {
    config: { ...cfg, secret: undefined }, started: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0].model, memGb: Math.round(os.totalmem() / 2 ** 30), loadavg: os.loadavg(), kernel: os.release() },
    runs: [],
  };
  try {
    const { Client } = require('pg');
    const c = new Client({ host: '127.0.0.1', port: cfg.pgPort, user: 'postgres', database: 'switchboard' });
    await c.connect();
    results.machine.postgres = (await c.query('SHOW server_version')).rows[0].server_version;
    await c.end();
  } catch (e) { log('PostgreSQL version not read:', e.message); }
  const save = () => fs.writeFileSync(cfg.out, JSON.stringify(results, null, 1));
  for (const c of cases()) {
    for (let rep = 0; rep < cfg.reps; rep++) {
      // Rotate the order each repetition so no server always runs first (or right after the heaviest).
      const order = servers.map((_, i) => servers[(i + rep) % servers.length]);
      for (const server of order) {
        log(`${c.scenario}${c.param != null ? ' ' + c.param : ''} rep ${rep + 1}/${cfg.reps}: ${server.name}`);
        const load = os.loadavg()[0];
        let result;
        try {
          await server.start();
          result = await scenarios[c.scenario](server, c.param);
        } catch (e) {
          log(`  failed: ${e.stack}`);
          result = { error: String(e.message) };
          if (workers.length) await closeClients().catch(() => {});
        } finally {
          await server.stop();
        }
        results.runs.push({ ...c, rep, server: server.name, loadBefore: load, collector: server.collector, ...result });
        save();
      }
    }
  }
  results.finished = new Date().toISOString();
  save();
  log(`raw results: ${cfg.out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
