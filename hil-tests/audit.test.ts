// The audit log on the real daemon: sign-ins (failed and successful, with the client
// address), a configuration change (who, and before/after per path, passwords masked), a
// user created; the chain verifies over the API (admin only). Then, on a copy of the box's
// database, one row is altered: the verify CLI and the API code name that row.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { open } from 'lmdb';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { signIn } from './harness/api.ts';

const ROOT = resolve(import.meta.dirname, '..');
let box: BoxProcess | undefined;
const cleanup: string[] = [];

after(async () => {
  await box?.stop();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

test('sign-ins, a config change and a new user are audit rows in one intact chain; a tampered copy is caught at the row', async () => {
  box = await startBoxProcess({
    extensions: [{ number: '2001', password: 'pw-2001-secret' }],
    queues: [{ name: 'sales', overflow: 'hangup' }, { name: 'support', overflow: 'hangup' }],
    agents: [{ id: 'a1', extension: '2001', queues: [{ queue: 'sales' }] }],
  }, { keepData: true });
  cleanup.push(box.dataDir);
  const http = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${box!.httpPort}${path}`, init);
  const bad = await http('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'wrong-password' }) });
  assert.equal(bad.status, 401);
  const admin = await signIn(box);
  const changed = await admin.call('PUT', '/api/acd/agents/a1/queues', { queues: [{ queue: 'sales', penalty: 0 }, { queue: 'support', penalty: 2 }] });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const created = await admin.call('POST', '/api/users', { username: 'sup1', role: 'supervisor', password: 'sup1-password' });
  assert.equal(created.status, 201);
  const sup = await signIn(box, 'sup1', 'sup1-password');

  const rows = (await admin.call('GET', '/api/audit')).body as any[];
  assert.deepEqual(rows.map((r) => [r.action, r.actor, r.outcome]), [
    ['sign-in', 'admin', 'failed'],
    ['sign-in', 'admin', 'ok'],
    ['config-change', 'admin', 'ok'],
    ['user-create', 'admin', 'ok'],
    ['sign-in', 'sup1', 'ok'],
  ]);
  assert.equal(rows[0].source, '127.0.0.1');
  assert.equal(rows[0].detail.reason, 'invalid');
  assert.deepEqual(rows[2].detail.changes, [{ path: '/agents/a1/queues', before: [{ queue: 'sales' }], after: [{ queue: 'sales', penalty: 0 }, { queue: 'support', penalty: 2 }] }]);
  assert.equal(rows[3].target, 'sup1');
  assert.ok(!JSON.stringify(rows).includes('pw-2001-secret'));

  const verified = await admin.call('GET', '/api/audit/verify');
  assert.equal(verified.status, 200);
  assert.equal(verified.body.ok, true);
  assert.equal(verified.body.rows, 5);
  assert.equal((await sup.call('GET', '/api/audit/verify')).status, 403);
  assert.equal((await sup.call('GET', '/api/audit')).status, 403);

  // A copy of the live database (lmdb's own snapshot), one row altered in it.
  const copy = mkdtempSync(join(tmpdir(), 'audit-copy-'));
  cleanup.push(copy);
  const live = open({ path: join(box.dataDir, 'data', 'box.lmdb'), readOnly: true, maxDbs: 32 });
  await live.backup(join(copy, 'box.lmdb'), true);
  await live.close();
  const env = open({ path: join(copy, 'box.lmdb'), maxDbs: 32, compression: false });
  const audit = env.openDB<any, number>({ name: 'audit' });
  await audit.put(3, { ...audit.get(3), actor: 'nobody' });
  await env.close();
  const cli = (data: string) => {
    try {
      return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'system/audit/cli.ts'), 'verify', '--data', data], { encoding: 'utf8' }) };
    } catch (err) {
      const e = err as { status: number; stdout: string };
      return { code: e.status, out: e.stdout };
    }
  };
  const broken = cli(copy);
  assert.equal(broken.code, 3);
  assert.match(broken.out, /CC_AUDIT_CHAIN_BROKEN/);
  assert.match(broken.out, /row 3: hash-mismatch/);
  // The live chain is untouched (the box still runs; LMDB lets the CLI read beside it).
  assert.equal(cli(join(box.dataDir, 'data')).code, 0);
});
