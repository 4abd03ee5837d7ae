import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, recorded } from './harness.mjs';

const sub = (id) => ({ type: 'subscribe', conversation_id: id });

test('resubscribe: subscriptions made before connect are sent only after authentication', () => {
  const h = harness();
  assert.equal(h.client.subscribe(1), false);
  h.client.subscribe('2'); // ids from the DOM are strings
  h.client.subscribe(3);
  assert.deepEqual(h.client.subscriptions, [1, 2, 3]);
  h.client.connect({ userId: 7, token: 'tok' });
  h.ws.open();
  assert.deepEqual(h.ws.sent, [{ type: 'auth', token: 'tok', user_id: 7 }], 'auth must be the first and only frame before authenticated');
  h.ws.receive(recorded('authenticated.agent'));
  assert.deepEqual(h.ws.sent.slice(1), [sub(1), sub(2), sub(3)]);
});

test('resubscribe: after a reconnect the first frame is auth, then every remembered conversation', () => {
  const h = harness();
  h.connectAndAuth();
  h.client.subscribe(10);
  h.client.subscribe(20);
  h.client.subscribe(30);
  assert.equal(h.client.unsubscribe(20), true);
  assert.deepEqual(h.ws.sent.at(-1), { type: 'unsubscribe', conversation_id: 20 });

  h.ws.serverClose(1001);
  h.client.unsubscribe(30); // while disconnected: just forgotten
  h.clock.advance(500);
  const ws = h.accept();
  assert.deepEqual(ws.sent, [{ type: 'auth', token: 'tok', user_id: 7 }, sub(10)]);
  assert.deepEqual(h.client.subscriptions, [10]);
});

test('resubscribe: a token function is called for every connection', () => {
  let n = 0;
  const h = harness({ token: () => 'jwt-' + ++n, userId: 7 });
  h.client.connect();
  h.accept();
  assert.equal(h.ws.sent[0].token, 'jwt-1');
  h.ws.serverClose(1006);
  h.clock.advance(500);
  h.accept();
  assert.equal(h.ws.sent[0].token, 'jwt-2');
});

test('resubscribe: an async token is awaited before auth; a rejected one reports token_error and retries', async () => {
  const h = harness({ userId: 7 });
  h.record('error');
  h.client.connect({ token: async () => 'async-jwt' });
  h.ws.open();
  assert.deepEqual(h.ws.sent, []);
  await h.flush();
  assert.deepEqual(h.ws.sent, [{ type: 'auth', token: 'async-jwt', user_id: 7 }]);

  h.client.connect({ token: () => Promise.reject(new Error('refresh failed')) });
  h.ws.open();
  await h.flush();
  assert.deepEqual(h.of('error'), [{ code: 'token_error', message: 'refresh failed' }]);
  assert.equal(h.client.status, 'reconnecting');
});

test('queue: send() before authentication queues and flushes after the re-subscribes', () => {
  const h = harness();
  h.client.subscribe(5);
  h.client.connect({ userId: 7, token: 'tok' });
  assert.equal(h.client.send({ type: 'mark_read', conversation_id: 5, message_id: 9 }), false);
  h.ws.open();
  assert.equal(h.client.send({ type: 'typing', conversation_id: 5, is_typing: true }), false);
  assert.equal(h.client.sendTyping(5, true), false);
  assert.equal(h.client.send({ type: 'ping' }), false);
  assert.equal(h.client.ping(), false);
  h.ws.receive(recorded('authenticated.agent'));
  assert.deepEqual(h.ws.types(), ['auth', 'subscribe', 'mark_read'], 'typing and ping are not queued');
  assert.equal(h.client.send({ type: 'mark_read', conversation_id: 5, message_id: 10 }), true);
});

test('queue: bounded at queueLimit, dropping the oldest frames', () => {
  const h = harness();
  for (let i = 0; i < 105; i++) h.client.send({ type: 'custom', seq: i });
  h.connectAndAuth();
  const custom = h.ws.sent.filter((f) => f.type === 'custom');
  assert.equal(custom.length, 100);
  assert.equal(custom[0].seq, 5);
  assert.equal(custom.at(-1).seq, 104);
});

test('queue: frames queued while reconnecting are sent after the next authentication; disconnect() discards them', () => {
  const h = harness();
  h.connectAndAuth();
  h.ws.serverClose(1006);
  h.client.send({ type: 'custom', n: 1 });
  h.clock.advance(500);
  h.accept();
  assert.deepEqual(h.ws.sent.at(-1), { type: 'custom', n: 1 });

  h.client.disconnect();
  h.client.send({ type: 'custom', n: 2 });
  h.client.disconnect();
  h.connectAndAuth();
  assert.deepEqual(h.ws.types(), ['auth']);
});

test('send(): the Ratchet-page style send({type:"subscribe"}) is remembered; manual auth frames are ignored', () => {
  const h = harness();
  h.client.send({ type: 'subscribe', conversation_id: 456 });
  h.client.send({ type: 'auth', user_id: 123 });
  assert.deepEqual(h.client.subscriptions, [456]);
  h.connectAndAuth();
  assert.deepEqual(h.ws.sent, [{ type: 'auth', token: 'tok', user_id: 7 }, sub(456)]);
  h.client.send({ type: 'unsubscribe', conversation_id: 456 });
  assert.deepEqual(h.client.subscriptions, []);
  assert.throws(() => h.client.send('raw'), TypeError);
});

test('resubscribe: a subscribe refused as forbidden is forgotten, and not re-sent after a reconnect', () => {
  const refused = recorded('error.forbidden.subscribe'); // what the server sends: request is the type name
  const h = harness();
  h.connectAndAuth();
  h.client.subscribe(1);
  h.client.subscribe(refused.data.conversation_id);
  h.ws.receive(refused);
  assert.deepEqual(h.client.subscriptions, [1]);
  assert.equal(h.client.lastError.code, 'forbidden');
  h.ws.serverClose(1006);
  h.clock.advance(60_000);
  assert.deepEqual(h.accept().sent, [{ type: 'auth', token: 'tok', user_id: 7 }, sub(1)]);
});

test('subscribe(): invalid ids throw', () => {
  const h = harness();
  assert.throws(() => h.client.subscribe(undefined), TypeError);
  assert.throws(() => h.client.subscribe(''), TypeError);
  assert.throws(() => h.client.subscribe(NaN), TypeError);
});
