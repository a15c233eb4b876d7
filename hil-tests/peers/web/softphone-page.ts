// The test page's script (bundled with the softphone module by hil-tests/harness/chromium-softphone.ts):
// sign in through the API, open the softphone, wire its events to the page and its buttons
// to its verbs. Exposes `window.softphoneTest` so a test can read events, stats and what the
// agent hears (a Goertzel tone measure over the received audio).
import { createSoftphone, type Softphone } from '../../../system/web/src/softphone/index.ts';

declare global {
  interface Window {
    softphoneTest: {
      phone?: Softphone;
      events: { event: string; at: number; data?: unknown }[];
      /** Ratio (0..1) of the received audio's power at `hz` to its total power, over `ms`, and its RMS (0..1). */
      measure(hz: number, ms: number): Promise<{ ratio: number; rms: number }>;
    };
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (s: string) => ($('status').textContent = s);
const events: Window['softphoneTest']['events'] = [];
const log = (event: string, data?: unknown) => events.push({ event, at: Date.now(), data });

window.softphoneTest = { events, measure };

$<HTMLFormElement>('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  void signIn().catch((err) => {
    status(`sign-in failed: ${err instanceof Error ? err.message : String(err)}`);
    log('signin-failed', String(err));
  });
});

async function signIn(): Promise<void> {
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: $<HTMLInputElement>('username').value, password: $<HTMLInputElement>('password').value }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${body.code}: ${body.message}`);
  status('connecting');
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/softphone`;
  const phone = createSoftphone({ token: body.token, wsUrl, audio: $<HTMLAudioElement>('remote') });
  window.softphoneTest.phone = phone;
  const buttons = (state: 'idle' | 'ringing' | 'talking') => {
    $<HTMLButtonElement>('answer').disabled = state !== 'ringing';
    $<HTMLButtonElement>('hangup').disabled = state === 'idle';
    $<HTMLButtonElement>('hold').disabled = state !== 'talking';
    $<HTMLButtonElement>('mute').disabled = state !== 'talking';
    for (const b of $('keypad').querySelectorAll('button')) (b as HTMLButtonElement).disabled = state !== 'talking';
  };
  phone.on('ready', (d) => {
    log('ready', d);
    status(`ready (${d.agentId}, calls ring ${d.device === 'browser' ? 'here' : 'on the phone'})`);
  });
  phone.on('incoming', (c) => {
    log('incoming', { callId: c.id, caller: c.info.caller.number, queue: c.info.queue, ...(c.info.consult ? { consult: c.info.consult } : {}) });
    status('ringing');
    $('call').textContent = `${c.info.caller.number}${c.info.queue ? ` (queue ${c.info.queue})` : ''}${c.info.consult ? ` (consultation from ${c.info.consult.agent})` : ''}`;
    buttons('ringing');
  });
  phone.on('connected', (c) => {
    log('connected', { callId: c.id });
    status('connected');
    buttons('talking');
  });
  phone.on('held', (c) => {
    log('held', { held: c.held });
    status(c.held ? 'on hold' : 'connected');
    $('hold').textContent = c.held ? 'Resume' : 'Hold';
  });
  phone.on('muted', (c) => {
    log('muted', { muted: c.muted });
    $('mute').textContent = c.muted ? 'Unmute' : 'Mute';
  });
  phone.on('digit', (d) => log('digit', d.digit));
  phone.on('ended', (e) => {
    log('ended', { callId: e.call.id, reason: e.reason });
    status(`ended (${e.reason})`);
    $('call').textContent = 'none';
    buttons('idle');
  });
  phone.on('closed', (d) => {
    log('closed', d);
    status(`closed: ${d.code}`);
    buttons('idle');
  });
  const act = (name: string, fn: () => Promise<void> | void) => async () => {
    try {
      await fn();
      log(`${name}-ok`);
    } catch (err) {
      log(`${name}-failed`, { code: (err as { code?: string }).code, message: String(err) });
    }
  };
  $('answer').onclick = act('answer', () => phone.answer());
  $('hangup').onclick = act('hangup', () => phone.hangup());
  $('hold').onclick = act('hold', () => phone.hold(!phone.call?.held));
  $('mute').onclick = act('mute', () => phone.mute(!phone.call?.muted));
  for (const d of '123456789*0#') {
    const b = document.createElement('button');
    b.textContent = d;
    b.dataset.digit = d;
    b.disabled = true;
    b.onclick = act('dtmf', () => phone.sendDigit(d));
    $('keypad').append(b);
  }
  buttons('idle');
}

/** What the agent hears: Goertzel power at `hz` against the total, over `ms` of the received track. */
async function measure(hz: number, ms: number): Promise<{ ratio: number; rms: number }> {
  const track = window.softphoneTest.phone?.remoteTrack;
  if (!track) return { ratio: 0, rms: 0 };
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 4096;
  source.connect(analyser);
  // One Goertzel per analyser window (windows are snapshots, not a continuous stream), averaged.
  const buf = new Float32Array(analyser.fftSize);
  const frameMs = (analyser.fftSize / ctx.sampleRate) * 1000;
  const until = performance.now() + ms;
  const k = 2 * Math.cos((2 * Math.PI * hz) / ctx.sampleRate);
  let ratioSum = 0;
  let energySum = 0;
  let windows = 0;
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, frameMs));
    analyser.getFloatTimeDomainData(buf);
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (const x of buf) {
      const s0 = x + k * s1 - s2;
      s2 = s1;
      s1 = s0;
      energy += x * x;
    }
    const power = s1 * s1 + s2 * s2 - k * s1 * s2;
    ratioSum += energy ? power / ((energy * buf.length) / 2) : 0;
    energySum += energy / buf.length;
    windows++;
  }
  source.disconnect();
  await ctx.close();
  return { ratio: windows ? ratioSum / windows : 0, rms: windows ? Math.sqrt(energySum / windows) : 0 };
}
