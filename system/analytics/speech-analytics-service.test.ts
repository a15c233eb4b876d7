import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { SpeechAnalyticsService, type SpeechAnalyticsRow } from './speech-analytics-service.ts';

/** A 16-bit PCM WAV, 8 kHz, one Int16Array per channel. */
function wavFile(channels: Int16Array[]): Buffer {
  const frames = channels[0].length;
  const data = Buffer.alloc(frames * channels.length * 2);
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels.length; c++) data.writeInt16LE(channels[c][i], (i * channels.length + c) * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(channels.length, 22); h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000 * 2 * channels.length, 28); h.writeUInt16LE(2 * channels.length, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function tone(seconds: number, from: number, to: number, hz: number): Int16Array {
  const out = new Int16Array(seconds * 8000);
  for (let i = from * 8000; i < to * 8000; i++) out[i] = Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / 8000));
  return out;
}

const log = { info: () => undefined, warn: () => undefined };

test('recorded calls without figures are analysed at start in the worker thread, once each; an unreadable file gets an error row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-analytics-'));
  const store = new Store(join(dir, 'data'));
  try {
    const good = join(dir, 'good.wav');
    writeFileSync(good, wavFile([tone(4, 0, 2, 200), tone(4, 1, 3, 300)]));
    writeFileSync(join(dir, 'bad.wav'), 'not a wav at all');
    await store.transaction(() => {
      store.tables.recordings.put('call-good', { callId: 'call-good', path: good, startedAt: 0, endedAt: 4000, durationMs: 4000 });
      store.tables.recordings.put('call-bad', { callId: 'call-bad', path: join(dir, 'bad.wav'), startedAt: 0, endedAt: 1, durationMs: 1 });
      store.tables.cdr.put('call-good', { callId: 'call-good', holdMs: 1234, holds: 1 });
    });
    const service = new SpeechAnalyticsService({ store, keys: () => undefined, log });
    service.start();
    service.enqueue('call-good'); // already queued: not twice
    await service.whenIdle();
    const row = service.get('call-good') as SpeechAnalyticsRow;
    assert.ok(row.figures, JSON.stringify(row.error));
    assert.equal(row.figures.caller.talkMs, 2000);
    assert.equal(row.figures.callee.talkMs, 2000);
    assert.equal(row.figures.overtalkMs, 1000);
    assert.equal(row.figures.silenceMs, 1000);
    assert.equal(row.holdMs, 1234);
    assert.equal(service.counts.worker, 1, 'analysed off the main thread, once');
    const bad = service.get('call-bad') as SpeechAnalyticsRow;
    assert.equal(bad.error?.code, 'CC_ANALYTICS_UNREADABLE');
    const events = [...store.tables.events.getRange()].map((e) => e.value as { type: string; callId?: string }).filter((e) => e.type === 'speech-analytics');
    assert.deepEqual(events.map((e) => e.callId).sort(), ['call-bad', 'call-good']);
    // A second start finds nothing left to do.
    const again = new SpeechAnalyticsService({ store, keys: () => undefined, log });
    again.start();
    await again.whenIdle();
    assert.equal(again.counts.worker + again.counts.inline + again.counts.failed, 0);
    await Promise.all([service.close(), again.close()]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
