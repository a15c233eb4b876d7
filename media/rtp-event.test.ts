import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtp, decodeTelephoneEvent, DtmfDeduplicator, type TelephoneEvent } from './rtp-event.ts';

interface PacketOpts {
  pt?: number;
  seq?: number;
  ts?: number;
  ssrc?: number;
  csrcs?: number[];
  /** Header extension: profile id and 32-bit words. */
  extension?: { profile: number; words: number[] };
  padding?: number;
  marker?: boolean;
}

function rtp(payload: Buffer, o: PacketOpts = {}): Buffer {
  const csrcs = o.csrcs ?? [];
  const h = Buffer.alloc(12 + csrcs.length * 4);
  h[0] = 0x80 | (o.padding ? 0x20 : 0) | (o.extension ? 0x10 : 0) | csrcs.length;
  h[1] = (o.marker ? 0x80 : 0) | (o.pt ?? 0);
  h.writeUInt16BE(o.seq ?? 1, 2);
  h.writeUInt32BE(o.ts ?? 160, 4);
  h.writeUInt32BE(o.ssrc ?? 0x11223344, 8);
  csrcs.forEach((c, i) => h.writeUInt32BE(c, 12 + i * 4));
  const parts: Buffer[] = [h];
  if (o.extension) {
    const ext = Buffer.alloc(4 + o.extension.words.length * 4);
    ext.writeUInt16BE(o.extension.profile, 0);
    ext.writeUInt16BE(o.extension.words.length, 2);
    o.extension.words.forEach((w, i) => ext.writeUInt32BE(w, 4 + i * 4));
    parts.push(ext);
  }
  parts.push(payload);
  if (o.padding) {
    const pad = Buffer.alloc(o.padding);
    pad[o.padding - 1] = o.padding;
    parts.push(pad);
  }
  return Buffer.concat(parts);
}

/** RFC 4733 payload: event, E bit, volume, duration. */
function te(event: number, end: boolean, duration: number, volume = 10): Buffer {
  const b = Buffer.alloc(4);
  b[0] = event;
  b[1] = (end ? 0x80 : 0) | (volume & 0x3f);
  b.writeUInt16BE(duration, 2);
  return b;
}

const PAYLOAD = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);

// parseRtp

test('a plain RTP packet gives payload type, sequence, timestamp, SSRC and payload', () => {
  const p = parseRtp(rtp(PAYLOAD, { pt: 101, seq: 0xfffe, ts: 0xdeadbeef, ssrc: 0xcafebabe, marker: true }));
  assert.ok(p);
  assert.equal(p.payloadType, 101, 'the marker bit is not part of the payload type');
  assert.equal(p.sequence, 0xfffe);
  assert.equal(p.timestamp, 0xdeadbeef);
  assert.equal(p.ssrc, 0xcafebabe);
  assert.deepEqual(p.payload, PAYLOAD);
});

test('CSRCs are skipped', () => {
  const p = parseRtp(rtp(PAYLOAD, { csrcs: [1, 2, 3] }));
  assert.deepEqual(p?.payload, PAYLOAD);
});

test('a header extension is skipped', () => {
  const p = parseRtp(rtp(PAYLOAD, { extension: { profile: 0xbede, words: [0x10ff0000, 0x12345678] } }));
  assert.deepEqual(p?.payload, PAYLOAD);
});

test('an empty header extension (length 0) is skipped', () => {
  assert.deepEqual(parseRtp(rtp(PAYLOAD, { extension: { profile: 0xbede, words: [] } }))?.payload, PAYLOAD);
});

test('CSRCs and a header extension together are both skipped', () => {
  const p = parseRtp(rtp(PAYLOAD, { csrcs: [7, 8], extension: { profile: 1, words: [9] } }));
  assert.deepEqual(p?.payload, PAYLOAD);
});

test('padding is removed from the payload', () => {
  assert.deepEqual(parseRtp(rtp(PAYLOAD, { padding: 4 }))?.payload, PAYLOAD);
  assert.deepEqual(parseRtp(rtp(PAYLOAD, { padding: 1 }))?.payload, PAYLOAD);
});

test('a packet with an empty payload is still a packet', () => {
  const p = parseRtp(rtp(Buffer.alloc(0)));
  assert.ok(p);
  assert.equal(p.payload.length, 0);
});

test('packets shorter than the fixed header are refused', () => {
  for (let n = 0; n < 12; n++) assert.equal(parseRtp(rtp(PAYLOAD).subarray(0, n)), undefined, `${n} bytes`);
});

test('a version other than 2 is refused', () => {
  for (const v of [0, 1, 3]) {
    const p = rtp(PAYLOAD);
    p[0] = (p[0] & 0x3f) | (v << 6);
    assert.equal(parseRtp(p), undefined, `version ${v}`);
  }
});

test('CSRCs running past the end are refused', () => {
  const p = rtp(Buffer.alloc(0), { csrcs: [1, 2, 3] });
  assert.equal(parseRtp(p.subarray(0, p.length - 2)), undefined);
});

test('a header extension running past the end is refused', () => {
  const header = rtp(Buffer.alloc(0)).subarray(0, 12);
  header[0] |= 0x10;
  assert.equal(parseRtp(Buffer.concat([header, Buffer.from([0xbe, 0xde])])), undefined, 'extension header cut short');
  assert.equal(parseRtp(Buffer.concat([header, Buffer.from([0xbe, 0xde, 0x00, 0x05, 0, 0, 0, 0])])), undefined, 'extension words cut short');
});

test('padding longer than the payload is refused', () => {
  const p = rtp(Buffer.alloc(0), { padding: 1 });
  p[p.length - 1] = 200;
  assert.equal(parseRtp(p), undefined);
});

test('garbage never throws', () => {
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(Array.from({ length: i % 40 }, rand));
    if (i % 2) b[0] = 0x80 | (b[0] & 0x3f); // half of them claim version 2
    assert.doesNotThrow(() => parseRtp(b), `packet ${b.toString('hex')}`);
    const p = parseRtp(b);
    if (p) assert.ok(p.payload.length <= b.length - 12);
  }
});

// decodeTelephoneEvent

test('a telephone-event payload decodes into event, digit, end flag, volume and duration', () => {
  assert.deepEqual(decodeTelephoneEvent(te(5, false, 400, 10)), { event: 5, digit: '5', end: false, volume: 10, duration: 400 });
  assert.deepEqual(decodeTelephoneEvent(te(11, true, 1200, 63)), { event: 11, digit: '#', end: true, volume: 63, duration: 1200 });
});

test('events 0-15 map to 0-9, *, #, A-D', () => {
  const digits = Array.from({ length: 16 }, (_, e) => decodeTelephoneEvent(te(e, false, 0))?.digit).join('');
  assert.equal(digits, '0123456789*#ABCD');
});

test('events above 15 decode without a digit', () => {
  for (const e of [16, 32, 255]) assert.equal(decodeTelephoneEvent(te(e, true, 100))?.digit, undefined);
});

test('the reserved bit does not leak into the volume', () => {
  const b = te(1, true, 100, 7);
  b[1] |= 0x40;
  assert.equal(decodeTelephoneEvent(b)?.volume, 7);
  assert.equal(decodeTelephoneEvent(b)?.end, true);
});

test('a payload shorter than 4 bytes is not an event', () => {
  for (let n = 0; n < 4; n++) assert.equal(decodeTelephoneEvent(te(1, true, 100).subarray(0, n)), undefined);
});

test('extra bytes after the first event are ignored', () => {
  assert.equal(decodeTelephoneEvent(Buffer.concat([te(3, true, 800), te(4, true, 800)]))?.digit, '3');
});

// DtmfDeduplicator

function collector() {
  const digits: string[] = [];
  const durations: number[] = [];
  const d = new DtmfDeduplicator((digit, duration) => {
    digits.push(digit);
    durations.push(duration);
  });
  const push = (ts: number, event: number, end: boolean, duration: number) => d.push(ts, decodeTelephoneEvent(te(event, end, duration)) as TelephoneEvent);
  return { digits, durations, push };
}

test('one key press (three updates and three end packets) gives one digit', () => {
  const c = collector();
  c.push(8000, 5, false, 160);
  c.push(8000, 5, false, 320);
  c.push(8000, 5, false, 480);
  assert.deepEqual(c.digits, [], 'nothing before the end of the event');
  c.push(8000, 5, true, 640);
  c.push(8000, 5, true, 640);
  c.push(8000, 5, true, 640);
  assert.deepEqual(c.digits, ['5']);
  assert.deepEqual(c.durations, [640]);
});

test('two presses of the same digit (different timestamps) give two digits', () => {
  const c = collector();
  for (const ts of [8000, 16000]) {
    c.push(ts, 1, false, 160);
    for (let i = 0; i < 3; i++) c.push(ts, 1, true, 800);
  }
  assert.deepEqual(c.digits, ['1', '1']);
});

test('a sequence of different digits is reported in order', () => {
  const c = collector();
  [[1000, 1], [2000, 10], [3000, 11], [4000, 15]].forEach(([ts, ev]) => {
    for (let i = 0; i < 3; i++) c.push(ts, ev, true, 400);
  });
  assert.deepEqual(c.digits, ['1', '*', '#', 'D']);
});

test('events above 15 are ignored and do not hide the next digit', () => {
  const c = collector();
  for (let i = 0; i < 3; i++) c.push(1000, 16, true, 400);
  for (let i = 0; i < 3; i++) c.push(1000, 7, true, 400);
  assert.deepEqual(c.digits, ['7']);
});

test('a timestamp of 0 is a valid event timestamp', () => {
  const c = collector();
  c.push(0, 9, true, 400);
  c.push(0, 9, true, 400);
  assert.deepEqual(c.digits, ['9']);
});

test('an event whose end packets are all lost is reported when the next event starts', () => {
  const c = collector();
  c.push(8000, 5, false, 160);
  c.push(8000, 5, false, 320);
  c.push(16000, 6, false, 160);
  c.push(16000, 6, true, 480);
  assert.deepEqual(c.digits, ['5', '6']);
});
