// Test doubles for the Switchboard client: a fake WebSocket, a manual clock and a
// window-like env. Not a test file itself (node --test only picks *.test.mjs here).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const CLIENT_PATH = fileURLToPath(
  new URL('../../main/resources/static/assets/js/websocket-client.js', import.meta.url)
);
export const CLIENT_SOURCE = readFileSync(CLIENT_PATH, 'utf8');
export const { SwitchboardClient } = require(CLIENT_PATH);

/**
 * Frames the real server sent, recorded by ServerFramesFixtureTest (src/test/java/dev/switchboard/protocol), which
 * fails when this file no longer matches the server. Tests feed these instead of shapes written by hand.
 */
export const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/server-frames.json', import.meta.url), 'utf8'));

/** A recorded server frame by scenario name (see FIXTURE.frames), as a fresh copy a test may change. */
export function recorded(name) {
  const frame = FIXTURE.frames[name];
  if (!frame) throw new Error('no recorded frame named ' + name + '; known: ' + Object.keys(FIXTURE.frames).join(', '));
  return structuredClone(frame);
}

/** A recorded server frame with some of its data fields given other values (ids, to tell frames apart). */
export function recordedWith(name, data) {
  const frame = recorded(name);
  Object.assign(frame.data, data);
  return frame;
}

/** A recorded close ({code, reason}) by scenario name (see FIXTURE.closes). */
export function recordedClose(name) {
  const close = FIXTURE.closes[name];
  if (!close) throw new Error('no recorded close named ' + name + '; known: ' + Object.keys(FIXTURE.closes).join(', '));
  return { ...close };
}

/** Manual clock: timers only run when advance() passes their due time, in due order. */
export class FakeClock {
  constructor() {
    this.current = 0;
    this.seq = 0;
    this.timers = new Map();
  }
  now() { return this.current; }
  setTimeout(fn, ms) { return this._add(fn, ms, null); }
  setInterval(fn, ms) { return this._add(fn, ms, ms); }
  clearTimeout(id) { this.timers.delete(id); }
  clearInterval(id) { this.timers.delete(id); }
  _add(fn, ms, every) {
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + Math.max(0, ms || 0), fn, every, order: id });
    return id;
  }
  /** Runs every timer due within the next `ms` milliseconds, then sets the time to now + ms. */
  advance(ms) {
    const end = this.current + ms;
    for (;;) {
      let next = null;
      let nextId = null;
      for (const [id, t] of this.timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.order < next.order))) {
          next = t;
          nextId = id;
        }
      }
      if (!next) break;
      this.current = next.at;
      if (next.every) {
        next.at += next.every;
        next.order = ++this.seq;
      } else {
        this.timers.delete(nextId);
      }
      next.fn();
    }
    this.current = end;
  }
  get pending() { return this.timers.size; }
}

/** Builds a FakeWebSocket class whose instances are recorded in `sockets`. */
export function fakeWebSocketClass(sockets) {
  return class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closedWith = null;
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      sockets.push(this);
    }
    send(text) {
      if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
      this.sent.push(JSON.parse(text));
    }
    /** Client-initiated close: recorded; the client has already let go of the socket. */
    close(code, reason) {
      this.readyState = 3;
      this.closedWith = { code, reason };
    }
    // --- test controls
    open() {
      this.readyState = 1;
      if (this.onopen) this.onopen({});
    }
    receive(frame) {
      this.onmessage({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
    }
    serverClose(code = 1006, reason = '') {
      this.readyState = 3;
      if (this.onclose) this.onclose({ code, reason, wasClean: code !== 1006 });
    }
    fail() {
      if (this.onerror) this.onerror({});
      this.serverClose(1006);
    }
    types() { return this.sent.map((f) => f.type); }
  };
}

/** Window-like object with location, navigator.onLine and online/offline listeners. */
export function fakeEnv({ protocol = 'http:', host = 'helpdesk.test:8080', onLine = true } = {}) {
  const listeners = { online: new Set(), offline: new Set() };
  return {
    location: { protocol, host },
    navigator: { onLine },
    addEventListener(type, fn) { listeners[type].add(fn); },
    removeEventListener(type, fn) { listeners[type].delete(fn); },
    listenerCount(type) { return listeners[type].size; },
    goOffline() { this.navigator.onLine = false; for (const fn of listeners.offline) fn(); },
    goOnline() { this.navigator.onLine = true; for (const fn of listeners.online) fn(); },
  };
}

/**
 * A client wired to fakes. `options` are passed to the constructor on top of the
 * injected doubles; `random` defaults to 0.5 so delays are predictable.
 */
export function harness(options = {}, envOptions) {
  const sockets = [];
  const clock = new FakeClock();
  const env = fakeEnv(envOptions);
  const client = new SwitchboardClient({
    WebSocket: fakeWebSocketClass(sockets),
    timers: clock,
    random: () => 0.5,
    env,
    ...options,
  });
  const events = [];
  const record = (name) => client.on(name, (data) => events.push([name, data]));
  const h = {
    client, sockets, clock, env, events, record,
    get ws() { return sockets[sockets.length - 1]; },
    of(name) { return events.filter((e) => e[0] === name).map((e) => e[1]); },
    /**
     * Opens the latest socket and has the server accept the auth frame: the recorded `authenticated` frame, for
     * user 7 and with connection id c<n> (n counts sockets), plus any `data` overrides.
     */
    accept(data = {}) {
      const ws = h.ws;
      ws.open();
      const frame = recorded('authenticated.agent');
      Object.assign(frame.data, { user_id: 7, connection_id: 'c' + sockets.length }, data);
      ws.receive(frame);
      return ws;
    },
    /** connect() with user 7 / token 'tok' and authenticate. */
    connectAndAuth() {
      client.connect({ userId: 7, token: 'tok' });
      return h.accept();
    },
    /** Lets pending promise callbacks run. */
    flush: () => new Promise((resolve) => setImmediate(resolve)),
  };
  return h;
}
