'use strict';
// The plain Node `ws` broadcast server the benchmark compares Switchboard with: what a team would write in an
// afternoon. Clients send {"type":"auth","token":JWT} (HS256, verified), then {"type":"subscribe","channel":"x"};
// the app publishes to Redis channel x, and the server sends the message text to x's subscribers, encoded once.
// Heartbeat: a ping to every client each PING_INTERVAL_MS, a client that missed one pong is terminated.
const { WebSocketServer } = require('ws');
const Redis = require('ioredis');
const { verify } = require('../lib/jwt');

const port = Number(process.env.PORT || 8090);
const secret = process.env.JWT_SECRET;
const redisPort = Number(process.env.REDIS_PORT || 6379);
const pingIntervalMs = Number(process.env.PING_INTERVAL_MS || 30000);

const channels = new Map(); // channel name -> Set of sockets
const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 65536, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.alive = true;
  ws.user = null;
  ws.subs = [];
  ws.on('pong', () => { ws.alive = true; });
  ws.on('message', (data) => {
    let msg;
    try { msg = JSON.parse(data); } catch (e) { ws.send('{"event":"error","data":{"code":"invalid_json"}}'); return; }
    if (msg.type === 'auth') {
      const claims = verify(secret, msg.token);
      if (!claims) { ws.send('{"event":"error","data":{"code":"unauthorized"}}'); ws.close(4001); return; }
      ws.user = claims;
      ws.send(JSON.stringify({ event: 'authenticated', data: { user_id: claims.sub, role: claims.role } }));
    } else if (!ws.user) {
      ws.send('{"event":"error","data":{"code":"unauthenticated"}}');
    } else if (msg.type === 'subscribe' && typeof msg.channel === 'string') {
      let set = channels.get(msg.channel);
      if (!set) channels.set(msg.channel, set = new Set());
      set.add(ws);
      ws.subs.push(msg.channel);
      ws.send(JSON.stringify({ event: 'subscribed', data: { channel: msg.channel } }));
    } else if (msg.type === 'ping') {
      ws.send('{"event":"pong"}');
    }
  });
  ws.on('close', () => {
    for (const c of ws.subs) {
      const set = channels.get(c);
      if (set) { set.delete(ws); if (set.size === 0) channels.delete(c); }
    }
  });
});

const heartbeat = setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.alive) { ws.terminate(); continue; }
    ws.alive = false;
    ws.ping();
  }
}, pingIntervalMs);
heartbeat.unref();

const sub = new Redis({ port: redisPort, host: '127.0.0.1' });
sub.psubscribe('*');
sub.on('pmessageBuffer', (pattern, channel, message) => {
  const set = channels.get(channel.toString());
  if (!set) return;
  for (const ws of set) ws.send(message, { binary: false });
});

process.on('SIGTERM', () => { for (const ws of wss.clients) ws.close(1001); setTimeout(() => process.exit(0), 200); });
