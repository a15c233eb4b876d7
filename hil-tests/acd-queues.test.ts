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
import { RtpPeer, toneRatio, ulawRms } from './harness/rtp-peer.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { openWs } from './harness/ws-client.ts';

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

const QUEUES = ['rr', 'idle', 'rona', 'wrap', 'vip', 'nobody', 'exit', 'spill', 'all', 'closed', 'prog'];
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
      queue('nobody', { strategy: 'linear', announceEverySec: 5 }),
      queue('exit', { strategy: 'linear', exitKey: '0', exitDestination: 'callback' }),
      queue('spill', { strategy: 'linear', maxWaitSec: 3, overflow: 'queue:rr' }),
      queue('all', { strategy: 'ring-all', ringTimeoutSec: 20 }),
      queue('closed', { strategy: 'linear', joinEmpty: false }),
      queue('prog', { strategy: 'ring-progressively', progressiveStepSec: 2, ringTimeoutSec: 30 }),
    ],
    agents: [
      { id: 'a1', extension: '2001', queues: [{ queue: 'rr' }, { queue: 'idle' }, { queue: 'rona', penalty: 1 }, { queue: 'all' }, { queue: 'prog' }] },
      { id: 'a2', extension: '2002', queues: [{ queue: 'rr' }, { queue: 'idle' }, { queue: 'wrap' }] },
      { id: 'a3', extension: '2003', queues: [{ queue: 'rr' }, { queue: 'idle' }, { queue: 'vip' }] },
      { id: 'a4', extension: '2004', queues: [{ queue: 'rona', penalty: 0 }, { queue: 'nobody' }, { queue: 'all' }, { queue: 'closed' }, { queue: 'prog' }] },
    ],
    dids: QUEUES.map((q, i) => ({ number: `55501${i}0`, trunk: 'carrier', destination: `queue:${q}` })),
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

const did = (q: string) => `55501${QUEUES.indexOf(q)}0`;

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
  const inRr = (values: any[]) => values.filter((c) => c.queue === 'rr');
  const cdrs = inRr(await box.rowsWhen('cdr', (values) => inRr(values).length >= 4));
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

test('wrap-up: the next caller, even from another queue, waits until the agent has finished wrapping up', async () => {
  let enters: any[] = [];
  const enterOf = (number: string) => enters.find((e) => e.caller === number);
  await setOnly(['a2']);
  const first = caller('wrap', '1393000001', 2000);
  await new Promise((r) => setTimeout(r, 800));
  // The second caller is in another queue of a2's: wrap-up belongs to the agent, not the queue.
  const second = caller('rr', '1393000002', 12_000);
  enters = await waitForLog((x) => x.type === 'enter' && x.caller === '1393000002');
  const [r1, r2] = await Promise.all([first.done, second.done]);
  assert.equal(r1.code, 0, r1.errors || r1.stderr);
  assert.equal(r2.code, 0, r2.errors || r2.stderr);
  const connects = [
    ...(await waitForLog((x) => x.type === 'connect' && x.queue === 'wrap', 1)),
    ...(await waitForLog((x) => x.type === 'connect' && x.callId === enterOf('1393000002')?.callId, 1, 40_000)),
  ];
  const completes = await waitForLog((x) => x.type === 'complete' && x.queue === 'wrap', 1);
  const wrapEnd = await waitForLog((x) => x.type === 'agent-available' && x.agent === 'a2' && x.cause === 'wrap-up-ended');
  assert.ok(connects[1].at >= completes[0].at + 5500, `second connect ${connects[1].at - completes[0].at} ms after the first call ended (wrap-up 6 s)`);
  assert.ok(connects[1].at >= wrapEnd[0].at, 'not before wrap-up ended');
  await waitForLog((x) => x.type === 'agent-wrap-up' && x.agent === 'a2' && x.queue === 'wrap', 1);
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

test('a caller who hangs up while waiting is logged as abandoned with their wait and position; they heard music and announcements meanwhile', async () => {
  const peer = await RtpPeer.open(CARRIER);
  let r;
  try {
    r = await caller('nobody', '1395000001', 7000, peer.port).done;
  } finally {
    peer.close();
  }
  assert.equal(r.code, 0, r.errors || r.stderr);
  const heard = peer.received.filter((p) => p.payloadType === 0).map((p) => p.payload);
  assert.ok(heard.length > 250, `the waiting caller received ${heard.length} packets of audio in 7 s`);
  const loud = heard.filter((p) => ulawRms([p]) > 300).length;
  assert.ok(loud > heard.length / 2, `music/announcements, not silence (${loud} of ${heard.length} packets have energy)`);
  const [abandon] = await waitForLog((x) => x.type === 'abandon' && x.queue === 'nobody');
  assert.equal(abandon.position, 1);
  assert.equal(abandon.caller, '1395000001');
  assert.ok(abandon.waitMs >= 6800 && abandon.waitMs < 10_000, `waited ${abandon.waitMs} ms`);
  assert.equal((await box.read('queue-calls')).length, 0, 'no caller left in the durable waiting table');
});

test('the exit key leaves a callback request: the box says thanks and hangs up', async () => {
  const peer = await RtpPeer.open(CARRIER);
  const run = runSipp({
    scenario: 'uac-wait-bye.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: did('exit'), caller: '1396000001', rtp_ip: CARRIER, rtp_port: peer.port }, timeoutSec: 30,
  });
  try {
    const [, boxPort] = await run.waitForLog(/BOXPORT (\d+)/);
    // A real caller's audio flows (silence here), then they press 0.
    const silence = Array.from({ length: 50 }, () => Buffer.alloc(160, 0xff));
    await peer.sendStream(silence, '127.0.0.1', Number(boxPort));
    await peer.sendDigit('0', '127.0.0.1', Number(boxPort));
    await peer.sendStream(silence.slice(0, 10), '127.0.0.1', Number(boxPort));
    const r = await run.done;
    assert.equal(r.code, 0, `the box hung up the caller: ${r.errors || r.stderr}`);
  } finally {
    peer.close();
    run.kill();
  }
  const [exit] = await waitForLog((x) => x.type === 'exit' && x.queue === 'exit');
  assert.equal(exit.to, 'callback');
  const callbacks = (await api.call('GET', '/api/acd/callbacks')).body as any[];
  assert.ok(callbacks.some((c) => c.number === '1396000001' && c.queue === 'exit'), JSON.stringify(callbacks));
  assert.equal((await queueLog((x) => x.type === 'abandon' && x.queue === 'exit')).length, 0, 'leaving by the key is not an abandon');
});

test('a caller who waits past the maximum overflows to the next queue and is answered there', async () => {
  await setOnly(['a1']);
  const r = await caller('spill', '1397000001', 8000).done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const [overflow] = await waitForLog((x) => x.type === 'overflow' && x.queue === 'spill');
  assert.deepEqual([overflow.to, overflow.why, overflow.position], ['queue:rr', 'timeout', 1]);
  assert.ok(overflow.waitMs >= 2900, `overflowed after ${overflow.waitMs} ms (max wait 3 s)`);
  const enters = await waitForLog((x) => x.type === 'enter' && x.caller === '1397000001', 2);
  assert.deepEqual(enters.map((e) => e.queue), ['spill', 'rr']);
  const [connect] = await waitForLog((x) => x.type === 'connect' && x.callId === overflow.callId);
  assert.deepEqual([connect.queue, connect.agent], ['rr', 'a1']);
});

test('the API needs a signed-in user, and an agent may only change their own state', async () => {
  const anon = await fetch(`http://127.0.0.1:${box.httpPort}/api/acd/queues`);
  assert.equal(anon.status, 401);
  assert.equal((await anon.json()).code, 'CC_API_UNAUTHENTICATED');
  const created = await api.call('POST', '/api/users', { username: 'a2', role: 'agent', password: 'agent-two-pw' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const agent = await signIn(box, 'a2', 'agent-two-pw');
  const other = await agent.call('POST', '/api/acd/agents/a1/logout');
  assert.deepEqual([other.status, other.body.code], [403, 'CC_ACD_FORBIDDEN']);
  const own = await agent.call('POST', '/api/acd/agents/a2/break', { reason: 'lunch' });
  assert.deepEqual([own.status, own.body.state, own.body.reason], [200, 'break', 'lunch']);
  const badReason = await agent.call('POST', '/api/acd/agents/a2/break', { reason: 'nap' });
  assert.deepEqual([badReason.status, badReason.body.code], [409, 'CC_ACD_BAD_REASON']);
  const membership = await agent.call('PUT', '/api/acd/agents/a2/queues', { queues: [{ queue: 'rr', penalty: 0 }] });
  assert.equal(membership.status, 403, 'membership is for supervisors and admins');
  const unknownQueue = await api.call('PUT', '/api/acd/agents/a2/queues', { queues: [{ queue: 'ghost', penalty: 0 }] });
  assert.deepEqual([unknownQueue.status, unknownQueue.body.code], [400, 'CC_CONFIG_INVALID']);
  const moved = await api.call('PUT', '/api/acd/agents/a2/queues', { queues: [{ queue: 'rr', penalty: 0 }, { queue: 'vip', penalty: 2 }] });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  const vip = (await api.call('GET', '/api/acd/queues')).body.find((q: any) => q.name === 'vip');
  assert.equal(vip.agents.break, 1, 'a2 (on break) now counts in the vip queue');
  const badBody = await api.call('PUT', '/api/customers/12345', { priority: 'high' });
  assert.deepEqual([badBody.status, badBody.body.code], [400, 'CC_API_BAD_REQUEST']);
  await agent.call('POST', '/api/acd/agents/a2/ready');
});

test('live events: the WebSocket tells a supervisor of agent changes and queue rows once they are stored', async () => {
  const refused = openWs(box.httpPort, '/api/events');
  await assert.rejects(refused, /HTTP 401/);
  const ws = await openWs(box.httpPort, `/api/events?token=${api.token}`);
  try {
    await ws.waitFor((m) => m.kind === 'hello' && m.role === 'admin');
    await agentAction('a3', 'break', { reason: 'training' });
    const change = await ws.waitFor((m) => m.kind === 'agent' && m.record.id === 'a3' && m.record.state === 'break');
    assert.equal(change.record.reason, 'training');
    const stored = (await box.read<any>('agents')).find((r) => r.key === 'a3')!.value;
    assert.equal(stored.state, 'break', 'what was announced is what is stored');
    const row = await ws.waitFor((m) => m.kind === 'queue' && m.event.agent === 'a3' && m.event.to === 'break');
    assert.equal(row.event.reason, 'training');
    await agentAction('a3', 'ready');
    await ws.waitFor((m) => m.kind === 'agent' && m.record.id === 'a3' && m.record.state === 'available');
  } finally {
    ws.close();
  }
});

test('ring-all rings every free agent at once; the first to answer wins and the others go back to available', async () => {
  await setOnly(['a1', 'a4']);
  const r = await caller('all', '1398000001', 3000).done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const [connect] = await waitForLog((x) => x.type === 'connect' && x.queue === 'all');
  assert.equal(connect.agent, 'a1', 'a1 answers (a4 never does)');
  const attempts = await queueLog((x) => x.type === 'ring-attempt' && x.callId === connect.callId);
  assert.deepEqual(attempts.map((x) => x.agent).sort(), ['a1', 'a4'], 'both phones rang for the one caller');
  const [released] = await waitForLog((x) => x.agent === 'a4' && x.type === 'agent-available' && x.callId === connect.callId);
  assert.equal(released.cause, 'not-chosen', 'a4 is not blamed for a call someone else took');
  const agents = (await api.call('GET', '/api/acd/agents')).body as any[];
  assert.equal(agents.find((a) => a.id === 'a4').state, 'available');
});

test('a queue that does not accept callers when nobody is logged in sends them to overflow at once', async () => {
  await setOnly([]);
  const run = runSipp({
    scenario: 'uac-wait-bye.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: did('closed'), caller: '1399000001', rtp_ip: CARRIER, rtp_port: 9 }, timeoutSec: 30,
  });
  const r = await run.done;
  assert.equal(r.code, 0, `the box said goodbye and hung up: ${r.errors || r.stderr}`);
  const [overflow] = await waitForLog((x) => x.type === 'overflow' && x.queue === 'closed');
  assert.deepEqual([overflow.why, overflow.to], ['empty', 'hangup']);
  assert.equal((await queueLog((x) => x.type === 'enter' && x.queue === 'closed')).length, 0, 'never entered the queue');
});

test('ring-progressively keeps the first phone ringing and adds the next free agent every step', async () => {
  await setOnly(['a4']);
  const run = caller('prog', '1400000001', 12_000);
  const [first] = await waitForLog((x) => x.type === 'ring-attempt' && x.queue === 'prog');
  assert.equal(first.agent, 'a4');
  await agentAction('a1', 'login');
  const [connect] = await waitForLog((x) => x.type === 'connect' && x.queue === 'prog', 1, 20_000);
  assert.equal(connect.agent, 'a1', 'a1, added at the next step, answers');
  const attempts = await queueLog((x) => x.type === 'ring-attempt' && x.callId === first.callId);
  assert.deepEqual(attempts.map((x) => x.agent), ['a4', 'a1']);
  assert.equal((await queueLog((x) => x.type === 'no-answer' && x.callId === first.callId)).length, 0, 'a4 was still ringing, not timed out');
  const [released] = await waitForLog((x) => x.agent === 'a4' && x.type === 'agent-available' && x.callId === first.callId);
  assert.equal(released.cause, 'not-chosen');
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
});

test('an agent who transfers the caller on is done with the call: a transfer row, and the agent is free again while the call goes on', async () => {
  await setOnly(['a1']);
  const peer = await RtpPeer.open(CARRIER);
  const run = caller('rr', '1401000001', 9000, peer.port);
  try {
    const [enter] = await waitForLog((x) => x.type === 'enter' && x.caller === '1401000001');
    const [connect] = await waitForLog((x) => x.type === 'connect' && x.callId === enter.callId);
    assert.equal(connect.agent, 'a1');
    await new Promise((r) => setTimeout(r, 1000));
    await phones[0].command('transfer', `sip:2003@127.0.0.1:${box.sipPort}`);
    const [transfer] = await waitForLog((x) => x.type === 'transfer' && x.callId === enter.callId);
    assert.deepEqual([transfer.agent, transfer.kind, transfer.to], ['a1', 'blind', '2003']);
    const agents = (await api.call('GET', '/api/acd/agents')).body as any[];
    assert.equal(agents.find((a) => a.id === 'a1').state, 'available', 'a1 is free while the caller talks to 2003');
    const r = await run.done;
    assert.equal(r.code, 0, r.errors || r.stderr);
  } finally {
    peer.close();
    run.kill();
  }
  const heard = peer.received.filter((p) => p.payloadType === 0).map((p) => p.payload);
  assert.ok(toneRatio(heard.slice(-25), 1300) > 0.5, `after the transfer the caller hears 2003's 1300 Hz (ratio ${toneRatio(heard.slice(-25), 1300).toFixed(2)})`);
  // The box answers the caller's BYE first and writes the CDR as the call ends: wait for the row.
  const cdr = await box.cdr(did('rr'), (c) => c.caller.number === '1401000001');
  assert.ok(cdr, 'the call has its CDR');
  assert.equal(cdr.callee.id, '2003');
  assert.equal(cdr.transfers.length, 1);
  assert.equal((await queueLog((x) => x.type === 'complete' && x.callId === cdr.callId)).length, 0, 'the agent\'s part ended with the transfer, not with the call');
});
