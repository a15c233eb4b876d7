import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePeaks } from './waveform-peaks.ts';

test('each span gives its lowest and highest sample per channel, scaled to -1..1', () => {
  const left = Int16Array.from([0, 16384, -16384, 0, 32767, -32768, 0, 0]);
  const right = Int16Array.from([0, 0, 0, 0, 0, 0, 8192, -8192]);
  const p = computePeaks({ sampleRate: 8000, channels: 2, samples: [left, right] }, 4);
  assert.equal(p.buckets, 4);
  assert.equal(p.durationMs, 1);
  assert.deepEqual(p.channels[0], { min: [0, -0.5, -1, 0], max: [0.5, 0, 1, 0] });
  assert.deepEqual(p.channels[1], { min: [0, 0, 0, -0.25], max: [0, 0, 0, 0.25] });
});

test('spans cover every sample when the count does not divide evenly, and never exceed the samples', () => {
  const s = Int16Array.from({ length: 10 }, (_, i) => i * 1000);
  const p = computePeaks({ sampleRate: 8000, channels: 1, samples: [s] }, 3);
  assert.deepEqual(p.channels[0].min, [0, 0.0916, 0.1831]);
  assert.deepEqual(p.channels[0].max, [0.061, 0.1526, 0.2747]);
  assert.equal(computePeaks({ sampleRate: 8000, channels: 1, samples: [s] }, 1000).buckets, 10);
  assert.equal(computePeaks({ sampleRate: 8000, channels: 1, samples: [new Int16Array(0)] }, 1000).buckets, 0);
});
