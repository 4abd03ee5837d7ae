import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from './harness.mjs';

function setup() {
  const h = harness();
  const ws = h.connectAndAuth();
  const input = new EventTarget(); // stands in for an <input>
  const typed = () => input.dispatchEvent(new Event('input'));
  const frames = () => ws.sent.filter((f) => f.type === 'typing').map((f) => [f.conversation_id, f.is_typing]);
  return { h, input, typed, frames };
}

test('typingFor: throttles true to one per 2 s and sends false after 3 s without input', () => {
  const { h, input, typed, frames } = setup();
  h.client.typingFor(5, input);
  typed(); // t=0
  assert.deepEqual(frames(), [[5, true]]);
  h.clock.advance(500); typed();
  h.clock.advance(500); typed();
  h.clock.advance(999); typed(); // t=1999
  assert.deepEqual(frames(), [[5, true]], 'throttled');
  h.clock.advance(1); typed(); // t=2000
  assert.deepEqual(frames(), [[5, true], [5, true]], 'refreshed after 2 s of typing');
  h.clock.advance(2999);
  assert.equal(frames().length, 2);
  h.clock.advance(1);
  assert.deepEqual(frames().at(-1), [5, false]);
  typed(); // typing again after idle: true at once
  assert.deepEqual(frames().at(-1), [5, true]);
});

test('typingFor: blur sends false at once and cancels the idle timer', () => {
  const { h, input, typed, frames } = setup();
  h.client.typingFor('9', input);
  typed();
  input.dispatchEvent(new Event('blur'));
  assert.deepEqual(frames(), [[9, true], [9, false]]);
  h.clock.advance(10000);
  assert.equal(frames().length, 2);
  input.dispatchEvent(new Event('blur'));
  assert.equal(frames().length, 2, 'blur when not typing sends nothing');
});

test('typingFor: detach sends false if typing and removes the listeners', () => {
  const { h, input, typed, frames } = setup();
  const detach = h.client.typingFor(5, input);
  typed();
  detach();
  assert.deepEqual(frames(), [[5, true], [5, false]]);
  typed();
  h.clock.advance(10000);
  assert.equal(frames().length, 2);

  const detach2 = h.client.typingFor(5, input);
  detach2(); // not typing: nothing sent
  assert.equal(frames().length, 2);
});

test('typing: sendTyping is dropped (not queued) while disconnected', () => {
  const h = harness();
  assert.equal(h.client.sendTyping(5, true), false);
  h.connectAndAuth();
  assert.deepEqual(h.ws.types(), ['auth']);
  assert.equal(h.client.sendTyping(5, true), true);
  assert.deepEqual(h.ws.sent.at(-1), { type: 'typing', conversation_id: 5, is_typing: true });
});
