'use strict';
// A generator worker: holds a share of the client connections (each process stays under the per-process
// descriptor limit), records every delivery's latency into a histogram and every contact's sequence numbers
// into a bitset, and answers the coordinator over IPC.
const WebSocket = require('ws');
const { performance } = require('perf_hooks');
const { adapters, parseDelivery } = require('./adapters');
const { Hist } = require('./hist');

const now = () => performance.timeOrigin + performance.now();

let adapter = null;
let url = null;
let clients = [];
let hist = new Hist();
let deliveries = 0;
let keepaliveTimer = null;

function resetStats() {
  hist = new Hist();
  deliveries = 0;
  for (const c of clients) { c.bits = null; c.recv = 0; c.dup = 0; }
}

function markSeq(c, q) {
  const word = q >>> 5;
  if (!c.bits || word >= c.bits.length) {
    const grown = new Uint32Array(Math.max(64, (word + 1) * 2));
    if (c.bits) grown.set(c.bits);
    c.bits = grown;
  }
  const bit = 1 << (q & 31);
  if (c.bits[word] & bit) c.dup++;
  else c.bits[word] |= bit;
}

function connectOne(c, started = now()) {
  return new Promise((resolve) => {
    c.ready = false;
    c.closed = false;
    let settled = false;
    const done = (ok) => {
      if (settled) return;
      settled = true;
      c.ready = ok;
      c.readyMs = now() - started;
      resolve(ok);
    };
    const opts = { perMessageDeflate: false, handshakeTimeout: 60000 };
    if (c.localAddress) opts.localAddress = c.localAddress;
    let ws;
    try { ws = new WebSocket(url, opts); } catch (e) { done(false); return; }
    c.ws = ws;
    ws.on('open', () => adapter.open(c));
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      if (!c.ready) {
        const r = adapter.control(c, text);
        if (r === 'ready') done(true);
        else if (r === 'error') { c.error = text.slice(0, 200); done(false); }
        return;
      }
      const d = parseDelivery(text);
      if (!d || c.paused) return;
      deliveries++;
      c.recv++;
      hist.add(now() - d.t);
      if (c.checked) markSeq(c, d.q);
      if (c.resume && adapter.seen) adapter.seen(c, text);
    });
    ws.on('error', (e) => { c.error = String(e.message).slice(0, 200); done(false); });
    ws.on('close', (code) => { c.closed = true; c.closeCode = code; done(false); });
  });
}

// retries: how many times a refused or dropped attempt is tried again at once (as a browser client would after
// its backoff); the client's time then runs from its first attempt, and every failed attempt is counted.
async function connectAll(concurrency, retries = 0) {
  const readyHist = new Hist();
  let next = 0;
  let failed = 0, retried = 0;
  const errors = {};
  const started = now();
  async function lane() {
    while (next < clients.length) {
      const c = clients[next++];
      const first = now();
      let ok = false;
      for (let attempt = 0; attempt <= retries && !ok; attempt++) {
        if (attempt > 0) { retried++; c.error = null; }
        ok = await connectOne(c, first);
        if (!ok) { const k = c.error || `close ${c.closeCode}`; errors[k] = (errors[k] || 0) + 1; }
      }
      if (ok) readyHist.add(c.readyMs);
      else failed++;
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { ok: clients.length - failed, failed, retried, errors, ready: readyHist.toJSON(), seconds: (now() - started) / 1000 };
}

function startKeepalive() {
  if (keepaliveTimer || !adapter.keepalive) return;
  keepaliveTimer = setInterval(() => {
    for (const c of clients) if (c.ws && c.ws.readyState === 1 && !c.paused) c.ws.send(adapter.keepalive.frame);
  }, adapter.keepalive.intervalMs);
}

function check(expected) {
  // expected: { channel: count of events published to it }; only clients marked "checked" (contacts) count.
  let missing = 0, dup = 0, checkedClients = 0;
  for (const c of clients) {
    if (!c.checked || c.paused) continue;
    checkedClients++;
    dup += c.dup;
    const n = expected[c.channel] || 0;
    let have = 0;
    if (c.bits) for (let q = 0; q < n; q++) if (c.bits[q >>> 5] & (1 << (q & 31))) have++;
    missing += n - have;
  }
  const notRecovered = clients.reduce((a, c) => a + (c.notRecovered || 0), 0);
  return { missing, dup, checkedClients, notRecovered };
}

process.on('message', async (m) => {
  let reply;
  switch (m.cmd) {
    case 'setup':
      adapter = adapters[m.adapter];
      url = adapter.url(m.port);
      clients = m.clients.map((c) => ({ ...c, recv: 0, dup: 0, bits: null, paused: false }));
      reply = await connectAll(m.concurrency);
      startKeepalive();
      break;
    case 'reconnect':
      url = adapter.url(m.port);
      for (const c of clients) { c.paused = false; }
      reply = await connectAll(m.concurrency, m.retries || 0);
      break;
    case 'reset':
      resetStats();
      reply = {};
      break;
    case 'resetCounts':
      // A new measurement window over the same stream: the latency and delivery counts restart, while the record
      // of which sequence numbers arrived keeps growing so the whole stream can be checked at its end.
      hist = new Hist();
      deliveries = 0;
      reply = {};
      break;
    case 'pause': {
      let n = 0;
      for (let i = 0; i < clients.length; i++) {
        if (i % m.every === 0 && clients[i].ws) { clients[i].paused = true; clients[i].ws.pause(); n++; }
      }
      reply = { paused: n };
      break;
    }
    case 'stats': {
      const open = clients.filter((c) => c.ws && c.ws.readyState === 1).length;
      reply = { deliveries, hist: hist.toJSON(), open, cpu: process.cpuUsage(), rss: process.memoryUsage().rss };
      break;
    }
    case 'check':
      reply = check(m.expected);
      break;
    case 'close':
      if (keepaliveTimer) { clearInterval(keepaliveTimer); keepaliveTimer = null; }
      for (const c of clients) if (c.ws) c.ws.terminate();
      clients = [];
      reply = {};
      break;
    case 'exit':
      process.exit(0);
  }
  process.send({ id: m.id, ...reply });
});
