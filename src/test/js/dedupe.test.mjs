import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, recorded } from './harness.mjs';

/** The recorded new_message frame with event id `id` and message id `n`. */
const message = (id, n = id) => {
  const frame = recorded('new_message');
  frame.id = id;
  frame.data.message.id = n;
  return frame;
};

test('dedupe: the same event id twice reaches handlers once; envelope.id is visible', () => {
  const h = harness();
  const seen = [];
  h.client.on('new_message', (data, envelope) => seen.push([data.message.id, envelope.id]));
  h.connectAndAuth();
  h.ws.receive(message(41));
  h.ws.receive(message(41));
  h.ws.receive(message(42));
  assert.deepEqual(seen, [[41, 41], [42, 42]]);
  assert.equal(h.client.lastEventId, 42);
});

test('dedupe: events without id are never deduplicated', () => {
  const h = harness();
  let calls = 0;
  h.client.on('typing', () => calls++);
  h.connectAndAuth();
  for (let i = 0; i < 3; i++) h.ws.receive(recorded('typing.true'));
  assert.equal(calls, 3);
  assert.equal(h.client.lastEventId, null);
});

test('dedupe: lastEventId is the max id seen, and lower new ids are still delivered', () => {
  const h = harness();
  const ids = [];
  h.client.on('new_message', (data, env) => ids.push(env.id));
  h.connectAndAuth();
  h.ws.receive(message(10));
  h.ws.receive(message(5)); // e.g. a dev database was reset
  assert.deepEqual(ids, [10, 5]);
  assert.equal(h.client.lastEventId, 10);
});

test('dedupe: the remembered ids are bounded with FIFO eviction', () => {
  const h = harness({ dedupeLimit: 3 });
  const ids = [];
  h.client.on('new_message', (data, env) => ids.push(env.id));
  h.connectAndAuth();
  [1, 2, 3, 4].forEach((id) => h.ws.receive(message(id)));
  h.ws.receive(message(4)); // still remembered
  h.ws.receive(message(1)); // evicted, so delivered again
  assert.deepEqual(ids, [1, 2, 3, 4, 1]);
});

test('dedupe: the default window remembers the last 2000 ids', () => {
  const h = harness();
  let calls = 0;
  h.client.on('new_message', () => calls++);
  h.connectAndAuth();
  for (let id = 1; id <= 2001; id++) h.ws.receive(message(id));
  h.ws.receive(message(3)); // within the last 2000
  assert.equal(calls, 2001);
  h.ws.receive(message(1)); // the oldest, evicted
  assert.equal(calls, 2002);
});

test('dedupe: events replayed after a reconnect are dropped', () => {
  const h = harness();
  let calls = 0;
  h.client.on('new_message', () => calls++);
  h.connectAndAuth();
  h.ws.receive(message(7));
  h.ws.serverClose(1006);
  h.clock.advance(500);
  h.accept();
  h.ws.receive(message(7));
  h.ws.receive(message(8));
  assert.equal(calls, 2);
  assert.equal(h.client.lastEventId, 8);
});
