'use strict';
// One thin adapter per server: the URL, the handshake after the socket opens (auth, subscribe), and when the
// client counts as ready. Deliveries are recognised the same way for all three: the pusher's payload carries
// "q" (the event's sequence number within its channel) and "t" (the pusher's clock when it sent the event).

const Q = /"q": ?(\d+)/;
const T = /"t": ?([\d.]+)/;

function parseDelivery(text) {
  const q = Q.exec(text);
  if (!q) return null;
  const t = T.exec(text);
  return { q: Number(q[1]), t: t ? Number(t[1]) : NaN };
}

// Switchboard's event frames start {"event":"...","id":N: the id a reconnecting client resumes from.
const EVENT_ID = /^\{"event":"[a-z_]+","id":(\d+)/;
const EPOCH = /"epoch":"([^"]+)"/;

// A client with `resume` set keeps the last event id it received and the epoch of its last `authenticated`, and
// sends both when it reconnects, as the browser client does.
const resumeFrom = (c) => (c.resume && c.lastId != null && c.epoch ? c.lastId : null);

const switchboard = {
  name: 'switchboard',
  url: (port) => `ws://127.0.0.1:${port}/ws`,
  open(c) {
    const from = resumeFrom(c);
    const auth = { type: 'auth', token: c.token };
    if (from != null) Object.assign(auth, { last_event_id: from, epoch: c.epoch });
    c.ws.send(JSON.stringify(auth));
  },
  // Returns 'ready', 'error' or null (keep waiting).
  control(c, text) {
    if (text.includes('"event":"authenticated"')) {
      const from = resumeFrom(c);
      const epoch = EPOCH.exec(text);
      if (epoch) c.epoch = epoch[1];
      if (c.channel == null) return 'ready';
      const subscribe = { type: 'subscribe', conversation_id: c.channel };
      if (from != null) subscribe.last_event_id = from;
      c.ws.send(JSON.stringify(subscribe));
      return null;
    }
    if (text.includes('"event":"subscribed"')) {
      if (text.includes('"recovered":false')) c.notRecovered = (c.notRecovered || 0) + 1;
      return 'ready';
    }
    if (text.includes('"event":"error"')) return 'error';
    return null;
  },
  keepalive: null, // the server pings; ws answers pongs by itself
  // Called for each delivery of a client with `resume` set.
  seen(c, text) {
    const m = EVENT_ID.exec(text);
    if (m) c.lastId = Number(m[1]);
  },
};

const channelName = (c) => (c.channel == null ? 'agents' : `conv.${c.channel}`);

const nodews = {
  name: 'node-ws',
  url: (port) => `ws://127.0.0.1:${port}/`,
  open(c) { c.ws.send(JSON.stringify({ type: 'auth', token: c.token })); },
  control(c, text) {
    if (text.includes('"event":"authenticated"')) {
      c.ws.send(JSON.stringify({ type: 'subscribe', channel: channelName(c) }));
      return null;
    }
    if (text.includes('"event":"subscribed"')) return 'ready';
    if (text.includes('"event":"error"')) return 'error';
    return null;
  },
  keepalive: null,
};

// laravel-echo-server speaks socket.io 2 (engine.io protocol 3). Spoken directly over the websocket transport
// ("0" open, "40" namespace connected, "42[...]" events, "2"/"3" ping/pong) instead of loading socket.io-client,
// which would cost the generator far more per connection than the ws client the other two adapters use.
// Public channels: joining needs no auth round trip and gets no acknowledgement, so "ready" is when the
// subscribe frame has been sent.
const echo = {
  name: 'laravel-echo',
  url: (port) => `ws://127.0.0.1:${port}/socket.io/?EIO=3&transport=websocket`,
  open() {},
  control(c, text) {
    if (text === '40') {
      c.ws.send('42' + JSON.stringify(['subscribe', { channel: channelName(c), auth: { headers: {} } }]));
      return 'ready';
    }
    if (text.startsWith('44')) return 'error';
    return null;
  },
  keepalive: { intervalMs: 25000, frame: '2' },
};

module.exports = { adapters: { switchboard, 'node-ws': nodews, 'laravel-echo': echo }, parseDelivery, channelName };
