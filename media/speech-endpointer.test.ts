import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Endpointer } from './speech-endpointer.ts';

const tone = (ms: number, amp: number) => Int16Array.from({ length: ms * 8 }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * 300 * i) / 8000)));
const noise = (ms: number, amp: number) => Int16Array.from({ length: ms * 8 }, () => Math.round((Math.random() - 0.5) * 2 * amp));
/** Feed in 20 ms packets, as RTP arrives; returns the state after each packet. */
function feed(ep: Endpointer, ...parts: Int16Array[]): void {
  for (const p of parts) for (let i = 0; i < p.length && ep.state !== 'done'; i += 160) ep.push(p.subarray(i, i + 160));
}

test('an utterance between quiet stretches is found, with a short pre-roll and the trailing quiet trimmed', () => {
  const ep = new Endpointer({ noSpeechMs: 3000, maxSpeechMs: 4000, endSilenceMs: 600 });
  feed(ep, noise(500, 80), tone(800, 5000), noise(1000, 80));
  assert.equal(ep.state, 'done');
  const u = ep.utterance()!;
  const ms = u.length / 8;
  assert.ok(ms >= 800 && ms <= 800 + 200 + 200 + 60, `kept ${ms} ms for 800 ms of speech`);
});

test('nothing but line noise: silence once the no-speech time is over', () => {
  const ep = new Endpointer({ noSpeechMs: 1000, maxSpeechMs: 4000 });
  feed(ep, noise(900, 150));
  assert.equal(ep.state, 'waiting');
  feed(ep, noise(200, 150));
  assert.equal(ep.state, 'done');
  assert.equal(ep.utterance(), undefined);
  assert.equal(ep.heardSpeech, false);
});

test('a click shorter than three frames does not start speech; the threshold follows a noisy line', () => {
  const ep = new Endpointer({ noSpeechMs: 2000, maxSpeechMs: 4000 });
  feed(ep, noise(400, 300), tone(40, 8000), noise(400, 300));
  assert.equal(ep.state, 'waiting');
  assert.ok(ep.threshold >= 4 * 150, `threshold ${ep.threshold} sits above the noise`);
});

test('someone who keeps talking is cut at the longest utterance', () => {
  const ep = new Endpointer({ noSpeechMs: 2000, maxSpeechMs: 1000 });
  feed(ep, tone(3000, 5000));
  assert.equal(ep.state, 'done');
  assert.ok(ep.utterance()!.length / 8 <= 1000 + 20);
});
