// Multi-party calls and supervision through the whole box with real peers. A carrier caller
// (sipp, media from a test socket sending 500 Hz) reaches agent 1004, a sipp phone whose media
// is a test socket sending 1100 Hz. Over the API the call gets a third party, extension 1005
// (1700 Hz): the call switches from its two-party forward to the mixer and each of the three
// hears the other two and not itself. A supervisor on extension 1006 (2300 Hz) joins in
// whisper (the agent hears it, caller and third party do not), switches to listen (nobody
// hears it; it hears everyone) and to barge (all hear all), every action audit-logged. The
// third party is dropped (the two left keep talking, still mixed). The recording is one file
// with the caller on channel 1 and what the caller heard on channel 2, before and after the
// switch; its parties list everyone; the CDR lists the conference members with join/leave
// times and the supervisor's modes. A second call: its agent (signed in as an agent user; one
// not on the call is refused) brings in a colleague by agent id, then hangs up: the caller and
// the colleague go on talking (the colleague takes the callee's side).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { RtpPeer, toneRatio } from './harness/rtp-peer.ts';
import { freePort } from './harness/ports.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { encodeUlaw } from '../media/g711.ts';

const CALLER_HZ = 500;
const AGENT_HZ = 1100;
const THIRD_HZ = 1700;
const SUP_HZ = 2300;
const CALLER_NUMBER = '13800138000';

let box: BoxProcess;
let api: ApiClient;
/** SIP ports on 127.0.0.4 of the sipp phones registered as these extensions. */
const phonePorts: Record<string, number> = {};

before(async () => {
  box = await startBoxProcess({
    extensions: ['1004', '1005', '1006', '1007'].map((number) => ({ number, password: `secret${number}` })),
    trunks: [{ name: 'carrier', kind: 'static', host: '127.0.0.2' }],
    dids: [{ number: '5550104', trunk: 'carrier', destination: 'ext:1004' }, { number: '5550107', trunk: 'carrier', destination: 'ext:1007' }],
    agents: [{ id: 'agent7', extension: '1007' }, { id: 'agent5', extension: '1005' }, { id: 'agent4', extension: '1004' }],
    calls: { noAnswerTimeoutSec: 10 },
    // Not an overload test: other test runs on this shared 2-core box must not make it refuse the caller.
    security: { maxEventLoopLagMs: 0 },
  });
  for (const ext of ['1004', '1005', '1006', '1007']) {
    phonePorts[ext] = await freePort('127.0.0.4');
    const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: '127.0.0.4', localPort: phonePorts[ext], target: `127.0.0.1:${box.sipPort}`, keys: { ext }, extra: ['-au', ext, '-ap', `secret${ext}`] }).done;
    assert.equal(reg.code, 0, `sipp phone registered ${ext}: ${reg.errors || reg.stderr}`);
  }
  api = await signIn(box);
  for (const username of ['agent7', 'agent4']) {
    const made = await api.call('POST', '/api/users', { username, role: 'agent', password: `${username}-password` });
    assert.equal(made.status, 201, JSON.stringify(made.body));
  }
});

after(async () => {
  await box?.stop();
});

/** A test socket that keeps sending a `hz` tone to the box port it is given. */
async function voice(ip: string, hz: number): Promise<{ peer: RtpPeer; talkTo: (port: number) => void; stop: () => void }> {
  const peer = await RtpPeer.open(ip);
  let t: NodeJS.Timeout | undefined;
  let n = 0;
  let stopped = false;
  return {
    peer,
    talkTo: (port) => {
      t = setInterval(() => {
        const pcm = new Int16Array(160);
        for (let i = 0; i < 160; i++, n++) pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * hz * n) / 8000));
        peer.socket.send(peer.packet(0, encodeUlaw(pcm)), port, '127.0.0.1');
      }, 20);
    },
    stop: () => {
      clearInterval(t);
      if (!stopped) peer.close();
      stopped = true;
    },
  };
}

interface Phone {
  ext: string;
  sipp: SippRun;
  voice: Awaited<ReturnType<typeof voice>>;
}

/** A registered sipp phone that answers the box's next call and talks `hz` once answered. */
async function phone(ext: string, hz: number, scenario = 'multiparty-phone.xml', pauseMs?: number): Promise<Phone> {
  const v = await voice('127.0.0.4', hz);
  const sipp = runSipp({ scenario, localIp: '127.0.0.4', localPort: phonePorts[ext], keys: { agent: ext, agent_rtp_ip: '127.0.0.4', agent_rtp_port: v.peer.port }, timeoutSec: 90, ...(pauseMs ? { pauseMs } : {}) });
  void sipp.waitForLog(/AGENTBOXPORT (\d+)/, 80_000).then(([, port]) => v.talkTo(Number(port)), () => undefined);
  return { ext, sipp, voice: v };
}

/** A carrier caller talking `CALLER_HZ`, hanging up `holdMs` after the answer. */
async function carrierCall(dialled: string, holdMs: number): Promise<{ peer: RtpPeer; uac: SippRun; stop: () => void }> {
  const v = await voice('127.0.0.2', CALLER_HZ);
  const uac = runSipp({
    scenario: 'uac-call.xml',
    localIp: '127.0.0.2',
    target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled, caller: CALLER_NUMBER, rtp_ip: '127.0.0.2', rtp_port: v.peer.port },
    pauseMs: holdMs,
    timeoutSec: Math.ceil(holdMs / 1000) + 30,
  });
  const [, boxPort] = await uac.waitForLog(/BOXPORT (\d+)/);
  v.talkTo(Number(boxPort));
  return { peer: v.peer, uac, stop: v.stop };
}

/** Which of the tones each peer heard over the next `ms` (tone share of what it received). */
async function listen(peers: Record<string, RtpPeer>, ms: number): Promise<Record<string, (hz: number) => number>> {
  const from = Object.fromEntries(Object.entries(peers).map(([k, p]) => [k, p.received.length]));
  await new Promise((r) => setTimeout(r, ms));
  return Object.fromEntries(
    Object.entries(peers).map(([k, p]) => {
      const heard = p.received.slice(from[k]).filter((x) => x.payloadType === 0).map((x) => x.payload);
      return [k, (hz: number) => (heard.length < 25 ? 0 : toneRatio(heard, hz))];
    }),
  );
}

/** Assert who hears which tone: `want[peer]` lists the tones it must hear; the others it must not. */
async function assertHearing(what: string, peers: Record<string, RtpPeer>, want: Record<string, number[]>, tones: number[]): Promise<string> {
  // Let a switch settle (mixer queue, consumer change), then judge 1.5 s.
  await new Promise((r) => setTimeout(r, 400));
  const heard = await listen(peers, 1500);
  const report = Object.entries(heard).map(([k, at]) => `${k}: ${tones.map((hz) => `${hz}=${at(hz).toFixed(3)}`).join(' ')}`).join('; ');
  for (const [k, hears] of Object.entries(want)) {
    for (const hz of tones) {
      const share = heard[k](hz);
      if (hears.includes(hz)) assert.ok(share > 0.1, `${what}: ${k} hears ${hz} Hz (${report})`);
      else assert.ok(share < 0.01, `${what}: ${k} does not hear ${hz} Hz (${report})`);
    }
  }
  return `${what}: ${report}`;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Band RMS (sox) of one channel of a WAV between two offsets in seconds. */
function bandRmsBetween(file: string, channel: 1 | 2, hz: number, fromSec: number, toSec: number): number {
  const report = spawnSync('sox', [file, '-n', 'trim', fromSec.toFixed(2), (toSec - fromSec).toFixed(2), 'remix', String(channel), 'sinc', `${hz - 60}-${hz + 60}`, 'stats'], { encoding: 'utf8' }).stderr;
  const m = /RMS lev dB\s+(-?[\d.]+|-inf)/.exec(report);
  return !m || m[1] === '-inf' ? 0 : 10 ** (Number(m[1]) / 20);
}

async function liveCallTo(ext: string): Promise<any> {
  return until(`a live call to ${ext}`, async () => {
    const r = await api.call('GET', '/api/calls');
    assert.equal(r.status, 200);
    return r.body.find((c: any) => c.state === 'answered' && c.callee?.id === ext);
  });
}

test('a 3-way call grown from a live call, then whisper, listen and barge by a supervisor: who hears whom, recording, CDR and audit', async (t) => {
  const agent = await phone('1004', AGENT_HZ);
  const third = await phone('1005', THIRD_HZ);
  const sup = await phone('1006', SUP_HZ);
  const caller = await carrierCall('5550104', 35_000);
  const tones = [CALLER_HZ, AGENT_HZ, THIRD_HZ, SUP_HZ];
  let addedAt = 0;
  try {
    const call = await liveCallTo('1004');
    assert.deepEqual(call.parties.map((p: any) => [p.role, p.party.number, p.state]), [['caller', CALLER_NUMBER, 'talking'], ['callee', '1004', 'talking']]);
    assert.equal(call.mixed, false);
    await assertHearing('two parties', { caller: caller.peer, agent: agent.voice.peer }, { caller: [AGENT_HZ], agent: [CALLER_HZ] }, tones);

    // The agent's side brings in extension 1005.
    addedAt = Date.now();
    const added = await api.call('POST', `/api/calls/${call.id}/parties`, { number: '1005' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.deepEqual([added.body.id, added.body.role, added.body.party.number, added.body.state], ['p1', 'party', '1005', 'talking']);
    const logTime = (re: RegExp) => JSON.parse(box.logs.find((l) => re.test(l))!).time as number;
    t.diagnostic(`add request to mixed: ${logTime(/"msg":"call switched to the mixer"/) - addedAt} ms (ringing and answer included), party rung to mixed: ${logTime(/"msg":"call switched to the mixer"/) - logTime(/"msg":"party rung"/)} ms`);
    const peers3 = { caller: caller.peer, agent: agent.voice.peer, third: third.voice.peer };
    await assertHearing('three parties', peers3, { caller: [AGENT_HZ, THIRD_HZ], agent: [CALLER_HZ, THIRD_HZ], third: [CALLER_HZ, AGENT_HZ] }, tones);
    const mixed = (await api.call('GET', '/api/calls')).body.find((c: any) => c.id === call.id);
    assert.equal(mixed.mixed, true);
    assert.deepEqual(mixed.parties.map((p: any) => [p.id, p.role, p.state]).sort(), [['callee', 'callee', 'talking'], ['caller', 'caller', 'talking'], ['p1', 'party', 'talking']]);

    // A supervisor whispers to the agent.
    const mon = await api.call('POST', `/api/calls/${call.id}/monitor`, { mode: 'whisper', from: '1006' });
    assert.equal(mon.status, 201, JSON.stringify(mon.body));
    assert.deepEqual([mon.body.id, mon.body.role, mon.body.mode], ['m1', 'monitor', 'whisper']);
    const peers4 = { ...peers3, sup: sup.voice.peer };
    const whisper = await assertHearing('whisper', peers4, {
      caller: [AGENT_HZ, THIRD_HZ], agent: [CALLER_HZ, THIRD_HZ, SUP_HZ], third: [CALLER_HZ, AGENT_HZ], sup: [CALLER_HZ, AGENT_HZ, THIRD_HZ],
    }, tones);

    t.diagnostic(`tone shares heard (${whisper})`);
    const listenMode = await api.call('PUT', `/api/calls/${call.id}/monitor/m1`, { mode: 'listen' });
    assert.equal(listenMode.status, 200, JSON.stringify(listenMode.body));
    await assertHearing('listen', peers4, {
      caller: [AGENT_HZ, THIRD_HZ], agent: [CALLER_HZ, THIRD_HZ], third: [CALLER_HZ, AGENT_HZ], sup: [CALLER_HZ, AGENT_HZ, THIRD_HZ],
    }, tones);

    const barge = await api.call('PUT', `/api/calls/${call.id}/monitor/m1`, { mode: 'barge' });
    assert.equal(barge.status, 200, JSON.stringify(barge.body));
    await assertHearing('barge', peers4, {
      caller: [AGENT_HZ, THIRD_HZ, SUP_HZ], agent: [CALLER_HZ, THIRD_HZ, SUP_HZ], third: [CALLER_HZ, AGENT_HZ, SUP_HZ], sup: [CALLER_HZ, AGENT_HZ, THIRD_HZ],
    }, tones);

    // The third party is dropped: it gets a BYE, the others go on (still mixed).
    const dropped = await api.call('DELETE', `/api/calls/${call.id}/parties/p1`);
    assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
    assert.equal(dropped.body.state, 'left');
    const thirdDone = await third.sipp.done;
    assert.equal(thirdDone.code, 0, `the third party got its BYE: ${thirdDone.errors || thirdDone.stderr}`);
    await assertHearing('after the third party left', { caller: caller.peer, agent: agent.voice.peer, sup: sup.voice.peer }, {
      caller: [AGENT_HZ, SUP_HZ], agent: [CALLER_HZ, SUP_HZ], sup: [CALLER_HZ, AGENT_HZ],
    }, tones);

    // A party still ringing can be dropped: its phone gets a CANCEL, and whoever added it hears why.
    const ringer = runSipp({ scenario: 'uas-ring.xml', localIp: '127.0.0.4', localPort: phonePorts['1005'], timeoutSec: 60 });
    const pending = api.call('POST', `/api/calls/${call.id}/parties`, { number: '1005' });
    await until('the second added party rings', async () => (await api.call('GET', '/api/calls')).body.find((c: any) => c.id === call.id)?.parties.some((p: any) => p.id === 'p2' && p.state === 'ringing'));
    const cancelled = await api.call('DELETE', `/api/calls/${call.id}/parties/p2`);
    assert.deepEqual([cancelled.status, cancelled.body.state], [200, 'left'], JSON.stringify(cancelled.body));
    const answer = await pending;
    assert.deepEqual([answer.status, answer.body.code], [409, 'CC_CALL_PARTY_FAILED'], JSON.stringify(answer.body));
    const rang = await ringer.done;
    assert.equal(rang.code, 0, `the ringing phone got a CANCEL: ${rang.errors || rang.stderr}`);

    // Errors answer with codes.
    const unknown = await api.call('PUT', `/api/calls/${call.id}/monitor/m9`, { mode: 'listen' });
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'CC_CALL_PARTY_UNKNOWN']);
    const notRegistered = await api.call('POST', `/api/calls/${call.id}/parties`, { number: '1099' });
    assert.equal(notRegistered.body.code, 'CC_CALL_PARTY_FAILED', JSON.stringify(notRegistered.body));

    const r = await caller.uac.done;
    assert.equal(r.code, 0, `the caller's call went on until it hung up: ${r.errors || r.stderr}`);
    for (const p of [agent, sup]) {
      const d = await p.sipp.done;
      assert.equal(d.code, 0, `${p.ext} got a BYE when the caller hung up: ${d.errors || d.stderr}`);
    }
  } finally {
    caller.stop();
    caller.uac.kill();
    for (const p of [agent, third, sup]) {
      p.voice.stop();
      p.sipp.kill();
    }
  }

  const cdr = await box.cdr('5550104', (c) => c.conference !== undefined);
  assert.ok(cdr, 'CDR written');
  const members = cdr.conference.members;
  assert.deepEqual(members.map((m: any) => [m.id, m.role, m.party.number]).sort(), [['callee', 'callee', '1004'], ['caller', 'caller', CALLER_NUMBER], ['m1', 'monitor', '1006'], ['p1', 'party', '1005']]);
  for (const m of members) assert.ok(m.joinedAt >= cdr.answeredAt && m.leftAt >= m.joinedAt && m.leftAt <= cdr.endedAt, `${m.id} has join and leave times within the call`);
  const p1 = members.find((m: any) => m.id === 'p1');
  assert.ok(p1.leftAt < cdr.endedAt - 1000, 'the dropped party left well before the end');
  assert.deepEqual(members.find((m: any) => m.id === 'm1').modes.map((x: any) => x.mode), ['whisper', 'listen', 'barge']);

  const row = (await box.read<any>('recordings')).find((x) => x.key === cdr.callId)?.value;
  assert.ok(row, 'the call was recorded');
  assert.deepEqual(row.parties, [CALLER_NUMBER, '1004', '1005'], 'everyone who was on the recording (not the supervisor\'s listen), in order');
  // One file from the answer to the end: channel 1 the caller, channel 2 what the caller heard.
  const addSec = (addedAt - row.startedAt) / 1000;
  assert.ok(addSec > 1.5, `the party was added ${addSec.toFixed(1)} s into the recording`);
  const before1100 = bandRmsBetween(row.path, 2, AGENT_HZ, 0.3, addSec - 0.2);
  const before1700 = bandRmsBetween(row.path, 2, THIRD_HZ, 0.3, addSec - 0.2);
  const after1100 = bandRmsBetween(row.path, 2, AGENT_HZ, addSec + 1.5, addSec + 3);
  const after1700 = bandRmsBetween(row.path, 2, THIRD_HZ, addSec + 1.5, addSec + 3);
  const caller500 = bandRmsBetween(row.path, 1, CALLER_HZ, addSec + 1.5, addSec + 3);
  const levels = `before: 1100 ${before1100.toFixed(4)} 1700 ${before1700.toFixed(4)}; after: 1100 ${after1100.toFixed(4)} 1700 ${after1700.toFixed(4)}; caller 500 ${caller500.toFixed(4)}`;
  assert.ok(before1100 > 0.02 && before1700 < before1100 / 30, `before the add channel 2 has the agent only (${levels})`);
  assert.ok(after1100 > 0.02 && after1700 > 0.02, `after the add channel 2 has the agent and the third party, in the same file (${levels})`);
  assert.ok(caller500 > 0.02, `channel 1 still has the caller (${levels})`);

  const audit = (await box.read<any>('audit' as any)).map((x) => x.value).filter((a) => a.target === cdr.callId);
  const rows = audit.map((a) => [a.action, a.outcome, a.actor, a.detail.member ?? '', a.detail.code ?? '']);
  assert.deepEqual(rows.slice(0, 5), [
    ['call-party-add', 'ok', 'admin', 'p1', ''],
    ['call-monitor', 'ok', 'admin', 'm1', ''],
    ['call-monitor-mode', 'ok', 'admin', 'm1', ''],
    ['call-monitor-mode', 'ok', 'admin', 'm1', ''],
    ['call-party-remove', 'ok', 'admin', 'p1', ''],
  ]);
  // The cancelled add and its drop finish together (either row may come first), then the two refusals.
  assert.deepEqual(rows.slice(5, 7).sort(), [['call-party-add', 'failed', 'admin', '', 'CC_CALL_PARTY_FAILED'], ['call-party-remove', 'ok', 'admin', 'p2', '']]);
  assert.deepEqual(rows.slice(7), [['call-monitor-mode', 'failed', 'admin', 'm9', 'CC_CALL_PARTY_UNKNOWN'], ['call-party-add', 'failed', 'admin', '', 'CC_CALL_PARTY_FAILED']]);
  assert.deepEqual(audit.slice(1, 4).map((a) => a.detail.mode), ['whisper', 'listen', 'barge']);

  const s = await box.idle();
  assert.equal(s.calls, 0);
  assert.equal(s.media.routers, 0);
});

test('an agent brings a colleague into their call (not into someone else\'s), then hangs up: the caller and the colleague go on talking, the colleague becomes the callee', async () => {
  const agent = await phone('1007', AGENT_HZ, 'multiparty-phone-leave.xml', 10_000);
  const third = await phone('1005', THIRD_HZ);
  const caller = await carrierCall('5550107', 22_000);
  const tones = [CALLER_HZ, AGENT_HZ, THIRD_HZ];
  try {
    const call = await liveCallTo('1007');
    const other = await signIn(box, 'agent4', 'agent4-password');
    const refused = await other.call('POST', `/api/calls/${call.id}/parties`, { agent: 'agent5' });
    assert.deepEqual([refused.status, refused.body.code], [403, 'CC_CALL_NOT_YOUR_CALL'], 'an agent who is not on the call');
    const own = await signIn(box, 'agent7', 'agent7-password');
    const added = await own.call('POST', `/api/calls/${call.id}/parties`, { agent: 'agent5' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.deepEqual([added.body.party.id, added.body.by], ['1005', 'agent7']);
    await assertHearing('three parties', { caller: caller.peer, agent: agent.voice.peer, third: third.voice.peer }, { caller: [AGENT_HZ, THIRD_HZ], agent: [CALLER_HZ, THIRD_HZ], third: [CALLER_HZ, AGENT_HZ] }, tones);
    const left = await agent.sipp.done;
    assert.equal(left.code, 0, `the agent hung up: ${left.errors || left.stderr}`);
    agent.voice.stop();
    await assertHearing('after the agent left', { caller: caller.peer, third: third.voice.peer }, { caller: [THIRD_HZ], third: [CALLER_HZ] }, tones);
    const now = (await api.call('GET', '/api/calls')).body.find((c: any) => c.id === call.id);
    assert.ok(now, 'the call goes on');
    assert.equal(now.callee.id, '1005', 'the third party took the callee side');
    assert.deepEqual(now.parties.map((p: any) => [p.id, p.role, p.state]).sort(), [['callee', 'callee', 'left'], ['caller', 'caller', 'talking'], ['p1', 'callee', 'talking']]);
    const r = await caller.uac.done;
    assert.equal(r.code, 0, `the caller talked until it hung up: ${r.errors || r.stderr}`);
    const d = await third.sipp.done;
    assert.equal(d.code, 0, `the third party got a BYE at the end: ${d.errors || d.stderr}`);
  } finally {
    caller.stop();
    caller.uac.kill();
    for (const p of [agent, third]) {
      p.voice.stop();
      p.sipp.kill();
    }
  }
  const cdr = await box.cdr('5550107', (c) => c.conference !== undefined);
  assert.equal(cdr.callee.id, '1005', 'the CDR callee is the party at the end');
  assert.equal(cdr.hangup.side, 'caller');
  const agentRow = cdr.conference.members.find((m: any) => m.id === 'callee');
  const thirdRow = cdr.conference.members.find((m: any) => m.id === 'p1');
  assert.ok(agentRow.leftAt < thirdRow.leftAt, 'the agent left before the end');
  const row = (await box.read<any>('recordings')).find((x) => x.key === cdr.callId)?.value;
  assert.deepEqual(row.parties, [CALLER_NUMBER, '1007', '1005']);
  const audit = (await box.read<any>('audit' as any)).map((x) => x.value).filter((a) => a.target === cdr.callId);
  assert.deepEqual(audit.map((a) => [a.action, a.outcome, a.actor, a.detail.agent]), [['call-party-add', 'ok', 'agent7', 'agent5']]);
  const s = await box.idle();
  assert.equal(s.calls, 0);
  assert.equal(s.media.routers, 0);
});
