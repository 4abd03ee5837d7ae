'use strict';
// Starting, stopping and measuring the three servers. Each runs pinned to the server core with taskset; the
// harness reads its RSS and CPU from /proc, and its heap after a full GC (jcmd for the JVM, the stats hook
// preloaded into the Node peers).
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const http = require('http');

const HERE = path.resolve(__dirname, '..');
const CLK_TCK = 100;

function get(url, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { if (await probe()) return; } catch (e) { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await sleep(200);
  }
}

function procStat(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { cpuTicks: Number(f[11]) + Number(f[12]), threads: Number(f[17]) };
}

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : null;
}

class Server {
  constructor(name, opts) { this.name = name; this.opts = opts; this.proc = null; }
  get pid() { return this.proc && this.proc.pid; }
  spawnPinned(cmd, args, env, cwd, logName) {
    const log = fs.openSync(path.join(this.opts.workDir, `${logName}.log`), 'a');
    this.proc = spawn('taskset', ['-c', String(this.opts.serverCore), cmd, ...args],
      { env: { ...process.env, ...env }, cwd: cwd || HERE, stdio: ['ignore', log, log] });
    this.exited = new Promise((r) => this.proc.once('exit', r));
  }
  async stop() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 15000);
    await this.exited;
    clearTimeout(t);
  }
  cpuSeconds() { return procStat(this.pid).cpuTicks / CLK_TCK; }
  threads() { return procStat(this.pid).threads; }
  rssKb() { return rssKb(this.pid); }
}

class Switchboard extends Server {
  constructor(opts) { super('switchboard', opts); this.port = opts.ports.switchboard; this.adapter = 'switchboard'; }
  async start() {
    const javaOpts = (this.opts.javaOpts || '').split(' ').filter(Boolean);
    this.spawnPinned('java', [...javaOpts, '-jar', this.opts.jar], {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${this.opts.pgPort}/switchboard`,
      JWT_SECRET: this.opts.secret,
      PORT: String(this.port), HOST: '127.0.0.1',
      MAX_CONNECTIONS: '60000', DEMO: 'false', LOG_LEVEL: 'WARN',
      NODE_ID: 'bench', DATABASE_POOL_SIZE: '4',
      // The default 10 s is for browsers; on a saturated core a burst of handshakes can queue longer than that, and
      // the peers have no such limit, so the bench measures the queue instead of counting refusals.
      AUTH_TIMEOUT: '60s',
    }, HERE, 'switchboard');
    await waitFor(async () => (await get(`http://127.0.0.1:${this.port}/health`)).status === 200, 90000, 'switchboard');
  }
  heapAfterGcKb() {
    execFileSync('taskset', ['-c', String(this.opts.generatorCore), 'jcmd', String(this.pid), 'GC.run'], { stdio: 'pipe' });
    const out = execFileSync('taskset', ['-c', String(this.opts.generatorCore), 'jcmd', String(this.pid), 'GC.heap_info'],
      { encoding: 'utf8' });
    // Pinned to one core the JVM picks the Serial collector, whose report lists the young and the old generation
    // separately: add every "used" before the Metaspace line (G1 prints one heap line, so this reads that).
    const heapPart = out.split(/Metaspace/)[0];
    let kb = 0, found = false;
    for (const m of heapPart.matchAll(/used (\d+)K/g)) { kb += Number(m[1]); found = true; }
    if (/def new generation/.test(heapPart)) this.collector = 'Serial';
    else if (/garbage-first/.test(heapPart)) this.collector = 'G1';
    else if (/PSYoungGen/.test(heapPart)) this.collector = 'Parallel';
    return found ? kb : null;
  }
}

class NodePeer extends Server {
  async heapAfterGcKb() {
    const r = await get(`http://127.0.0.1:${this.statsPort}/?gc=1`, 20000);
    return Math.round(JSON.parse(r.body).heapUsed / 1024);
  }
}

class NodeWs extends NodePeer {
  constructor(opts) { super('node-ws', opts); this.port = opts.ports.nodews; this.statsPort = this.port + 1; this.adapter = 'node-ws'; }
  async start() {
    this.spawnPinned(process.execPath, ['--expose-gc', '-r', path.join(HERE, 'peers/stats-hook.js'),
      path.join(HERE, 'peers/ws-server.js')], {
      PORT: String(this.port), JWT_SECRET: this.opts.secret, REDIS_PORT: String(this.opts.redisPort),
      BENCH_STATS_PORT: String(this.statsPort),
    }, HERE, 'node-ws');
    await waitFor(async () => (await get(`http://127.0.0.1:${this.statsPort}/`)).status === 200, 30000, 'node-ws');
    await waitFor(async () => (await get(`http://127.0.0.1:${this.port}/`)).status >= 400, 30000, 'node-ws');
  }
}

class LaravelEcho extends NodePeer {
  constructor(opts) { super('laravel-echo', opts); this.port = opts.ports.echo; this.statsPort = this.port + 1; this.adapter = 'laravel-echo'; }
  async start() {
    const dir = path.join(this.opts.workDir, 'echo');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'laravel-echo-server.json'), JSON.stringify({
      authHost: 'http://127.0.0.1', authEndpoint: '/broadcasting/auth', clients: [],
      database: 'redis',
      databaseConfig: { redis: { host: '127.0.0.1', port: String(this.opts.redisPort), keyPrefix: '' },
        sqlite: { databasePath: '/dev/null' }, publishPresence: false },
      devMode: false, host: '127.0.0.1', port: String(this.port), protocol: 'http',
      socketio: {}, secureOptions: 67108864, sslCertPath: '', sslKeyPath: '', sslCertChainPath: '', sslPassphrase: '',
      subscribers: { http: false, redis: true },
      apiOriginAllow: { allowCors: false, allowOrigin: '', allowMethods: '', allowHeaders: '' },
    }, null, 2));
    // A lock file left by a killed run would stop the next start ("already a server running" if its pid is reused).
    fs.rmSync(path.join(dir, 'laravel-echo-server.lock'), { force: true });
    this.spawnPinned(process.execPath, ['--expose-gc', '-r', path.join(HERE, 'peers/stats-hook.js'),
      path.join(HERE, 'node_modules/laravel-echo-server/bin/server.js'), 'start'], {
      BENCH_STATS_PORT: String(this.statsPort),
    }, dir, 'laravel-echo');
    await waitFor(async () => (await get(`http://127.0.0.1:${this.statsPort}/`)).status === 200, 30000, 'laravel-echo stats');
    await waitFor(async () => {
      const r = await get(`http://127.0.0.1:${this.port}/socket.io/?EIO=3&transport=polling`);
      return r.status === 200;
    }, 30000, 'laravel-echo');
  }
}

function makeServers(opts) {
  const all = { switchboard: new Switchboard(opts), 'node-ws': new NodeWs(opts), 'laravel-echo': new LaravelEcho(opts) };
  return opts.servers.map((n) => all[n]);
}

module.exports = { makeServers, sleep, get };
