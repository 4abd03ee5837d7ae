// The client fed the frames and close codes the real server sent (fixtures/server-frames.json, recorded and kept
// true by ServerFramesFixtureTest), so these tests break when client and server stop agreeing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CLIENT_PATH, FIXTURE, fakeWebSocketClass, harness, recorded, recordedClose } from './harness.mjs';

const names = Object.keys(FIXTURE.frames);
const errorNames = names.filter((n) => FIXTURE.frames[n].event === 'error');
const eventNames = names.filter((n) => FIXTURE.frames[n].event !== 'error' && FIXTURE.frames[n].event !== 'authenticated');
const sub = (id) => ({ type: 'subscribe', conversation_id: id });

test('fixture: it holds every error code, the durable events and the close codes the client reacts to', () => {
  const codes = new Set(errorNames.map((n) => FIXTURE.frames[n].data.code));
  for (const code of ['invalid_json', 'unknown_type', 'invalid_field', 'unauthenticated', 'unauthorized', 'forbidden',
    'rate_limited', 'internal_error']) assert.ok(codes.has(code), code);
  const events = new Set(names.map((n) => FIXTURE.frames[n].event));
  for (const event of ['authenticated', 'subscribed', 'unsubscribed', 'pong', 'presence', 'agent_status', 'typing',
    'new_message', 'conversation_updated', 'new_conversation', 'message_read']) assert.ok(events.has(event), event);
  const closes = new Set(Object.values(FIXTURE.closes).map((c) => c.code));
  for (const code of [1001, 1008, 1009, 1013, 4001, 4002]) assert.ok(closes.has(code), String(code));
});

test('fixture: the .d.ts declares every error code and event name the server sends', () => {
  const dts = readFileSync(CLIENT_PATH.replace(/\.js$/, '.d.ts'), 'utf8');
  const union = dts.match(/export type ServerErrorCode =([\s\S]*?)\n\n/)[1];
  for (const n of errorNames) {
    const code = FIXTURE.frames[n].data.code;
    assert.match(union, new RegExp(`'${code}'`), `ServerErrorCode lacks '${code}' (${n})`);
  }
  for (const n of names.filter((n) => n !== 'notify_user')) {
    assert.match(dts, new RegExp(`\\n  ${FIXTURE.frames[n].event}: `), `SwitchboardEventMap lacks ${FIXTURE.frames[n].event}`);
  }
});

for (const name of eventNames) {
  test(`recorded ${name}: reaches its handlers and "*" with the server's data and envelope`, () => {
    const h = harness();
    const frame = recorded(name);
    const got = [];
    h.client.on(frame.event, (data, envelope) => got.push(['on', data, envelope]));
    h.client.on('*', (data, envelope) => { if (envelope.event === frame.event) got.push(['*', data, envelope]); });
    h.connectAndAuth();
    h.ws.receive(frame);
    assert.deepEqual(got, [['on', frame.data, frame], ['*', frame.data, frame]]);
    assert.equal(h.client.connected, true);
    if (frame.id !== undefined) {
      assert.equal(h.client.lastEventId, frame.id);
      h.ws.receive(frame); // replayed, as after a resume
      assert.equal(got.length, 2, 'a durable event seen twice reaches handlers once');
    }
  });
}

for (const name of ['authenticated.agent', 'authenticated.contact']) {
  test(`recorded ${name}: connects the client with the server's role and connection id`, () => {
    const h = harness();
    h.record('connected');
    h.client.subscribe(456);
    h.client.connect({ userId: 7, token: 'tok' });
    h.ws.open();
    const frame = recorded(name);
    h.ws.receive(frame);
    assert.equal(h.client.status, 'connected');
    assert.equal(h.client.role, frame.data.role);
    assert.equal(h.client.connectionId, frame.data.connection_id);
    assert.deepEqual(h.of('connected'), [frame.data]);
    assert.deepEqual(h.ws.sent.slice(1), [sub(456)], 'remembered subscriptions are sent once authenticated');
  });
}

for (const name of errorNames) {
  test(`recorded ${name}: is an error event and lastError, and leaves the link up until the server closes it`, () => {
    const h = harness();
    const errors = [];
    h.client.on('error', (data, envelope) => errors.push([data, envelope]));
    h.connectAndAuth();
    const frame = recorded(name);
    h.ws.receive(frame);
    assert.deepEqual(errors, [[frame.data, frame]]);
    assert.deepEqual(h.client.lastError, frame.data);
    assert.equal(h.client.connected, true);
  });
}

test('recorded error.forbidden.subscribe: the refused conversation is forgotten and not re-sent after a reconnect', () => {
  const refused = recorded('error.forbidden.subscribe');
  const h = harness();
  h.connectAndAuth();
  h.client.subscribe(456);
  h.client.subscribe(refused.data.conversation_id);
  h.ws.receive(refused);
  assert.deepEqual(h.client.subscriptions, [456]);

  const close = recordedClose('going_away.shutdown');
  h.ws.serverClose(close.code, close.reason);
  h.clock.advance(60_000);
  const ws = h.accept();
  assert.deepEqual(ws.sent, [{ type: 'auth', token: 'tok', user_id: 7 }, sub(456)]);
});

test('recorded error.forbidden.subscription_limit: the conversation past the cap is forgotten too', () => {
  const refused = recorded('error.forbidden.subscription_limit');
  const h = harness();
  h.connectAndAuth();
  h.client.subscribe(1);
  h.client.subscribe(refused.data.conversation_id);
  h.ws.receive(refused);
  assert.deepEqual(h.client.subscriptions, [1]);
});

test('recorded error.forbidden.typing: a refused typing leaves the subscriptions alone', () => {
  const refused = recorded('error.forbidden.typing');
  const h = harness();
  h.connectAndAuth();
  h.client.subscribe(refused.data.conversation_id);
  h.ws.receive(refused);
  assert.deepEqual(h.client.subscriptions, [refused.data.conversation_id]);
});

for (const [name, close] of Object.entries(FIXTURE.closes)) {
  test(`recorded close ${name} (${close.code}): ${close.code === 4001 ? 'fails and never retries' : 'reconnects'}`, () => {
    const h = harness();
    h.record('error');
    h.record('disconnected');
    h.connectAndAuth();
    h.ws.serverClose(close.code, close.reason);
    assert.deepEqual(h.of('disconnected'), [{ code: close.code, reason: close.reason }]);
    h.clock.advance(60_000);
    if (close.code === 4001) {
      assert.equal(h.client.status, 'failed');
      assert.deepEqual(h.of('error'), [{ code: 'unauthorized', message: close.reason, close_code: 4001 }]);
      assert.equal(h.sockets.length, 1);
    } else {
      assert.equal(h.client.status, 'reconnecting');
      assert.equal(h.sockets.length, 2);
    }
  });
}

test('recorded error.unauthorized then close 4001: one error, the server\'s, and status failed', () => {
  const h = harness();
  h.record('error');
  h.client.connect({ userId: 7, token: 'bad' });
  h.ws.open();
  h.ws.receive(recorded('error.unauthorized'));
  const close = recordedClose('unauthorized');
  h.ws.serverClose(close.code, close.reason);
  assert.deepEqual(h.of('error'), [recorded('error.unauthorized').data]);
  assert.equal(h.client.status, 'failed');
  h.clock.advance(600_000);
  assert.equal(h.sockets.length, 1);
});

// ------------------------------------------------------------------ reauthenticate

test('reauthenticate: sends auth on the open socket and resolves with the authenticated reply; nothing is re-sent', async () => {
  const h = harness();
  h.record('connected');
  const ws = h.connectAndAuth();
  h.client.subscribe(456);
  const sentBefore = ws.sent.length;
  const reply = recorded('authenticated.reauth');
  const promise = h.client.reauthenticate('fresh');
  assert.deepEqual(ws.sent.slice(sentBefore), [{ type: 'auth', token: 'fresh', user_id: 7 }]);
  ws.receive(reply);
  assert.deepEqual(await promise, reply.data);
  assert.equal(ws.sent.length, sentBefore + 1, 'no re-subscribe after a refresh');
  assert.equal(h.of('connected').length, 1, 'a refresh is not a new connection');
  assert.equal(h.client.status, 'connected');
  assert.equal(h.sockets.length, 1);
});

test('reauthenticate: the new token is kept for later reconnects', () => {
  const h = harness();
  h.connectAndAuth();
  h.client.reauthenticate('fresh');
  h.ws.receive(recorded('authenticated.reauth'));
  h.ws.serverClose(recordedClose('token_expired').code, recordedClose('token_expired').reason);
  h.clock.advance(60_000);
  h.ws.open();
  assert.deepEqual(h.ws.sent, [{ type: 'auth', token: 'fresh', user_id: 7 }]);
});

test('reauthenticate: without a token, a token function is asked again', async () => {
  let n = 0;
  const h = harness({ token: () => 'jwt-' + ++n, userId: 7 });
  h.client.connect();
  h.accept();
  const promise = h.client.reauthenticate();
  assert.deepEqual(h.ws.sent.at(-1), { type: 'auth', token: 'jwt-2', user_id: 7 });
  h.ws.receive(recorded('authenticated.reauth'));
  assert.equal((await promise).role, recorded('authenticated.reauth').data.role);
});

test('reauthenticate: refused by the server, it rejects with unauthorized and the client fails on 4001', async () => {
  const h = harness();
  h.record('error');
  h.connectAndAuth();
  const promise = h.client.reauthenticate('another-users-token');
  const refusal = recorded('error.unauthorized.reauth');
  h.ws.receive(refusal);
  await assert.rejects(promise, (err) => err.code === 'unauthorized' && err.message === refusal.data.message
    && err.data.request === 'auth');
  const close = recordedClose('unauthorized.reauth');
  h.ws.serverClose(close.code, close.reason);
  assert.equal(h.client.status, 'failed');
  assert.equal(h.of('error').length, 1, 'reported once');
});

test('reauthenticate: while reconnecting, the next connection authenticates with the token and settles the promise', async () => {
  const h = harness();
  h.connectAndAuth();
  h.ws.serverClose(1006);
  const promise = h.client.reauthenticate('fresh');
  assert.equal(h.sockets.length, 1, 'nothing to send it on yet');
  h.clock.advance(60_000);
  h.accept({ connection_id: 'new' });
  assert.equal(h.ws.sent[0].token, 'fresh');
  assert.equal((await promise).connection_id, 'new');
});

test('reauthenticate: a reply to an auth sent before the call does not settle it', async () => {
  const h = harness();
  h.client.connect({ userId: 7, token: 'old' });
  h.ws.open(); // auth with 'old' is on its way
  let settled = false;
  const promise = h.client.reauthenticate('fresh').then((d) => { settled = true; return d; });
  assert.deepEqual(h.ws.types(), ['auth', 'auth']);
  h.ws.receive(recorded('authenticated.agent'));
  await h.flush();
  assert.equal(settled, false, 'that was the answer to the old token');
  h.ws.receive(recorded('authenticated.reauth'));
  await promise;
  assert.equal(settled, true);
});

test('reauthenticate: rejects with not_connected when disconnected, and disconnect() rejects a pending one', async () => {
  const h = harness();
  await assert.rejects(h.client.reauthenticate('t'), (err) => err.code === 'not_connected');
  h.connectAndAuth();
  const pending = h.client.reauthenticate('fresh');
  h.client.disconnect();
  await assert.rejects(pending, (err) => err.code === 'disconnected');
});

test('reauthenticate: a reconnect that cannot even create its WebSocket rejects a pending one', async () => {
  const sockets = [];
  const Fake = fakeWebSocketClass(sockets);
  let blocked = false;
  const h = harness({
    WebSocket: class extends Fake {
      constructor(url) {
        if (blocked) throw new SyntaxError('blocked by the page');
        super(url);
      }
    },
  });
  h.client.connect({ userId: 7, token: 'tok' });
  sockets[0].open();
  sockets[0].receive(recorded('authenticated.agent'));
  sockets[0].serverClose(1006);
  const pending = h.client.reauthenticate('fresh');
  blocked = true;
  h.clock.advance(60_000);
  assert.equal(h.client.status, 'failed');
  await assert.rejects(pending, (err) => err.code === 'disconnected' && err.message === 'blocked by the page');
});

test('reauthenticate: a token function that fails rejects with token_error and keeps the live connection', async () => {
  let calls = 0;
  const h = harness({ token: () => { if (++calls > 1) throw new Error('refresh endpoint down'); return 'first'; }, userId: 7 });
  h.record('error');
  h.client.connect();
  const ws = h.accept();
  await assert.rejects(h.client.reauthenticate(), (err) => err.code === 'token_error' && err.message === 'refresh endpoint down');
  assert.equal(h.client.status, 'connected');
  assert.equal(ws.closedWith, null, 'the socket was not closed');
  assert.deepEqual(h.of('error'), [{ code: 'token_error', message: 'refresh endpoint down' }]);
});
