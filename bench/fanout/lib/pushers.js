'use strict';
// The push paths, one per server, all behind send(channel, q, withAgents) -> Promise (settled when the push
// path has accepted the event). Every payload carries q (sequence within the channel) and t (this process's
// clock, ms since the epoch, when the event was handed to the push path).
const { performance } = require('perf_hooks');
const now = () => performance.timeOrigin + performance.now();

// Switchboard: the app's own transaction through SQL, as the README tells apps to do. One round trip per
// event: "BEGIN; SELECT realtime.notify_new_message(...); COMMIT" in the simple query protocol (the values are
// numbers this process makes, so no quoting is needed). t is taken as the transaction is sent, so the latency
// includes the notify call and the COMMIT, not just delivery.
class SqlPusher {
  constructor(opts) {
    const { Client } = require('pg');
    this.opts = opts;
    this.clients = [];
    this.Client = Client;
    this.rr = 0;
  }
  async open() {
    for (let i = 0; i < this.opts.pushConnections; i++) {
      const c = new this.Client({ host: '127.0.0.1', port: this.opts.pgPort, user: 'postgres', database: 'switchboard' });
      await c.connect();
      await c.query(`SET synchronous_commit = ${this.opts.syncCommit ? 'on' : 'off'}`);
      c.inflight = 0;
      this.clients.push(c);
    }
  }
  get lanes() { return this.clients.length; }
  send(channel, q) {
    let c = this.clients[this.rr++ % this.clients.length];
    for (const o of this.clients) if (o.inflight < c.inflight) c = o;
    c.inflight++;
    const t = now().toFixed(3);
    return c.query(`BEGIN; SELECT realtime.notify_new_message(${channel}, '{"q":${q},"t":${t}}'::jsonb); COMMIT`)
      .finally(() => { c.inflight--; });
  }
  async close() { for (const c of this.clients) await c.end(); this.clients = []; }
}

// The Redis peers: PUBLISH, as Laravel's redis broadcaster does, once per channel the event is broadcast on
// (the conversation's channel and, for the inbox, the agents' channel). laravel-echo-server expects Laravel's
// envelope {"event","data","socket"}; the plain ws server forwards the text as it is, so it gets the frame the
// client should see.
class RedisPusher {
  constructor(opts, envelope) {
    const Redis = require('ioredis');
    this.redis = new Redis({ port: opts.redisPort, host: '127.0.0.1', lazyConnect: true });
    this.envelope = envelope;
  }
  async open() { await this.redis.connect(); }
  get lanes() { return 64; }
  send(channel, q, withAgents) {
    const t = now().toFixed(3);
    const data = `{"conversation_id":${channel},"message":{"q":${q},"t":${t}}`;
    const payload = this.envelope === 'laravel'
      ? `{"event":"App\\\\Events\\\\NewMessage","data":${data},"socket":null},"socket":null}`
      : `{"event":"new_message","data":${data}}}`;
    const p = this.redis.publish(`conv.${channel}`, payload);
    if (!withAgents) return p;
    return Promise.all([p, this.redis.publish('agents', payload)]);
  }
  async close() { this.redis.disconnect(); }
}

function makePusher(serverName, opts) {
  if (serverName === 'switchboard') return new SqlPusher(opts);
  return new RedisPusher(opts, serverName === 'laravel-echo' ? 'laravel' : 'plain');
}

module.exports = { makePusher, now };
