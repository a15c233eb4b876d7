import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { analyzeSpeech, FRAME_MS } from './speech-analytics.ts';
import { readWav, toTelephony } from './wav.ts';

const RATE = 8000;

/** Deterministic line noise at about -70 dBFS, so "silence" is not digital zero. */
function noise(seconds: number, seed = 1): Int16Array {
  const out = new Int16Array(Math.round(seconds * RATE));
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = ((s / 0x7fffffff) - 0.5) * 20;
  }
  return out;
}

/** Adds a voiced sound (harmonics of f0, amplitude amp) over [from, to) seconds; f0 and amp may vary with time. */
function voice(into: Int16Array, from: number, to: number, f0: (t: number) => number = () => 160, amp: (t: number) => number = () => 6000): void {
  let phase = 0;
  for (let i = Math.round(from * RATE); i < Math.min(into.length, Math.round(to * RATE)); i++) {
    const t = i / RATE;
    phase += (2 * Math.PI * f0(t)) / RATE;
    const v = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase);
    into[i] = Math.max(-32768, Math.min(32767, into[i] + amp(t) * v / 1.75));
  }
}

const near = (actual: number, expected: number, what: string, tolerance = FRAME_MS) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} ms, expected ${expected} ± ${tolerance}`);

test('talk, silence and overtalk of a scripted call come out within one 20 ms frame', () => {
  const caller = noise(8, 1);
  const callee = noise(8, 2);
  voice(caller, 0.5, 3.0);          // caller 0.5-3.0 s
  voice(callee, 2.01, 5.0, () => 220); // callee 2.01-5.0 s: 0.99 s overlap, boundary off the frame grid
  voice(callee, 6.0, 7.5, () => 220);  // callee again after 1 s of silence
  const f = analyzeSpeech([caller, callee]);
  near(f.durationMs, 8000, 'duration');
  near(f.caller.talkMs, 2500, 'caller talk');
  near(f.callee.talkMs, 2990 + 1500, 'callee talk');
  near(f.overtalkMs, 990, 'overtalk');
  // silence: 0-0.5, 5.0-6.0, 7.5-8.0
  near(f.silenceMs, 500 + 1000 + 500, 'silence', 2 * FRAME_MS);
  near(f.longestSilenceMs, 1000, 'longest silence');
  assert.equal(f.longestMonologue?.side, 'callee');
  near(f.longestMonologue!.ms, 7500 - 3000, 'callee monologue (3.0-7.5 s, the silent second inside it)');
  near(f.longestMonologue!.atMs, 3000, 'monologue start');
  assert.ok(f.talkListenRatio! > 1.7 && f.talkListenRatio! < 1.9, `talk/listen ${f.talkListenRatio}`);
  assert.deepEqual(f.segments.caller.length, 1);
  near(f.segments.callee[1][0], 6000, 'second callee segment start');
});

test('a short "mm" from the other side is overtalk but does not end a monologue', () => {
  const caller = noise(10, 3);
  const callee = noise(10, 4);
  voice(caller, 0, 10);
  voice(callee, 5, 5.2, () => 200);
  const f = analyzeSpeech([caller, callee]);
  near(f.overtalkMs, 200, 'overtalk');
  assert.equal(f.longestMonologue?.side, 'caller');
  near(f.longestMonologue!.ms, 10_000, 'caller monologue');
  near(f.silenceMs, 0, 'silence');
  assert.equal(f.callee.agitation, null, 'a fifth of a second is too little to judge');
});

test('a voice swinging in pitch and loudness scores more agitated than a steady one', () => {
  const steady = noise(6, 5);
  const swinging = noise(6, 6);
  voice(steady, 0, 6, () => 150, () => 3000);
  voice(swinging, 0, 6, (t) => 200 + 90 * Math.sin(2 * Math.PI * 1.5 * t), (t) => 9000 + 7000 * Math.sin(2 * Math.PI * 0.7 * t));
  const f = analyzeSpeech([steady, swinging]);
  assert.ok(f.caller.agitation !== null && f.callee.agitation !== null);
  assert.ok(f.caller.agitation! <= 25, `steady voice agitation ${f.caller.agitation}`);
  assert.ok(f.callee.agitation! >= 50, `swinging voice agitation ${f.callee.agitation}`);
  assert.ok(Math.abs(f.caller.medianPitchHz! - 150) < 5, `steady pitch ${f.caller.medianPitchHz}`);
});

test('empty, one-channel and all-silent audio give zero figures, never an exception', () => {
  const none = analyzeSpeech([]);
  assert.equal(none.durationMs, 0);
  assert.equal(none.longestMonologue, null);
  const mono = analyzeSpeech([noise(1)]);
  assert.equal(mono.callee.talkMs, 0);
  const silent = analyzeSpeech([new Int16Array(16000), new Int16Array(16000)]);
  assert.equal(silent.silenceMs, 2000);
  assert.equal(silent.talkListenRatio, null);
});

const ALLISON = '/usr/share/asterisk/sounds/en_US_f_Allison/agent-loginok.wav';
test('real recorded voice (Debian asterisk-core-sounds) is found as speech with a plausible female pitch', { skip: !existsSync(ALLISON) && 'asterisk-core-sounds-en-wav is not installed (npm run setup)' }, () => {
  const speech = toTelephony(readWav(readFileSync(ALLISON)));
  const f = analyzeSpeech([speech, noise(speech.length / RATE)]);
  assert.ok(f.caller.talkMs > 0.4 * f.durationMs, `talk ${f.caller.talkMs} of ${f.durationMs} ms`);
  assert.ok(f.caller.medianPitchHz! > 140 && f.caller.medianPitchHz! < 300, `pitch ${f.caller.medianPitchHz} Hz`);
  assert.equal(f.callee.talkMs, 0);
});
