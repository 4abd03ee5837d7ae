import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, recorded } from './harness.mjs';

const pings = (ws) => ws.sent.filter((f) => f.type === 'ping').length;
const pong = recorded('pong');

test('heartbeat: a ping is sent every 25 s while connected', () => {
  const h = harness();
  const ws = h.connectAndAuth();
  h.clock.advance(24999);
  assert.equal(pings(ws), 0);
  h.clock.advance(1);
  assert.equal(pings(ws), 1);
  ws.receive(pong);
  h.clock.advance(25000);
  assert.equal(pings(ws), 2);
});

test('heartbeat: no pong within 10 s closes the socket with 4000 and reconnects', () => {
  const h = harness();
  h.record('error');
  const ws = h.connectAndAuth();
  h.clock.advance(25000);
  h.clock.advance(9999);
  assert.equal(h.client.connected, true);
  h.clock.advance(1);
  assert.deepEqual(ws.closedWith, { code: 4000, reason: 'heartbeat timeout' });
  assert.equal(h.client.status, 'reconnecting');
  assert.equal(h.of('error')[0].code, 'heartbeat_timeout');
  ws.serverClose(1006); // the dead socket's late close does not schedule a second attempt
  assert.equal(h.client.reconnectAttempts, 1);
  h.clock.advance(500);
  assert.equal(h.sockets.length, 2);
  h.accept();
  assert.equal(h.client.connected, true);
});

test('heartbeat: pongs keep the link open', () => {
  const h = harness();
  const ws = h.connectAndAuth();
  for (let i = 0; i < 4; i++) {
    h.clock.advance(25000);
    h.clock.advance(1000);
    ws.receive(pong);
  }
  h.clock.advance(20000);
  assert.equal(pings(ws), 4);
  assert.equal(h.sockets.length, 1);
  assert.equal(ws.closedWith, null);
  assert.equal(h.client.connected, true);
});

test('heartbeat: any frame after a ping counts as proof of life', () => {
  const h = harness();
  const ws = h.connectAndAuth();
  h.clock.advance(25000);
  h.clock.advance(5000);
  ws.receive(recorded('agent_status.online'));
  h.clock.advance(19999);
  assert.equal(ws.closedWith, null);
  assert.equal(h.client.connected, true);
});

test('heartbeat: no pings before authentication; an unanswered auth times out like a ping', () => {
  const h = harness();
  h.client.connect({ userId: 7, token: 'tok' });
  const ws = h.ws;
  ws.open();
  h.clock.advance(9999);
  assert.deepEqual(ws.types(), ['auth']);
  h.clock.advance(1);
  assert.equal(ws.closedWith.code, 4000);
  assert.equal(h.client.status, 'reconnecting');
});

test('heartbeat: manual ping() arms the same timeout; pingInterval 0 disables pings', () => {
  const h = harness({ pingInterval: 0 });
  const ws = h.connectAndAuth();
  h.clock.advance(120000);
  assert.equal(pings(ws), 0);
  assert.equal(h.client.ping(), true);
  h.clock.advance(10000);
  assert.equal(ws.closedWith.code, 4000);
});

test('heartbeat: timers are cleared on disconnect', () => {
  const h = harness();
  h.connectAndAuth();
  h.clock.advance(25000);
  h.client.disconnect();
  assert.equal(h.clock.pending, 0);
});
