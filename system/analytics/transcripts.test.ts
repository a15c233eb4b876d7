import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { PocketsphinxRecognizer } from '../../media/speech-pocketsphinx.ts';
import { readWav, toTelephony } from '../../media/wav.ts';
import { SpeechAnalyticsService } from './speech-analytics-service.ts';
import { TranscriptService, utteranceSpans } from './transcripts.ts';

test('speech spans become utterances: short gaps joined, long utterances cut, both sides in time order', () => {
  const spans = utteranceSpans({
    caller: [[0, 1000], [1400, 2000], [3000, 4000]],
    callee: [[2100, 2900], [5000, 12_000], [12_100, 21_000]],
  });
  assert.deepEqual(spans, [
    { side: 'caller', startMs: 0, endMs: 2000 },
    { side: 'callee', startMs: 2100, endMs: 2900 },
    { side: 'caller', startMs: 3000, endMs: 4000 },
    { side: 'callee', startMs: 5000, endMs: 12_000 },
    { side: 'callee', startMs: 12_100, endMs: 21_000 },
  ]);
});

const PROMPT = '/usr/share/asterisk/sounds/en_US_f_Allison/please-try-again.wav';
const engine = PocketsphinxRecognizer.open({ maxConcurrent: 1 });

test('a real recorded voice on the caller side is transcribed with the offline engine, marked experimental, with its event', { skip: (!engine || !existsSync(PROMPT)) && 'pocketsphinx or asterisk-core-sounds-en-wav missing (npm run setup)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-transcript-'));
  const store = new Store(join(dir, 'data'));
  const log = { info: () => undefined, warn: () => undefined };
  try {
    const voice = toTelephony(readWav(readFileSync(PROMPT)));
    const caller = new Int16Array(voice.length + 8000);
    caller.set(voice, 4000);
    const data = Buffer.alloc(caller.length * 4);
    for (let i = 0; i < caller.length; i++) data.writeInt16LE(caller[i], i * 4);
    const h = Buffer.alloc(44);
    h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20);
    h.writeUInt16LE(2, 22); h.writeUInt32LE(8000, 24); h.writeUInt32LE(32000, 28); h.writeUInt16LE(4, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
    const path = join(dir, 'call.wav');
    writeFileSync(path, Buffer.concat([h, data]));
    await store.transaction(() => store.tables.recordings.put('c1', { callId: 'c1', path, startedAt: 0, endedAt: 1, durationMs: 1 }));
    const analytics = new SpeechAnalyticsService({ store, keys: () => undefined, log });
    const transcripts = new TranscriptService({ store, keys: () => undefined, engine, log });
    assert.equal(await transcripts.request('c1', 'sup1'), 'CC_ANALYTICS_PENDING', 'no transcript before the analytics');
    assert.equal(await transcripts.request('nope', 'sup1'), 'CC_TRANSCRIBE_NO_RECORDING');
    analytics.start();
    await analytics.whenIdle();
    const started = await transcripts.request('c1', 'sup1');
    assert.ok(typeof started !== 'string' && started.state === 'running' && started.experimental);
    await transcripts.whenIdle();
    const row = transcripts.get('c1')!;
    assert.equal(row.state, 'done', JSON.stringify(row.error));
    assert.ok(row.utterances.length >= 1 && row.utterances.every((u) => u.side === 'caller' && u.text.length > 0), JSON.stringify(row.utterances));
    assert.ok(Math.abs(row.utterances[0].startMs - 500) <= 100, `the utterance starts where the voice does: ${row.utterances[0].startMs} ms`);
    const again = await transcripts.request('c1', 'sup2');
    assert.ok(typeof again !== 'string' && again.requestedBy === 'sup1', 'a done transcript is returned, not made again');
    const events = [...store.tables.events.getRange()].map((e) => (e.value as { type: string }).type).filter((t) => t.startsWith('transcript-'));
    assert.deepEqual(events, ['transcript-requested', 'transcript-done']);
    await Promise.all([analytics.close(), transcripts.close()]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
