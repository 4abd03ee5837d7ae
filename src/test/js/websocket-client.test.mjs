import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { CLIENT_PATH, CLIENT_SOURCE, FakeClock, SwitchboardClient, fakeWebSocketClass, harness, recorded, recordedWith } from './harness.mjs';

// ------------------------------------------------------------------ packaging

test('packaging: the library is a classic script (no top-level import/export)', () => {
  assert.doesNotThrow(() => new vm.Script(CLIENT_SOURCE, { filename: 'websocket-client.js' }));
  assert.doesNotMatch(CLIENT_SOURCE, /^\s*(export|import)\b/m);
});

test('packaging: as a classic script it defines window.SwitchboardClient and window.wsClient', () => {
  const context = vm.createContext({});
  vm.runInContext('var window = globalThis;', context);
  vm.runInContext(CLIENT_SOURCE, context);
  assert.equal(typeof context.SwitchboardClient, 'function');
  assert.ok(context.window.wsClient instanceof context.window.SwitchboardClient);
  assert.equal(context.wsClient.status, 'disconnected');
  assert.equal(context.module, undefined);
});

test('packaging: require() returns the class and the default instance', () => {
  assert.equal(typeof SwitchboardClient, 'function');
  assert.equal(globalThis.SwitchboardClient, SwitchboardClient);
  assert.ok(globalThis.wsClient instanceof SwitchboardClient);
});

test('packaging: the .mjs wrapper re-exports the globals', async () => {
  const mod = await import(new URL('../../main/resources/static/assets/js/websocket-client.mjs', import.meta.url));
  assert.equal(mod.SwitchboardClient, SwitchboardClient);
  assert.equal(mod.wsClient, globalThis.wsClient);
  assert.equal(mod.default, mod.wsClient);
});

test('packaging: the .d.ts declares every option and event the runtime knows', () => {
  const dts = readFileSync(CLIENT_PATH.replace(/\.js$/, '.d.ts'), 'utf8');
  for (const key of Object.keys(SwitchboardClient.DEFAULTS)) assert.match(dts, new RegExp(`\\b${key}\\?:`), key);
  const events = ['new_message', 'conversation_updated', 'new_conversation', 'agent_status', 'typing', 'message_read',
    'presence', 'authenticated', 'subscribed', 'unsubscribed', 'pong', 'error',
    'connected', 'disconnected', 'reconnecting', 'reconnect_failed', 'status'];
  for (const name of events) assert.match(dts, new RegExp(`\\n  ${name}: `), name);
  assert.match(dts, /interface Window \{\s*wsClient: SwitchboardClient;\s*SwitchboardClient: typeof SwitchboardClient;/);
});

test('options: documented defaults', () => {
  assert.deepEqual(
    { ...SwitchboardClient.DEFAULTS },
    {
      url: null, token: null, userId: null, maxAttempts: null, baseDelay: 1000, maxDelay: 30000, factor: 2,
      pingInterval: 25000, pongTimeout: 10000, queueLimit: 100, dedupeLimit: 2000, typingIdle: 3000,
      typingThrottle: 2000, debug: false,
    }
  );
});

// ------------------------------------------------------------------ seed snippet

test('seed: the frontend snippet from the docs works unchanged apart from the token', () => {
  const sockets = [];
  const clock = new FakeClock();
  const input = new EventTarget();
  const calls = [];
  const context = vm.createContext({
    WebSocket: fakeWebSocketClass(sockets),
    location: { protocol: 'https:', host: 'helpdesk.example.com' },
    navigator: { onLine: true },
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    setInterval: (fn, ms) => clock.setInterval(fn, ms),
    clearInterval: (id) => clock.clearInterval(id),
    document: { getElementById: (id) => (id === 'message-input' ? input : null) },
    console: { log: (...a) => calls.push(['log', ...a]), error: (...a) => calls.push(['console.error', ...a]) },
    addMessageToChat: (m) => calls.push(['addMessageToChat', m]),
    updateConversationList: (c) => calls.push(['updateConversationList', c]),
    showTypingIndicator: (u, t) => calls.push(['showTypingIndicator', u, t]),
  });
  vm.runInContext('var window = globalThis;', context);
  vm.runInContext(CLIENT_SOURCE, context);
  vm.runInContext(`
    const userId = 123;
    const token = 'jwt-abc';
    const conversationId = 456;

    // Conectar
    window.wsClient.connect(userId, token);

    // Registrar handlers
    window.wsClient.on('connected', () => {
        console.log('WebSocket conectado!');
    });
    window.wsClient.on('new_message', (data) => {
        addMessageToChat(data.message);
    });
    window.wsClient.on('conversation_updated', (data) => {
        updateConversationList(data.conversation);
    });
    window.wsClient.on('typing', (data) => {
        showTypingIndicator(data.user_id, data.is_typing);
    });

    // Quando abrir uma conversa
    window.wsClient.subscribe(conversationId);

    let typingTimeout;
    document.getElementById('message-input').addEventListener('input', () => {
        window.wsClient.sendTyping(conversationId, true);
        clearTimeout(typingTimeout);
        typingTimeout = setTimeout(() => {
            window.wsClient.sendTyping(conversationId, false);
        }, 3000);
    });
  `, context);

  const ws = sockets[0];
  assert.equal(ws.url, 'wss://helpdesk.example.com/ws');
  ws.open();
  ws.receive(recorded('authenticated.agent'));
  assert.deepEqual(ws.sent, [
    { type: 'auth', token: 'jwt-abc', user_id: 123 },
    { type: 'subscribe', conversation_id: 456 },
  ]);
  const newMessage = recorded('new_message');
  const updated = recorded('conversation_updated');
  const typing = recorded('typing.true');
  ws.receive(newMessage);
  ws.receive(updated);
  ws.receive(typing);
  // JSON round trip: objects parsed inside the vm context have that realm's prototypes.
  assert.deepEqual(JSON.parse(JSON.stringify(calls)), [
    ['log', 'WebSocket conectado!'],
    ['addMessageToChat', newMessage.data.message],
    ['updateConversationList', updated.data.conversation],
    ['showTypingIndicator', typing.data.user_id, true],
  ]);

  input.dispatchEvent(new Event('input'));
  clock.advance(3000);
  assert.deepEqual(ws.sent.slice(2), [
    { type: 'typing', conversation_id: 456, is_typing: true },
    { type: 'typing', conversation_id: 456, is_typing: false },
  ]);

  // Quando fechar uma conversa
  vm.runInContext('window.wsClient.unsubscribe(conversationId)', context);
  assert.deepEqual(ws.sent.at(-1), { type: 'unsubscribe', conversation_id: 456 });
  assert.equal(vm.runInContext('window.wsClient.connected', context), true);
});

// ------------------------------------------------------------------ connect forms

test('connect: positional (userId, token) derives ws://host/ws from an http page', () => {
  const h = harness();
  h.client.connect(123, 'jwt');
  assert.equal(h.ws.url, 'ws://helpdesk.test:8080/ws');
  h.ws.open();
  assert.deepEqual(h.ws.sent[0], { type: 'auth', token: 'jwt', user_id: 123 });
});

test('connect: an https page uses wss://', () => {
  const h = harness({}, { protocol: 'https:', host: 'support.example.com' });
  h.client.connect('123', 'jwt');
  assert.equal(h.ws.url, 'wss://support.example.com/ws');
  h.ws.open();
  assert.equal(h.ws.sent[0].user_id, 123, 'numeric string user id sent as a number');
  assert.equal(h.client.userId, 123);
});

test('connect: object form, explicit url, positional url, and constructor defaults', () => {
  const h = harness();
  h.client.connect({ userId: 5, token: 't', url: 'ws://other:9000/ws' });
  assert.equal(h.ws.url, 'ws://other:9000/ws');

  const h2 = harness();
  h2.client.connect(5, 't', 'wss://x.example/ws');
  assert.equal(h2.ws.url, 'wss://x.example/ws');

  const h3 = harness({ url: 'ws://preset/ws', token: 'preset', userId: 9 });
  h3.client.connect();
  h3.ws.open();
  assert.equal(h3.ws.url, 'ws://preset/ws');
  assert.deepEqual(h3.ws.sent[0], { type: 'auth', token: 'preset', user_id: 9 });
});

test('connect: object form accepts tuning options too', () => {
  const h = harness();
  h.record('reconnect_failed');
  h.client.connect({ userId: 1, token: 't', maxAttempts: 0 });
  h.accept();
  h.ws.serverClose(1006);
  assert.deepEqual(h.of('reconnect_failed'), [{ attempts: 0 }]);
  assert.equal(h.client.status, 'failed');
});

test('connect: without url or location the client fails with an error', () => {
  const sockets = [];
  const client = new SwitchboardClient({ WebSocket: fakeWebSocketClass(sockets), timers: new FakeClock(), env: {} });
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  client.connect(1, 't');
  assert.equal(client.status, 'failed');
  assert.deepEqual(errors, ['connection_error']);
  assert.equal(sockets.length, 0);
});

// ------------------------------------------------------------------ events API

test('events: on() returns an unsubscribe function; off() removes one, all of an event, or all', () => {
  const h = harness();
  const got = [];
  const a = (d) => got.push(['a', d.agent_id]);
  const b = (d) => got.push(['b', d.agent_id]);
  const stop = h.client.on('agent_status', a);
  h.client.on('agent_status', b);
  h.connectAndAuth();
  h.ws.receive(recordedWith('agent_status.online', { agent_id: 1 }));
  stop();
  h.ws.receive(recordedWith('agent_status.online', { agent_id: 2 }));
  h.client.off('agent_status', b);
  h.ws.receive(recordedWith('agent_status.online', { agent_id: 3 }));
  assert.deepEqual(got, [['a', 1], ['b', 1], ['b', 2]]);

  h.client.on('pong', a);
  h.client.on('pong', b);
  h.client.off('pong');
  h.client.on('presence', a);
  h.client.off();
  h.ws.receive(recorded('pong'));
  h.ws.receive(recorded('presence'));
  assert.equal(got.length, 3);
});

test('events: once() fires a single time and can be removed with off(event, handler)', () => {
  const h = harness();
  let n = 0;
  const handler = () => n++;
  h.client.once('subscribed', handler);
  const other = () => n += 100;
  h.client.once('unsubscribed', other);
  h.client.off('unsubscribed', other);
  h.connectAndAuth();
  h.ws.receive(recordedWith('subscribed', { conversation_id: 1 }));
  h.ws.receive(recordedWith('subscribed', { conversation_id: 2 }));
  h.ws.receive(recordedWith('unsubscribed', { conversation_id: 1 }));
  assert.equal(n, 1);
});

test('events: handlers get (data, envelope); custom events and "*" are delivered; lifecycle envelopes are undefined', () => {
  const h = harness();
  const got = [];
  const custom = recorded('notify_user'); // a notify_user event: the app's own name and data
  h.client.on(custom.event, (data, env) => got.push(['custom', data, env]));
  h.client.on('*', (data, env) => got.push(['*', env.event]));
  h.client.on('connected', (data, env) => got.push(['connected', env]));
  h.connectAndAuth();
  h.ws.receive(custom);
  assert.deepEqual(got, [
    ['connected', undefined],
    ['*', 'authenticated'],
    ['custom', custom.data, custom],
    ['*', custom.event],
  ]);
});

test('events: server error frames reach error handlers and lastError', () => {
  const h = harness();
  const errors = [];
  h.client.on('error', (d, env) => errors.push([d, env && env.event]));
  h.connectAndAuth();
  const frame = recorded('error.rate_limited');
  const { data } = frame;
  h.ws.receive(frame);
  assert.deepEqual(errors, [[data, 'error']]);
  assert.deepEqual(h.client.lastError, data);
  assert.equal(h.client.connected, true, 'a server error alone does not drop the link');
});

test('events: a throwing handler is logged and does not stop the others', (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  const h = harness();
  let reached = false;
  h.client.on('new_message', () => { throw new Error('ui bug'); });
  h.client.on('new_message', () => { reached = true; });
  h.connectAndAuth();
  h.ws.receive(recorded('new_message'));
  assert.equal(reached, true);
  assert.equal(logged.mock.callCount(), 1);
  assert.match(logged.mock.calls[0].arguments[0], /^\[switchboard\].*new_message/);
});

test('events: invalid JSON, binary frames and frames without event are ignored', () => {
  const h = harness();
  const all = [];
  h.client.on('*', (d, env) => all.push(env.event));
  h.connectAndAuth();
  h.ws.receive('not json{');
  h.ws.onmessage({ data: new ArrayBuffer(4) });
  h.ws.receive({ data: {} });
  h.ws.receive('null');
  assert.deepEqual(all, ['authenticated']);
  assert.equal(h.client.connected, true);
});

test('debug: off by default; debug: true logs with a [switchboard] prefix; toggleable at runtime', (t) => {
  const log = t.mock.method(console, 'log', () => {});
  const quiet = harness();
  quiet.connectAndAuth();
  assert.equal(log.mock.callCount(), 0);

  const loud = harness({ debug: true });
  loud.connectAndAuth();
  assert.ok(log.mock.callCount() > 0);
  assert.ok(log.mock.calls.every((c) => c.arguments[0] === '[switchboard]'));

  quiet.client.debug = true;
  const before = log.mock.callCount();
  quiet.client.ping();
  assert.ok(log.mock.callCount() > before);
});

test('properties: subscriptions is a copy; connectionId is cleared on drop', () => {
  const h = harness();
  h.client.subscribe(1);
  h.client.subscriptions.push(99);
  assert.deepEqual(h.client.subscriptions, [1]);
  h.connectAndAuth();
  assert.equal(h.client.connectionId, 'c1');
  h.ws.serverClose(1006);
  assert.equal(h.client.connectionId, null);
  assert.throws(() => { 'use strict'; h.client.status = 'connected'; }, TypeError);
});
