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

const switchboard = {
  name: 'switchboard',
  url: (port) => `ws://127.0.0.1:${port}/ws`,
  open(c) { c.ws.send(JSON.stringify({ type: 'auth', token: c.token })); },
  // Returns 'ready', 'error' or null (keep waiting).
  control(c, text) {
    if (text.includes('"event":"authenticated"')) {
      if (c.channel == null) return 'ready';
      c.ws.send(JSON.stringify({ type: 'subscribe', conversation_id: c.channel }));
      return null;
    }
    if (text.includes('"event":"subscribed"')) return 'ready';
    if (text.includes('"event":"error"')) return 'error';
    return null;
  },
  keepalive: null, // the server pings; ws answers pongs by itself
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
