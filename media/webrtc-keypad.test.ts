// The browser keypad's RFC 4733 stream: each digit is a run of event packets sharing one
// timestamp with growing duration (marker on the first), three end packets, then silence, and
// the stream's timestamps keep pace with the 20 ms frames it sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keypadPackets } from './webrtc-keypad.ts';

const silence = Buffer.alloc(160, 0xff);
const event = (p: { payload: Buffer }) => ({ digit: p.payload[0], end: (p.payload[1] & 0x80) !== 0, volume: p.payload[1] & 0x3f, duration: p.payload.readUInt16BE(2) });

test('one digit is lead silence, five growing event packets, three end packets and trailing silence', () => {
  const packets = keypadPackets('5', 1000, silence, { leadMs: 40, toneMs: 100, gapMs: 60 });
  assert.deepEqual(packets.map((p) => p.kind), ['audio', 'audio', 'event', 'event', 'event', 'event', 'event', 'event', 'event', 'audio', 'audio', 'audio']);
  const events = packets.filter((p) => p.kind === 'event');
  assert.ok(events.every((p) => p.timestamp === 1320), 'every event packet carries the event start time');
  assert.deepEqual(events.map((p) => p.marker), [true, false, false, false, false, false, false]);
  assert.deepEqual(events.map((p) => event(p).duration), [160, 320, 480, 640, 800, 800, 800]);
  assert.deepEqual(events.map((p) => event(p).end), [false, false, false, false, true, true, true]);
  assert.ok(events.every((p) => event(p).digit === 5 && event(p).volume === 10));
  // Lead silence at 1000 and 1160; the event starts at 1320 and with its end repeats spans 7 frames.
  assert.deepEqual(packets.filter((p) => p.kind === 'audio').map((p) => p.timestamp), [1000, 1160, 1320 + 7 * 160, 1320 + 8 * 160, 1320 + 9 * 160]);
});

test('digits map to RFC 4733 events (* 10, # 11, A-D 12-15), unknown characters are skipped', () => {
  const digits = keypadPackets('*#aD9x', 0, silence).filter((p) => p.marker).map((p) => event(p).digit);
  assert.deepEqual(digits, [10, 11, 12, 15, 9]);
});

test('timestamps wrap at 32 bits', () => {
  const packets = keypadPackets('1', 0xffffff00, silence, { leadMs: 20, toneMs: 20, gapMs: 20 });
  assert.ok(packets.every((p) => p.timestamp >= 0 && p.timestamp <= 0xffffffff));
  assert.equal(packets[1].timestamp, (0xffffff00 + 160) >>> 0);
});
