import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_SAMPLES, LIMIT_KNEE, MAX_PARTIES, MixMinus, SAMPLE_RATE, softClip } from './mixer.ts';

/** Frame n (phase-continuous) of a sine tone. */
function toneFrame(freq: number, n: number, amplitude: number): Int16Array {
  const f = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    f[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * (n * FRAME_SAMPLES + i)) / SAMPLE_RATE));
  }
  return f;
}

/** Amplitude of `freq` in `x` by the Goertzel algorithm (exact for whole-bin tones). */
function goertzel(x: Int16Array, freq: number): number {
  const w = (2 * Math.PI * freq) / SAMPLE_RATE;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / x.length;
}

function concat(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.length * FRAME_SAMPLES);
  frames.forEach((f, i) => out.set(f, i * FRAME_SAMPLES));
  return out;
}

function db(a: number, ref: number): number {
  return 20 * Math.log10(Math.max(a, 1e-9) / ref);
}

/**
 * Runs `ticks` ticks; each party in `tones` pushes its tone every tick (unless `skip` says not),
 * and returns what each party heard over the whole run.
 */
function run(
  mixer: MixMinus,
  tones: Record<string, number>,
  ticks: number,
  amplitude = 4000,
  skip: (id: string, n: number) => boolean = () => false,
): Map<string, Int16Array> {
  const heard = new Map<string, Int16Array[]>();
  for (let n = 0; n < ticks; n++) {
    for (const [id, freq] of Object.entries(tones)) if (!skip(id, n)) mixer.push(id, toneFrame(freq, n, amplitude));
    for (const [id, frame] of mixer.mix()) {
      if (!heard.has(id)) heard.set(id, []);
      heard.get(id)!.push(frame);
    }
  }
  return new Map([...heard].map(([id, fs]) => [id, concat(fs)]));
}

const TONES3 = { a: 400, b: 700, c: 1100 };

test('each of three parties hears the other two tones and not its own', () => {
  const m = new MixMinus();
  for (const id of Object.keys(TONES3)) m.addParty(id);
  const heard = run(m, TONES3, 10);
  for (const [id, own] of Object.entries(TONES3)) {
    const x = heard.get(id)!;
    for (const [other, freq] of Object.entries(TONES3)) {
      if (other === id) continue;
      assert.ok(Math.abs(goertzel(x, freq) - 4000) < 40, `${id} hears ${other} at full level`);
    }
    const ref = Math.min(...Object.values(TONES3).filter((f) => f !== own).map((f) => goertzel(x, f)));
    assert.ok(db(goertzel(x, own), ref) <= -40, `${id}'s own tone is at least 40 dB down`);
  }
});

test('eight parties each hear the seven others and not themselves', () => {
  const freqs = [400, 700, 1100, 1500, 1900, 2300, 2700, 3100];
  const tones = Object.fromEntries(freqs.map((f, i) => [`p${i}`, f]));
  const m = new MixMinus();
  for (const id of Object.keys(tones)) m.addParty(id);
  assert.equal(m.size, MAX_PARTIES);
  const heard = run(m, tones, 10, 3000);
  assert.equal(heard.size, 8);
  for (const [id, own] of Object.entries(tones)) {
    const x = heard.get(id)!;
    const others = freqs.filter((f) => f !== own).map((f) => goertzel(x, f));
    for (const a of others) assert.ok(Math.abs(a - 3000) < 30, `${id} hears every other party (got ${a})`);
    assert.ok(db(goertzel(x, own), Math.min(...others)) <= -40, `${id}'s own tone is at least 40 dB down`);
  }
});

test('a ninth party is refused and adding a present party again changes nothing', () => {
  const m = new MixMinus();
  for (let i = 0; i < 8; i++) m.addParty(`p${i}`);
  m.addParty('p3');
  assert.equal(m.size, 8);
  assert.throws(() => m.addParty('p8'), RangeError);
});

test('full-scale inputs from all parties saturate with the right sign and never wrap', () => {
  const m = new MixMinus();
  for (let i = 0; i < 8; i++) m.addParty(`p${i}`);
  for (const level of [32767, -32768]) {
    for (let i = 0; i < 8; i++) m.push(`p${i}`, new Int16Array(FRAME_SAMPLES).fill(level));
    for (const [, frame] of m.mix()) {
      for (const s of frame) {
        assert.ok(Math.sign(s) === Math.sign(level), `sum of ${level}s stays on its side (got ${s})`);
        assert.ok(Math.abs(s) > 32000, `and is close to full scale (got ${s})`);
      }
    }
  }
  // Full-scale square waves in phase: every output sample follows the input's sign.
  for (let n = 0; n < 4; n++) {
    const sq = new Int16Array(FRAME_SAMPLES).map((_, i) => ((i >> 3) & 1 ? 32767 : -32768));
    for (let i = 0; i < 8; i++) m.push(`p${i}`, sq);
    for (const [, frame] of m.mix()) frame.forEach((s, i) => assert.equal(Math.sign(s), Math.sign(sq[i])));
  }
});

test('the mix follows rising input sums monotonically, with no wrap at any party count', () => {
  for (let talkers = 2; talkers <= 7; talkers++) {
    const m = new MixMinus();
    for (let i = 0; i <= talkers; i++) m.addParty(`p${i}`);
    let prev = -Infinity;
    // A ramp from -32768 to 32767 spread over 40 frames, pushed by every talker; p<talkers> listens.
    for (let n = 0; n < 40; n++) {
      const ramp = new Int16Array(FRAME_SAMPLES).map((_, i) => Math.round(-32768 + ((n * FRAME_SAMPLES + i) * 65535) / (40 * FRAME_SAMPLES - 1)));
      for (let i = 0; i < talkers; i++) m.push(`p${i}`, ramp);
      const heard = m.mix().get(`p${talkers}`)!;
      heard.forEach((s, i) => {
        assert.ok(s >= prev, `${talkers} talkers: output rises with the input (${prev} -> ${s})`);
        if (ramp[i] !== 0) assert.equal(Math.sign(s), Math.sign(ramp[i]));
        prev = s;
      });
    }
    assert.ok(prev > 32000, `${talkers} talkers reach near full scale`);
  }
});

test('the soft clipper is linear up to the knee, monotone above it and bounded by full scale', () => {
  for (const x of [0, 1, -1, 1000, -20000, LIMIT_KNEE, -LIMIT_KNEE]) assert.equal(softClip(x), x);
  let prev = -Infinity;
  for (let x = -8 * 32768; x <= 8 * 32768; x += 97) {
    const y = softClip(x);
    assert.ok(y >= prev, `monotone at ${x}`);
    assert.ok(y <= 32767 && y >= -32767, `bounded at ${x}`);
    prev = y;
  }
  assert.equal(softClip(Number.NaN), 0);
  assert.ok(softClip(Infinity) <= 32767 && softClip(-Infinity) >= -32767);
});

test('a listen-only party hears everyone and nobody hears it', () => {
  const m = new MixMinus();
  for (const id of ['a', 'b', 'sup']) m.addParty(id);
  m.setListenOnly('sup', true);
  const heard = run(m, { a: 400, b: 700, sup: 1100 }, 10);
  const sup = heard.get('sup')!;
  assert.ok(goertzel(sup, 400) > 3900 && goertzel(sup, 700) > 3900, 'supervisor hears both parties');
  for (const id of ['a', 'b']) assert.ok(goertzel(heard.get(id)!, 1100) < 1, `${id} does not hear the supervisor`);
  assert.ok(goertzel(heard.get('a')!, 700) > 3900 && goertzel(heard.get('b')!, 400) > 3900, 'the parties still hear each other');
});

test('a whisper is heard only by its target, and the whisperer still hears everyone', () => {
  const m = new MixMinus();
  for (const id of ['agent', 'caller', 'sup']) m.addParty(id);
  m.setWhisper('sup', 'agent');
  const heard = run(m, { agent: 400, caller: 700, sup: 1100 }, 10);
  const agent = heard.get('agent')!;
  const caller = heard.get('caller')!;
  const sup = heard.get('sup')!;
  assert.ok(goertzel(agent, 1100) > 3900, 'the agent hears the supervisor');
  assert.ok(goertzel(agent, 700) > 3900, 'the agent hears the caller');
  assert.ok(goertzel(agent, 400) < 1, 'the agent does not hear itself');
  assert.ok(goertzel(caller, 1100) < 1, 'the caller does not hear the supervisor');
  assert.ok(goertzel(caller, 400) > 3900, 'the caller hears the agent');
  assert.ok(goertzel(sup, 400) > 3900 && goertzel(sup, 700) > 3900, 'the supervisor hears both');
  assert.ok(goertzel(sup, 1100) < 1, 'the supervisor does not hear itself');

  // Barge: ending the whisper makes the supervisor heard by the whole room.
  m.setWhisper('sup', undefined);
  const after = run(m, { agent: 400, caller: 700, sup: 1100 }, 10);
  assert.ok(goertzel(after.get('caller')!, 1100) > 3900, 'after the whisper ends the caller hears the supervisor');
  assert.ok(goertzel(after.get('sup')!, 1100) < 1, 'and the supervisor still does not hear itself');
});

test('whispering to oneself or to an unknown party is refused', () => {
  const m = new MixMinus();
  m.addParty('a');
  assert.throws(() => m.setWhisper('a', 'a'));
  assert.throws(() => m.setWhisper('a', 'nobody'));
  assert.throws(() => m.setWhisper('nobody', 'a'));
});

test('a whisperer whose target leaves is heard by nobody rather than by the room', () => {
  const m = new MixMinus();
  for (const id of ['agent', 'caller', 'sup']) m.addParty(id);
  m.setWhisper('sup', 'agent');
  m.removeParty('agent');
  const heard = run(m, { caller: 700, sup: 1100 }, 5);
  assert.ok(goertzel(heard.get('caller')!, 1100) < 1);
  assert.ok(goertzel(heard.get('sup')!, 700) > 3900);
});

test('listen-only wins over whisper', () => {
  const m = new MixMinus();
  for (const id of ['a', 'sup']) m.addParty(id);
  m.setWhisper('sup', 'a');
  m.setListenOnly('sup', true);
  const heard = run(m, { a: 400, sup: 1100 }, 5);
  assert.ok(goertzel(heard.get('a')!, 1100) < 1);
});

test('a party that pushed no frame this tick contributes silence', () => {
  const m = new MixMinus();
  for (const id of Object.keys(TONES3)) m.addParty(id);
  // b sends only on even ticks.
  const heard = run(m, TONES3, 10, 4000, (id, n) => id === 'b' && n % 2 === 1);
  const a = heard.get('a')!;
  for (let n = 0; n < 10; n++) {
    const frame = a.subarray(n * FRAME_SAMPLES, (n + 1) * FRAME_SAMPLES);
    const b = goertzel(frame, 700);
    if (n % 2 === 1) assert.ok(b < 1, `tick ${n}: b is silent`);
    else assert.ok(b > 3900, `tick ${n}: b is heard`);
  }
  // A tick in which nobody pushed: everyone hears silence (frames are consumed by mix()).
  for (const [, frame] of m.mix()) assert.ok(frame.every((s) => s === 0));
});

test('a frame of the wrong length is refused and a frame for an unknown party is ignored', () => {
  const m = new MixMinus();
  m.addParty('a');
  assert.throws(() => m.push('a', new Int16Array(80)), RangeError);
  assert.equal(m.push('ghost', new Int16Array(FRAME_SAMPLES)), false);
  assert.equal(m.push('a', new Int16Array(FRAME_SAMPLES)), true);
});

test('the mixer copies pushed frames, so the caller may reuse its buffer', () => {
  const m = new MixMinus();
  m.addParty('a');
  m.addParty('b');
  const buf = new Int16Array(FRAME_SAMPLES).fill(1000);
  m.push('a', buf);
  buf.fill(-5);
  assert.ok(m.mix().get('b')!.every((s) => s === 1000));
});

test('parties can join and leave mid-stream', () => {
  const m = new MixMinus();
  m.addParty('a');
  m.addParty('b');
  let heard = run(m, { a: 400, b: 700 }, 5);
  assert.ok(goertzel(heard.get('a')!, 1100) < 1);

  m.addParty('c');
  heard = run(m, TONES3, 5);
  assert.ok(goertzel(heard.get('a')!, 1100) > 3900, 'a hears c once c joined');
  assert.ok(goertzel(heard.get('c')!, 400) > 3900 && goertzel(heard.get('c')!, 700) > 3900, 'c hears a and b');

  assert.equal(m.removeParty('a'), true);
  assert.equal(m.removeParty('a'), false);
  assert.equal(m.push('a', toneFrame(400, 0, 4000)), false);
  heard = run(m, { b: 700, c: 1100 }, 5);
  assert.deepEqual([...heard.keys()].sort(), ['b', 'c']);
  assert.ok(goertzel(heard.get('b')!, 400) < 1, 'nobody hears a after it left');
  assert.ok(goertzel(heard.get('b')!, 1100) > 3900);

  // The freed slot can be used again.
  for (let i = 0; i < 6; i++) m.addParty(`x${i}`);
  assert.equal(m.size, 8);
});

test('per-party gain scales what the others hear of that party', () => {
  const m = new MixMinus();
  for (const id of Object.keys(TONES3)) m.addParty(id);
  m.setGain('b', 0.5);
  m.setGain('c', 0);
  const heard = run(m, TONES3, 10);
  const a = heard.get('a')!;
  assert.ok(Math.abs(db(goertzel(a, 700), 4000) + 6.02) < 0.1, 'b is 6 dB down');
  assert.ok(goertzel(a, 1100) < 1, 'c at gain 0 is muted');
  const b = heard.get('b')!;
  assert.ok(goertzel(b, 700) < 1, 'b still does not hear itself with a gain set');
  assert.ok(goertzel(b, 400) > 3900);
  m.setGain('a', Number.NaN);
  m.setGain('b', 1e9);
  assert.doesNotThrow(() => m.mix());
});
