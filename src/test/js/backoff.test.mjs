import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from './harness.mjs';

/**
 * Drops an authenticated connection, then lets `n` reconnect attempts fail
 * (each new socket errors before opening). Returns the `reconnecting` payloads.
 */
function failReconnects(h, n) {
  h.record('reconnecting');
  h.ws.serverClose(1006);
  for (let i = 1; i < n; i++) {
    const before = h.sockets.length;
    h.clock.advance(h.of('reconnecting').at(-1).delay);
    assert.equal(h.sockets.length, before + 1, `attempt ${i} opened a socket`);
    h.ws.fail();
  }
  return h.of('reconnecting');
}

test('backoff: delays use full jitter within [0, min(cap, base*2^(n-1))] (random=0.999)', () => {
  const h = harness({ random: () => 0.999 });
  h.connectAndAuth();
  const delays = failReconnects(h, 9).map((r) => r.delay);
  const ceilings = [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000];
  ceilings.forEach((ceiling, i) => {
    assert.ok(delays[i] >= 0 && delays[i] <= ceiling, `attempt ${i + 1}: ${delays[i]} within [0, ${ceiling}]`);
    assert.equal(delays[i], Math.floor(0.999 * ceiling));
  });
});

test('backoff: exact delays for a given random value, capped at 30 s', () => {
  const h = harness({ random: () => 0.5 });
  h.connectAndAuth();
  const attempts = failReconnects(h, 8);
  assert.deepEqual(attempts, [
    { attempt: 1, delay: 500 },
    { attempt: 2, delay: 1000 },
    { attempt: 3, delay: 2000 },
    { attempt: 4, delay: 4000 },
    { attempt: 5, delay: 8000 },
    { attempt: 6, delay: 15000 },
    { attempt: 7, delay: 15000 },
    { attempt: 8, delay: 15000 },
  ]);
});

test('backoff: random=0 retries at once; no socket is opened before the delay elapses', () => {
  const h = harness({ random: () => 0 });
  h.connectAndAuth();
  h.ws.serverClose(1006);
  assert.equal(h.sockets.length, 1, 'the retry goes through the timer, not synchronously');
  h.clock.advance(0);
  assert.equal(h.sockets.length, 2);

  const h2 = harness({ random: () => 0.5 });
  h2.connectAndAuth();
  h2.ws.serverClose(1006);
  h2.clock.advance(499);
  assert.equal(h2.sockets.length, 1);
  h2.clock.advance(1);
  assert.equal(h2.sockets.length, 2);
});

test('backoff: baseDelay, factor and maxDelay options are honoured', () => {
  const h = harness({ baseDelay: 100, factor: 3, maxDelay: 1000, random: () => 0.5 });
  h.connectAndAuth();
  assert.deepEqual(failReconnects(h, 5).map((r) => r.delay), [50, 150, 450, 500, 500]);
});

test('backoff: attempts are unlimited by default', () => {
  const h = harness();
  h.record('reconnect_failed');
  h.connectAndAuth();
  const attempts = failReconnects(h, 60);
  assert.equal(attempts.length, 60);
  assert.equal(h.client.reconnectAttempts, 60);
  assert.equal(h.client.status, 'reconnecting');
  assert.deepEqual(h.of('reconnect_failed'), []);
});

test('backoff: exhausting maxAttempts emits reconnect_failed and status failed, then stops', () => {
  const h = harness({ maxAttempts: 3 });
  h.record('reconnect_failed');
  h.record('status');
  h.connectAndAuth();
  failReconnects(h, 3);
  h.clock.advance(60000);
  h.ws.fail(); // the third attempt fails too
  assert.deepEqual(h.of('reconnect_failed'), [{ attempts: 3 }]);
  assert.equal(h.client.status, 'failed');
  assert.deepEqual(h.of('status').at(-1), { old: 'reconnecting', new: 'failed' });
  const count = h.sockets.length;
  h.clock.advance(60 * 60 * 1000);
  assert.equal(h.sockets.length, count, 'no attempt after giving up');
  assert.equal(h.clock.pending, 0);
});

test('backoff: attempts reset after a successful authentication', () => {
  const h = harness();
  h.connectAndAuth();
  failReconnects(h, 3);
  assert.equal(h.client.reconnectAttempts, 3);
  h.clock.advance(2000);
  h.accept(); // third attempt succeeds
  assert.equal(h.client.reconnectAttempts, 0);
  h.ws.serverClose(1001);
  assert.deepEqual(h.of('reconnecting').at(-1), { attempt: 1, delay: 500 });
});

test('backoff: an opened socket that is closed before auth still counts as an attempt', () => {
  const h = harness({ maxAttempts: 2 });
  h.record('reconnect_failed');
  h.connectAndAuth();
  h.ws.serverClose(1013);
  h.clock.advance(500);
  h.ws.open();
  h.ws.serverClose(1013); // server sheds load before auth
  h.clock.advance(1000);
  h.ws.open();
  h.ws.serverClose(1013);
  assert.deepEqual(h.of('reconnect_failed'), [{ attempts: 2 }]);
});
