import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_SAMPLES, MixMinus, SAMPLE_RATE } from './mixer.ts';
import { mixSettingsFor, sourcesHeardBy, MONITOR_MODES, type MixMember, type MonitorMode } from './monitor-modes.ts';
import { toneShare } from './tone-share.ts';

const TONES: Record<string, number> = { caller: 500, agent: 1100, third: 1700, sup: 2300 };

function toneFrame(hz: number, n: number): Int16Array {
  const f = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) f[i] = Math.round(3000 * Math.sin((2 * Math.PI * hz * (n * FRAME_SAMPLES + i)) / SAMPLE_RATE));
  return f;
}

/** Configure a MixMinus from the members (as the call's mix does) and run everyone's tone through it. */
function mixed(members: MixMember[], ticks = 10): Map<string, Int16Array> {
  const m = new MixMinus();
  for (const x of members) m.addParty(x.id);
  for (const x of members) {
    const s = mixSettingsFor(x);
    m.setListenOnly(x.id, s.listenOnly);
    if (s.whisperTo !== undefined && m.has(s.whisperTo)) m.setWhisper(x.id, s.whisperTo);
  }
  const heard = new Map(members.map((x) => [x.id, new Int16Array(ticks * FRAME_SAMPLES)]));
  for (let n = 0; n < ticks; n++) {
    for (const x of members) m.push(x.id, toneFrame(TONES[x.id], n));
    for (const [id, frame] of m.mix()) heard.get(id)!.set(frame, n * FRAME_SAMPLES);
  }
  return heard;
}

/** The ids whose tone is clearly present in what `id` heard. */
function audible(heard: Int16Array, among: string[]): Set<string> {
  return new Set(among.filter((id) => toneShare(heard, TONES[id]) > 0.05));
}

const sup = (mode: MonitorMode): MixMember => ({ id: 'sup', monitor: { mode, agent: 'agent' } });

test('listen: the supervisor hears caller and agent; nobody hears the supervisor', () => {
  const sets = sourcesHeardBy([{ id: 'caller' }, { id: 'agent' }, sup('listen')]);
  assert.deepEqual(sets, new Map([['caller', new Set(['agent'])], ['agent', new Set(['caller'])], ['sup', new Set(['caller', 'agent'])]]));
});

test('whisper: the agent hears caller and supervisor; the caller hears only the agent', () => {
  const sets = sourcesHeardBy([{ id: 'caller' }, { id: 'agent' }, sup('whisper')]);
  assert.deepEqual(sets, new Map([['caller', new Set(['agent'])], ['agent', new Set(['caller', 'sup'])], ['sup', new Set(['caller', 'agent'])]]));
});

test('barge: all three hear each other and nobody hears itself', () => {
  const sets = sourcesHeardBy([{ id: 'caller' }, { id: 'agent' }, sup('barge')]);
  assert.deepEqual(sets, new Map([['caller', new Set(['agent', 'sup'])], ['agent', new Set(['caller', 'sup'])], ['sup', new Set(['caller', 'agent'])]]));
});

test('a whisper to an agent who is not in the mix (or to oneself) is heard by nobody', () => {
  assert.deepEqual(sourcesHeardBy([{ id: 'caller' }, { id: 'sup', monitor: { mode: 'whisper', agent: 'gone' } }]).get('caller'), new Set());
  assert.deepEqual(mixSettingsFor({ id: 'sup', monitor: { mode: 'whisper', agent: 'sup' } }), { listenOnly: true, whisperTo: undefined });
});

test('the mixer realises the source sets: every mode, with and without a third party, by tone', () => {
  for (const mode of MONITOR_MODES) {
    for (const withThird of [false, true]) {
      const members: MixMember[] = [{ id: 'caller' }, { id: 'agent' }, ...(withThird ? [{ id: 'third' }] : []), sup(mode)];
      const ids = members.map((m) => m.id);
      const want = sourcesHeardBy(members);
      const heard = mixed(members);
      for (const id of ids) assert.deepEqual(audible(heard.get(id)!, ids), want.get(id), `${mode}${withThird ? ' with a third party' : ''}: what ${id} hears`);
    }
  }
});

test('switching modes in the same mix changes who hears the supervisor from the next tick', () => {
  const m = new MixMinus();
  for (const id of ['caller', 'agent', 'sup']) m.addParty(id);
  const ids = ['caller', 'agent', 'sup'];
  let n = 0;
  const tick = (mode: MonitorMode): Map<string, Set<string>> => {
    const s = mixSettingsFor(sup(mode));
    m.setListenOnly('sup', s.listenOnly);
    m.setWhisper('sup', s.whisperTo);
    const heard = new Map(ids.map((id) => [id, new Int16Array(5 * FRAME_SAMPLES)]));
    for (let k = 0; k < 5; k++, n++) {
      for (const id of ids) m.push(id, toneFrame(TONES[id], n));
      for (const [id, f] of m.mix()) heard.get(id)!.set(f, k * FRAME_SAMPLES);
    }
    return new Map(ids.map((id) => [id, audible(heard.get(id)!, ids)]));
  };
  for (const mode of ['listen', 'whisper', 'barge', 'listen'] as MonitorMode[]) {
    assert.deepEqual(tick(mode), sourcesHeardBy([{ id: 'caller' }, { id: 'agent' }, sup(mode)]), `after switching to ${mode}`);
  }
});
