import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, recorded, recordedClose } from './harness.mjs';

test('state: disconnected -> connecting -> connected (after authenticated) -> reconnecting -> connected', () => {
  const h = harness();
  h.record('status');
  h.record('connected');
  h.record('disconnected');
  const { client } = h;
  assert.equal(client.status, 'disconnected');
  assert.equal(client.connected, false);

  client.connect({ userId: 7, token: 'tok' });
  assert.equal(client.status, 'connecting');
  h.ws.open();
  assert.equal(client.status, 'connecting', 'an open socket is not yet authenticated');
  assert.equal(client.connected, false);
  const authenticated = recorded('authenticated.agent');
  h.ws.receive(authenticated);
  assert.equal(client.status, 'connected');
  assert.equal(client.connected, true);
  assert.equal(client.connectionId, authenticated.data.connection_id);
  assert.equal(client.role, 'agent');
  assert.deepEqual(h.of('connected'), [authenticated.data]);

  h.ws.serverClose(1006, 'gone');
  assert.equal(client.status, 'reconnecting');
  assert.equal(client.connected, false);
  assert.equal(client.connectionId, null);
  assert.deepEqual(h.of('disconnected'), [{ code: 1006, reason: 'gone' }]);

  h.clock.advance(500);
  h.accept();
  assert.equal(client.connected, true);
  assert.deepEqual(h.of('status'), [
    { old: 'disconnected', new: 'connecting' },
    { old: 'connecting', new: 'connected' },
    { old: 'connected', new: 'reconnecting' },
    { old: 'reconnecting', new: 'connected' },
  ]);
  assert.equal(h.of('connected').length, 2, 'connected fires after every authentication');
});

test('state: close 4001 emits error unauthorized, status failed, and never reconnects', () => {
  const h = harness();
  h.record('error');
  h.client.connect({ userId: 7, token: 'expired' });
  h.ws.open();
  h.ws.serverClose(4001, 'invalid token');
  assert.equal(h.client.status, 'failed');
  assert.deepEqual(h.of('error'), [{ code: 'unauthorized', message: 'invalid token', close_code: 4001 }]);
  assert.equal(h.client.lastError.code, 'unauthorized');
  h.clock.advance(24 * 60 * 60 * 1000);
  h.env.goOnline();
  assert.equal(h.sockets.length, 1, 'no WebSocket constructed after 4001');
});

test('state: server error unauthorized followed by close 4001 reports the error once', () => {
  const h = harness();
  h.record('error');
  h.client.connect({ userId: 7, token: 'bad' });
  h.ws.open();
  h.ws.receive(recorded('error.unauthorized'));
  h.ws.serverClose(recordedClose('unauthorized').code, recordedClose('unauthorized').reason);
  assert.equal(h.of('error').length, 1);
  assert.equal(h.of('error')[0].code, 'unauthorized');
  assert.equal(h.client.status, 'failed');
  h.clock.advance(600000);
  assert.equal(h.sockets.length, 1);
});

test('state: connect() with a new token recovers from failed', () => {
  const h = harness();
  h.client.connect({ userId: 7, token: 'bad' });
  h.ws.open();
  h.ws.serverClose(4001);
  h.client.connect({ token: 'good' });
  assert.equal(h.sockets.length, 2);
  h.ws.open();
  assert.deepEqual(h.ws.sent[0], { type: 'auth', token: 'good', user_id: 7 });
});

test('state: manual disconnect closes with 1000 and never reconnects', () => {
  const h = harness();
  h.record('disconnected');
  h.record('reconnecting');
  const ws = h.connectAndAuth();
  h.client.disconnect();
  assert.equal(h.client.status, 'disconnected');
  assert.equal(h.client.connected, false);
  assert.deepEqual(ws.closedWith, { code: 1000, reason: 'client disconnect' });
  assert.deepEqual(h.of('disconnected'), [{ code: 1000, reason: 'client disconnect' }]);
  ws.serverClose(1000); // the browser's close event arrives later: ignored
  h.clock.advance(600000);
  h.env.goOnline();
  assert.equal(h.sockets.length, 1);
  assert.deepEqual(h.of('reconnecting'), []);
  assert.equal(h.env.listenerCount('online'), 0, 'network listeners removed');
});

test('state: disconnect during backoff cancels the pending attempt', () => {
  const h = harness();
  h.connectAndAuth();
  h.ws.serverClose(1006);
  assert.equal(h.client.status, 'reconnecting');
  h.client.disconnect();
  h.clock.advance(600000);
  assert.equal(h.sockets.length, 1);
  assert.equal(h.client.status, 'disconnected');
});

for (const code of [1000, 1001, 1006, 1008, 1009, 1011, 1013]) {
  test(`state: server close ${code} triggers a reconnect`, () => {
    const h = harness();
    h.connectAndAuth();
    h.ws.serverClose(code);
    assert.equal(h.client.status, 'reconnecting');
    h.clock.advance(1000);
    assert.equal(h.sockets.length, 2);
  });
}

test('state: a socket error emits error connection_error and reconnects', () => {
  const h = harness();
  h.record('error');
  h.connectAndAuth();
  h.ws.fail();
  assert.deepEqual(h.of('error'), [{ code: 'connection_error', message: 'WebSocket error' }]);
  assert.equal(h.client.status, 'reconnecting');
  h.clock.advance(1000);
  assert.equal(h.sockets.length, 2);
});

test('state: offline means no attempt until online fires, then an immediate attempt', () => {
  const h = harness();
  h.record('reconnecting');
  h.connectAndAuth();
  h.env.goOffline(); // the open socket is left to the browser / heartbeat
  assert.equal(h.client.connected, true);
  h.ws.serverClose(1006);
  assert.equal(h.client.status, 'reconnecting');
  assert.deepEqual(h.of('reconnecting'), [], 'no attempt scheduled while offline');
  h.clock.advance(10 * 60 * 1000);
  assert.equal(h.sockets.length, 1);
  assert.equal(h.client.reconnectAttempts, 0);

  h.env.goOnline();
  assert.equal(h.sockets.length, 2, 'attempt made at once, without advancing time');
  assert.deepEqual(h.of('reconnecting'), [{ attempt: 1, delay: 0 }]);
  h.accept();
  assert.equal(h.client.status, 'connected');
});

test('state: going offline cancels a pending backoff; online retries at once', () => {
  const h = harness();
  h.connectAndAuth();
  h.ws.serverClose(1006);
  assert.equal(h.client.reconnectAttempts, 1);
  h.env.goOffline();
  assert.equal(h.client.reconnectAttempts, 0, 'the cancelled attempt is not counted');
  h.clock.advance(60000);
  assert.equal(h.sockets.length, 1);
  h.env.goOnline();
  assert.equal(h.sockets.length, 2);
  assert.equal(h.client.reconnectAttempts, 1);
});

test('state: an online event during backoff skips the remaining delay', () => {
  const h = harness({ random: () => 0.999 });
  h.connectAndAuth();
  h.ws.serverClose(1006);
  h.env.goOnline(); // e.g. wifi came back while navigator.onLine was already true
  assert.equal(h.sockets.length, 2);
  h.clock.advance(60000);
  assert.equal(h.sockets.length, 2, 'the cancelled timer does not open another socket');
});

test('state: connect() while offline waits for online', () => {
  const h = harness({}, { onLine: false });
  h.client.connect({ userId: 7, token: 'tok' });
  assert.equal(h.client.status, 'connecting');
  assert.equal(h.sockets.length, 0);
  h.env.goOnline();
  assert.equal(h.sockets.length, 1);
  h.accept();
  assert.equal(h.client.status, 'connected');
});

test('state: connect() again with the same settings is a no-op; new settings replace the socket', () => {
  const h = harness();
  const first = h.connectAndAuth();
  h.client.connect({ userId: 7, token: 'tok' });
  h.client.connect(7, 'tok');
  assert.equal(h.sockets.length, 1);

  h.client.connect(8, 'tok');
  assert.equal(h.sockets.length, 2);
  assert.equal(first.closedWith.code, 1000);
  assert.equal(h.client.status, 'connecting');
  first.serverClose(1000); // late close of the replaced socket is ignored
  assert.equal(h.client.status, 'connecting');
  h.ws.open();
  assert.deepEqual(h.ws.sent[0], { type: 'auth', token: 'tok', user_id: 8 });
});

test('state: a WebSocket constructor that throws (bad URL) fails without retrying', () => {
  const h = harness({
    WebSocket: class { constructor() { throw new SyntaxError('bad url'); } },
  });
  h.record('error');
  h.client.connect({ userId: 1, token: 't', url: 'nope' });
  assert.equal(h.client.status, 'failed');
  assert.deepEqual(h.of('error'), [{ code: 'connection_error', message: 'bad url' }]);
  assert.equal(h.clock.pending, 0);
});

test('state: failed reconnect attempts emit no disconnected, and lastError clears once connected again', () => {
  const h = harness();
  h.record('disconnected');
  h.connectAndAuth();
  h.ws.serverClose(1006, 'gone');
  assert.equal(h.of('disconnected').length, 1);
  // Two attempts fail before their sockets even open.
  for (let i = 0; i < 2; i++) {
    h.clock.advance(60_000);
    h.ws.fail();
  }
  assert.equal(h.of('disconnected').length, 1, 'only the real connection reported a disconnect');
  assert.ok(h.client.lastError, 'the failure is visible while reconnecting');
  h.clock.advance(60_000);
  h.accept();
  assert.equal(h.client.status, 'connected');
  assert.equal(h.client.lastError, null);
});

test('state: inside a disconnected handler the client no longer reports connected', () => {
  const h = harness();
  const seen = [];
  h.client.on('disconnected', () => seen.push(h.client.connected));
  h.connectAndAuth();
  assert.equal(h.client.connected, true);
  h.ws.serverClose(1006, 'gone');
  assert.deepEqual(seen, [false]);
});

test('state: close 4002 (token expired) reconnects, asking the token function for a fresh token', async () => {
  const tokens = ['first', 'second'];
  const h = harness({ token: () => tokens.shift() });
  h.client.connect({ userId: 7 });
  h.accept();
  assert.equal(h.ws.sent[0].token, 'first');
  h.ws.serverClose(recordedClose('token_expired').code, recordedClose('token_expired').reason);
  assert.equal(h.client.status, 'reconnecting');
  h.clock.advance(60_000);
  h.ws.open();
  await h.flush();
  assert.equal(h.ws.sent[0].token, 'second');
});
