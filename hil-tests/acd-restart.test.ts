// kill -9 with callers queued, an agent ringing and an agent on a call; restart on the same
// data: no agent is left ringing or on a call that no longer exists, breaks and logins
// survive, the queue log before the crash is intact, the lost callers are logged, and the
// agents really take calls again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { adminPassword, signIn, type ApiClient } from './harness/api.ts';

const CARRIER = '127.0.0.2';

const config = {
  extensions: ['2001', '2002', '2003', '2004'].map((n) => ({ number: n, password: `pw-${n}` })),
  trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
  recording: { enabled: false },
  queues: ['talk', 'ring', 'wait'].map((name) => ({ name, overflow: 'hangup', announceEverySec: 0, ringTimeoutSec: 60, wrapUpSec: 0, strategy: 'linear' })),
  agents: [
    { id: 'a1', extension: '2001', queues: [{ queue: 'talk' }] },
    { id: 'a2', extension: '2002', queues: [{ queue: 'wait' }] },
    { id: 'a3', extension: '2003', queues: [{ queue: 'wait' }] },
    { id: 'a4', extension: '2004', queues: [{ queue: 'ring' }] },
  ],
  dids: [
    { number: '5550001', trunk: 'carrier', destination: 'queue:talk' },
    { number: '5550002', trunk: 'carrier', destination: 'queue:ring' },
    { number: '5550003', trunk: 'carrier', destination: 'queue:wait' },
  ],
};

function caller(box: BoxProcess, dialled: string, number: string, holdMs: number): SippRun {
  return runSipp({
    scenario: 'uac-call.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled, caller: number, rtp_ip: CARRIER, rtp_port: 9 }, pauseMs: holdMs, timeoutSec: 60,
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function agentStates(api: ApiClient): Promise<Record<string, { state: string; reason?: string; callId?: string }>> {
  const list = (await api.call('GET', '/api/acd/agents')).body as any[];
  return Object.fromEntries(list.map((a) => [a.id, { state: a.state, reason: a.reason, callId: a.callId }]));
}

test('after kill -9 and a restart no agent is stuck, breaks and logins survive, and the queue log is intact', async () => {
  const phones: Baresip[] = [];
  const callers: SippRun[] = [];
  let box: BoxProcess | undefined;
  let again: BoxProcess | undefined;
  let dataDir: string | undefined;
  try {
    box = await startBoxProcess(config, { keepData: true });
    dataDir = box.dataDir;
    const password = adminPassword(box);
    let api = await signIn(box);
    for (const [ext, answer] of [['2001', 'auto'], ['2004', 'manual']] as const) {
      const phone = await startBaresip({ extension: ext, password: `pw-${ext}`, box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', answer });
      phones.push(phone);
      await phone.waitFor(/200 OK .*1 binding/);
    }
    for (const id of ['a1', 'a2', 'a3', 'a4']) assert.equal((await api.call('POST', `/api/acd/agents/${id}/login`)).status, 200);
    assert.equal((await api.call('POST', '/api/acd/agents/a3/break', { reason: 'lunch' })).status, 200);
    // a2's phone is not registered: the 'wait' caller stays queued.
    callers.push(caller(box, '5550001', '1380000001', 60_000), caller(box, '5550002', '1380000002', 60_000), caller(box, '5550003', '1380000003', 60_000));
    const b = box;
    await until('a1 on a call and a4 ringing', async () => {
      const s = await agentStates(api);
      return s.a1.state === 'on-call' && s.a4.state === 'ringing' && (await b.read('queue-calls')).length === 2 ? s : undefined;
    });
    const logBefore = (await box.read<any>('queue-log')).map((r) => r.value);

    box.child.kill('SIGKILL');
    await new Promise((r) => box!.child.once('exit', r));
    for (const c of callers) c.kill();

    again = await startBoxProcess(config, { dataDir, keepData: true });
    api = await signIn(again, 'admin', password);
    const s = await agentStates(api);
    assert.deepEqual(
      Object.fromEntries(Object.entries(s).map(([id, a]) => [id, [a.state, a.reason ?? null, a.callId ?? null]])),
      { a1: ['available', null, null], a2: ['available', null, null], a3: ['break', 'lunch', null], a4: ['available', null, null] },
      'a1 (was on a call) and a4 (was ringing) are available again; a3 is still at lunch; a2 still logged in',
    );
    const logAfter = (await again.read<any>('queue-log')).map((r) => r.value);
    assert.deepEqual(logAfter.slice(0, logBefore.length), logBefore, 'every row written before the crash is still there, in order');
    const added = logAfter.slice(logBefore.length);
    const reconciled = added.filter((r) => r.type === 'agent-reconciled').map((r) => `${r.agent}:${r.from}->${r.to}`).sort();
    assert.deepEqual(reconciled, ['a1:on-call->available', 'a4:ringing->available']);
    const lost = added.filter((r) => r.type === 'lost').map((r) => r.queue).sort();
    assert.deepEqual(lost, ['ring', 'wait'], 'the two callers still queued at the crash are logged as lost');
    assert.equal((await again.read('queue-calls')).length, 0);

    // And a1 really takes calls again (its phone re-registers with the new process? it kept its binding in LMDB).
    const after = caller(again, '5550001', '1380000009', 2000);
    callers.push(after);
    const r = await after.done;
    assert.equal(r.code, 0, r.errors || r.stderr);
    const a = again;
    const connect = await until('a connect after the restart', async () => (await a.read<any>('queue-log')).map((x) => x.value).find((x) => x.type === 'connect' && x.at > logAfter.at(-1).at));
    assert.equal(connect.agent, 'a1');
  } finally {
    for (const c of callers) c.kill();
    for (const p of phones) await p.stop();
    if (box && box.child.exitCode === null) await box.stop();
    await again?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
});
