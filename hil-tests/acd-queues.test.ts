// Queues end to end with real peers: four baresip agents register (one never answers), sipp
// callers come in from a carrier trunk to queue DIDs. Round-robin and longest-idle distribute
// as specified, an agent who lets a call ring out is skipped and put on a missed-call break,
// wrap-up holds the next call back, a VIP overtakes, and a caller who gives up is logged as
// abandoned with the wait they had. The queue log and the agents table are read from LMDB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp } from './harness/sipp.ts';
import { RtpPeer, toneRatio } from './harness/rtp-peer.ts';
import { signIn, type ApiClient } from './harness/api.ts';

const CARRIER = '127.0.0.2';
let box: BoxProcess;
let api: ApiClient;
const phones: Baresip[] = [];
const AGENTS = [
  { id: 'a1', extension: '2001', tone: 500 },
  { id: 'a2', extension: '2002', tone: 900 },
  { id: 'a3', extension: '2003', tone: 1300 },
  { id: 'a4', extension: '2004', tone: 1700 },
];

const queue = (name: string, extra: Record<string, unknown>) => ({ name, overflow: 'hangup', announceEverySec: 0, ringTimeoutSec: 5, wrapUpSec: 0, ...extra });

before(async () => {
  box = await startBoxProcess({
    extensions: AGENTS.map((a) => ({ number: a.extension, password: `pw-${a.extension}` })),
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    recording: { enabled: false },
    queues: [
      queue('rr', { strategy: 'round-robin' }),
      queue('idle', { strategy: 'longest-idle' }),
      queue('rona', { strategy: 'linear' }),
      queue('wrap', { strategy: 'linear', wrapUpSec: 6 }),
      queue('vip', { strategy: 'linear' }),
      queue('nobody', { strategy: 'linear' }),
    ],
    agents: [
      { id: 'a1', extension: '2001', queues: [{ queue: 'rr' }, { queue: 'idle' }, { queue: 'rona', penalty: 1 }] },
      { id: 'a2', extension: '2002', queues: [{ queue: 'rr' }, { queue: 'idle' }, { queue: 'wrap' }] },
      { id: 'a3', extension: '2003', queues: [{ queue: 'rr' }, { queue: 'idle' }, { queue: 'vip' }] },
      { id: 'a4', extension: '2004', queues: [{ queue: 'rona', penalty: 0 }, { queue: 'nobody' }] },
    ],
    dids: ['rr', 'idle', 'rona', 'wrap', 'vip', 'nobody'].map((q, i) => ({ number: `55501${i}0`, trunk: 'carrier', destination: `queue:${q}` })),
  });
  api = await signIn(box);
  for (const a of AGENTS) {
    const phone = await startBaresip({
      extension: a.extension, password: `pw-${a.extension}`, box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1',
      toneHz: a.tone, answer: a.id === 'a4' ? 'manual' : 'auto',
    });
    phones.push(phone);
    await phone.waitFor(/200 OK .*1 binding/);
  }
});

after(async () => {
  for (const p of phones) await p.stop();
  await box?.stop();
});

const did = (q: string) => `55501${['rr', 'idle', 'rona', 'wrap', 'vip', 'nobody'].indexOf(q)}0`;

async function agentAction(id: string, action: string, body?: object) {
  const r = await api.call('POST', `/api/acd/agents/${id}/${action}`, body);
  assert.equal(r.status, 200, `${action} ${id}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function queueLog(where: (row: any) => boolean = () => true): Promise<any[]> {
  return (await box.read<any>('queue-log')).map((r) => r.value).filter(where);
}

async function waitForLog(where: (row: any) => boolean, count = 1, timeoutMs = 30_000): Promise<any[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await queueLog(where);
    if (rows.length >= count) return rows;
    if (Date.now() > until) throw new Error(`queue log never had ${count} matching rows; has ${JSON.stringify(await queueLog(), null, 1).slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One carrier caller into a queue, holding `holdMs` after the box answers. */
function caller(q: string, number: string, holdMs: number, rtpPort = 9) {
  return runSipp({
    scenario: 'uac-call.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: did(q), caller: number, rtp_ip: CARRIER, rtp_port: rtpPort }, pauseMs: holdMs, timeoutSec: 60,
  });
}

async function setOnly(loggedIn: string[]) {
  for (const a of AGENTS) await agentAction(a.id, loggedIn.includes(a.id) ? 'login' : 'logout');
}

test('round-robin hands successive callers to the next agent in turn, and the caller hears the agent', async () => {
  await setOnly(['a1', 'a2', 'a3']);
  const peer = await RtpPeer.open(CARRIER);
  try {
    for (const [i, number] of ['1390000001', '1390000002', '1390000003', '1390000004'].entries()) {
      const run = caller('rr', number, 2500, i === 0 ? peer.port : 9);
      const r = await run.done;
      assert.equal(r.code, 0, `caller ${number}: ${r.errors || r.stderr}`);
    }
  } finally {
    peer.close();
  }
  const connects = await waitForLog((r) => r.type === 'connect' && r.queue === 'rr', 4);
  assert.deepEqual(connects.map((r) => r.agent), ['a1', 'a2', 'a3', 'a1'], 'turns go a1, a2, a3 and wrap round');
  // The first caller was bridged to a1's phone: it hears a1's 500 Hz tone.
  const heard = peer.received.filter((p) => p.payloadType === 0).map((p) => p.payload);
  assert.ok(heard.length > 25, `caller received ${heard.length} packets`);
  assert.ok(toneRatio(heard.slice(-25), 500) > 0.5, `the caller hears agent a1 (500 Hz ratio ${toneRatio(heard.slice(-25), 500).toFixed(2)})`);
  const completes = await waitForLog((r) => r.type === 'complete' && r.queue === 'rr', 4);
  assert.ok(completes.every((r) => r.hungUpBy === 'caller' && r.talkMs > 0 && r.talkMs + r.waitMs >= 2400), JSON.stringify(completes));
  const cdrs = (await box.read<any>('cdr')).map((r) => r.value).filter((c) => c.queue === 'rr');
  assert.equal(cdrs.length, 4);
  assert.deepEqual(cdrs.map((c) => c.agents[0]).sort(), ['a1', 'a1', 'a2', 'a3']);
});

test('longest-idle gives each caller to the agent idle longest', async () => {
  // Idle order now: a2 (ended a call first of those left), a3, then a1 (logs out and in again: idle from now).
  await agentAction('a1', 'logout');
  await agentAction('a1', 'login');
  const before = (await queueLog((r) => r.type === 'connect' && r.queue === 'idle')).length;
  for (const number of ['1391000001', '1391000002', '1391000003']) {
    const r = await caller('idle', number, 1500).done;
    assert.equal(r.code, 0, r.errors || r.stderr);
  }
  const connects = (await waitForLog((r) => r.type === 'connect' && r.queue === 'idle', before + 3)).slice(before);
  assert.deepEqual(connects.map((r) => r.agent), ['a2', 'a3', 'a1']);
});

test('an agent who does not answer is skipped, put on a missed-call break, and the call goes on to the next tier', async () => {
  await setOnly(['a1', 'a4']);
  const r = await caller('rona', '1392000001', 9000).done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const [noAnswer] = await waitForLog((x) => x.type === 'no-answer' && x.queue === 'rona');
  assert.equal(noAnswer.agent, 'a4');
  assert.ok(noAnswer.ringMs >= 4500, `rang ${noAnswer.ringMs} ms (ring timeout 5 s)`);
  const [connect] = await waitForLog((x) => x.type === 'connect' && x.queue === 'rona');
  assert.equal(connect.agent, 'a1', 'the penalty-1 agent takes it once a4 is out');
  const agents = (await api.call('GET', '/api/acd/agents')).body as any[];
  const a4 = agents.find((a) => a.id === 'a4');
  assert.deepEqual([a4.state, a4.reason, a4.missed], ['break', 'missed-call', 1]);
  const rows = await queueLog((x) => x.agent === 'a4' && x.type === 'agent-break');
  assert.equal(rows.at(-1).cause, 'no-answer');
});

test('wrap-up: the next caller waits until the agent has finished wrapping up', async () => {
  await setOnly(['a2']);
  const first = caller('wrap', '1393000001', 2000);
  await new Promise((r) => setTimeout(r, 800));
  const second = caller('wrap', '1393000002', 12_000);
  const [r1, r2] = await Promise.all([first.done, second.done]);
  assert.equal(r1.code, 0, r1.errors || r1.stderr);
  assert.equal(r2.code, 0, r2.errors || r2.stderr);
  const connects = await waitForLog((x) => x.type === 'connect' && x.queue === 'wrap', 2, 40_000);
  const completes = await waitForLog((x) => x.type === 'complete' && x.queue === 'wrap', 1);
  const wrapEnd = await waitForLog((x) => x.type === 'agent-available' && x.agent === 'a2' && x.cause === 'wrap-up-ended');
  assert.ok(connects[1].at >= completes[0].at + 5500, `second connect ${connects[1].at - completes[0].at} ms after the first call ended (wrap-up 6 s)`);
  assert.ok(connects[1].at >= wrapEnd[0].at, 'not before wrap-up ended');
  await waitForLog((x) => x.type === 'agent-wrap-up' && x.agent === 'a2' && x.queue === 'wrap', 2);
});

test('a VIP caller (customer priority) overtakes callers who waited longer', async () => {
  await setOnly([]);
  const put = await api.call('PUT', '/api/customers/1394000099', { name: 'Big Client', priority: 10 });
  assert.equal(put.status, 200);
  const normal = caller('vip', '1394000001', 20_000);
  await waitForLog((x) => x.type === 'enter' && x.caller === '1394000001');
  const vip = caller('vip', '1394000099', 6000);
  await waitForLog((x) => x.type === 'enter' && x.caller === '1394000099');
  const live = (await api.call('GET', '/api/acd/queues')).body.find((q: any) => q.name === 'vip');
  assert.deepEqual(live.callers.map((c: any) => c.caller), ['1394000099', '1394000001'], 'the VIP is first in the live queue');
  await agentAction('a3', 'login');
  await Promise.all([normal.done, vip.done]);
  const connects = await waitForLog((x) => x.type === 'connect' && x.queue === 'vip', 2, 40_000);
  const enters = await queueLog((x) => x.type === 'enter' && x.queue === 'vip');
  const callerOf = (c: any) => enters.find((e) => e.callId === c.callId)?.caller;
  assert.deepEqual(connects.map(callerOf), ['1394000099', '1394000001']);
});

test('a caller who hangs up while waiting is logged as abandoned with their wait and position', async () => {
  const r = await caller('nobody', '1395000001', 3000).done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const [abandon] = await waitForLog((x) => x.type === 'abandon' && x.queue === 'nobody');
  assert.equal(abandon.position, 1);
  assert.equal(abandon.caller, '1395000001');
  assert.ok(abandon.waitMs >= 2800 && abandon.waitMs < 6000, `waited ${abandon.waitMs} ms`);
  assert.equal((await box.read('queue-calls')).length, 0, 'no caller left in the durable waiting table');
});
