import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, recorded, FIXTURE } from './harness.mjs';

const EPOCH = recorded('authenticated.agent').data.epoch;

/** The recorded new_message frame with event id `id`. */
const message = (id) => {
  const frame = recorded('new_message');
  frame.id = id;
  return frame;
};

test('resume: a reconnect sends the last event id and epoch, and re-subscribes from the same position', () => {
  const h = harness();
  h.connectAndAuth();
  h.client.subscribe(456);
  h.ws.receive(message(41));
  h.ws.receive(message(42));
  assert.equal(h.client.epoch, EPOCH);

  h.ws.serverClose(1006);
  h.clock.advance(1000);
  const ws = h.ws;
  ws.open();
  assert.deepEqual(ws.sent, [{ type: 'auth', token: 'tok', user_id: 7, last_event_id: 42, epoch: EPOCH }]);
  ws.receive(recorded('authenticated.resumed'));
  // A replayed event of the user's own feed arrives before the subscribe is answered: the subscribe still
  // resumes from where the connection dropped.
  ws.receive(message(43));
  assert.deepEqual(ws.sent.slice(1), [{ type: 'subscribe', conversation_id: 456, last_event_id: 42 }]);
});

test('resume: a position given to connect() is sent with the first auth, for the page-load pattern', () => {
  const h = harness();
  h.client.subscribe(456);
  h.client.connect({ userId: 7, token: 'tok', lastEventId: '9001', epoch: EPOCH });
  h.ws.open();
  assert.deepEqual(h.ws.sent, [{ type: 'auth', token: 'tok', user_id: 7, last_event_id: 9001, epoch: EPOCH }]);
  h.ws.receive(recorded('authenticated.resumed'));
  assert.deepEqual(h.ws.sent.at(-1), { type: 'subscribe', conversation_id: 456, last_event_id: 9001 });
});

test('resume: position 0, an empty history, is a position too', () => {
  const h = harness();
  h.client.connect({ userId: 7, token: 'tok', lastEventId: 0, epoch: EPOCH });
  h.ws.open();
  assert.equal(h.ws.sent[0].last_event_id, 0);
});

test('resume: not recovered, the page gets resync_required and the subscribes ask for no replay', () => {
  const h = harness();
  h.record('resync_required');
  h.client.subscribe(456);
  h.client.connect({ userId: 7, token: 'tok', lastEventId: 5, epoch: 'old-epoch' });
  h.ws.open();
  h.ws.receive(recorded('authenticated.not_recovered'));
  h.ws.receive(recorded('resync_required.auth'));
  assert.deepEqual(h.of('resync_required'), [FIXTURE.frames['resync_required.auth'].data]);
  assert.deepEqual(h.ws.sent.at(-1), { type: 'subscribe', conversation_id: 456 });
  assert.equal(h.client.lastEventId, null, 'the old position means nothing now');
  assert.equal(h.client.epoch, EPOCH, 'the new history is remembered');
});

test('resume: a reconnect with nothing to resume from tells the page to reload', () => {
  const h = harness();
  h.record('resync_required');
  h.connectAndAuth();
  assert.deepEqual(h.of('resync_required'), [], 'the first connection loads with the page');
  h.ws.serverClose(1006);
  h.clock.advance(1000);
  h.accept();
  assert.equal(h.ws.sent[0].last_event_id, undefined);
  assert.deepEqual(h.of('resync_required'), [{ reason: 'no_position', request: 'auth' }]);
});

test('resume: a refreshed token on the live connection asks for no replay', async () => {
  const h = harness();
  h.connectAndAuth();
  h.ws.receive(message(50));
  const done = h.client.reauthenticate('tok2');
  assert.deepEqual(h.ws.sent.at(-1), { type: 'auth', token: 'tok2', user_id: 7 });
  h.ws.receive(recorded('authenticated.agent'));
  await done;
});

test('resume: another epoch makes the remembered ids meaningless, so they no longer count as duplicates', () => {
  const h = harness();
  const ids = [];
  h.client.on('new_message', (data, env) => ids.push(env.id));
  h.client.connect({ userId: 7, token: 'tok', lastEventId: 3, epoch: 'old-epoch' });
  h.ws.open();
  h.ws.receive(message(3));
  h.ws.receive(recorded('authenticated.not_recovered'));
  h.ws.receive(message(3));
  assert.deepEqual(ids, [3, 3], 'id 3 of the new history is another event');
});

test('resume: resumeFrom() sets the position the next reconnect asks from', () => {
  const h = harness();
  h.connectAndAuth();
  h.client.resumeFrom(77, EPOCH);
  h.ws.serverClose(1006);
  h.clock.advance(1000);
  h.ws.open();
  assert.deepEqual(h.ws.sent[0], { type: 'auth', token: 'tok', user_id: 7, last_event_id: 77, epoch: EPOCH });
});
