// Moving the configuration to a new box: export one JSON file from a configured box, dry-run
// it on a fresh box (the report lists changes, restart-bound sections, users and flows, and
// nothing changes), import it for real (the new box runs the configuration, the users sign
// in with their old passwords, the IVR flow is published), and a broken file is refused with
// the path of every problem and changes nothing. Both directions are audit-logged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { adminPassword, signIn, type ApiClient } from './harness/api.ts';

let source: BoxProcess;
let target: BoxProcess;
let sourceApi: ApiClient;
let targetApi: ApiClient;

const FLOW = { name: 'front', start: 'm', nodes: { m: { type: 'menu', prompts: ['hello'], choices: { '1': 'q' }, timeoutSec: 8, fallback: 'q' }, q: { type: 'queue', queue: 'sales' } } };

before(async () => {
  [source, target] = await Promise.all([
    startBoxProcess({
      recording: { enabled: false },
      extensions: [{ number: '2001', password: 'pw-2001' }, { number: '2002', password: 'pw-2002' }],
      queues: [{ name: 'sales', strategy: 'ring-all', overflow: 'hangup', maxWaitSec: 120 }],
      agents: [{ id: 'ann', extension: '2001', queues: [{ queue: 'sales' }] }],
    }),
    startBoxProcess({ recording: { enabled: false } }),
  ]);
  [sourceApi, targetApi] = await Promise.all([signIn(source), signIn(target)]);
  const made = await sourceApi.call('POST', '/api/users', { username: 'sup1', role: 'supervisor', password: 'sup1-password' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const published = await sourceApi.call('POST', '/api/ivr/flows', FLOW);
  assert.ok(published.status < 300, JSON.stringify(published.body));
});

after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

test('a configured box exports its configuration, users (hashes only) and IVR flows as one file', async () => {
  const res = await fetch(`http://127.0.0.1:${source.httpPort}/api/config/export`, { headers: { authorization: `Bearer ${sourceApi.token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="callcenter-config-\d{8}T\d{6}Z\.json"/);
  const bundle = await res.json();
  assert.equal(bundle.kind, 'callcenter-config');
  assert.deepEqual(bundle.users.map((u: any) => `${u.username}:${u.role}`), ['admin:admin', 'sup1:supervisor']);
  assert.ok(bundle.users.every((u: any) => u.passwordHash.startsWith('scrypt$')));
  assert.ok(!JSON.stringify(bundle.users).includes('sup1-password'));
  assert.deepEqual(bundle.ivrFlows.map((f: any) => f.name), ['front']);
  assert.deepEqual(bundle.config.queues.map((q: any) => q.name), ['sales']);
  const audit = (await sourceApi.call('GET', '/api/audit')).body as any[];
  assert.ok(audit.some((r) => r.action === 'config-export' && r.actor === 'admin' && r.detail.users === 2));
});

test('a dry run on a fresh box reports what would change and changes nothing; the real import makes the box run it', async () => {
  const bundle = (await sourceApi.call('GET', '/api/config/export')).body;
  const before = (await targetApi.call('GET', '/api/config')).body;
  const dry = await targetApi.call('POST', '/api/config/import?dryRun=true', bundle);
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.applied, false);
  assert.deepEqual(dry.body.problems, []);
  assert.ok(dry.body.restartRequired.includes('extensions'), JSON.stringify(dry.body.restartRequired));
  assert.ok(dry.body.changes.some((c: any) => c.path === '/queues' && c.after[0].name === 'sales'), JSON.stringify(dry.body.changes.map((c: any) => c.path)));
  assert.ok(!JSON.stringify(dry.body.changes).includes('pw-2001'), 'extension passwords are masked in the report');
  // Both boxes made their own admin at first start: the file's admin replaces it.
  assert.deepEqual(dry.body.users, { add: ['sup1'], update: ['admin'], keep: [] });
  assert.deepEqual(dry.body.flows, { publish: ['front'], unchanged: [] });
  assert.deepEqual((await targetApi.call('GET', '/api/config')).body, before, 'a dry run changes nothing');
  assert.equal((await targetApi.call('GET', '/api/ivr/flows')).body.length, 0);

  const real = await targetApi.call('POST', '/api/config/import?dryRun=false', bundle);
  assert.equal(real.status, 200, JSON.stringify(real.body));
  assert.equal(real.body.applied, true);
  const after = (await targetApi.call('GET', '/api/config')).body;
  assert.deepEqual(after.stored, bundle.config);
  assert.deepEqual(after.effective.queues.map((q: any) => [q.name, q.maxWaitSec]), [['sales', 120]], 'queues follow at once');
  const flows = (await targetApi.call('GET', '/api/ivr/flows')).body as any[];
  assert.deepEqual(flows.map((f) => [f.name, f.version]), [['front', 1]]);
  const sup = await signIn(target, 'sup1', 'sup1-password');
  assert.equal((await sup.call('GET', '/api/session')).body.role, 'supervisor');
  // The file's admin (with the source box's password) replaced the target's own.
  const importedAdmin = await signIn(target, 'admin', adminPassword(source));
  const audit = (await importedAdmin.call('GET', '/api/audit')).body as any[];
  const imported = audit.filter((r) => r.action === 'config-import');
  assert.deepEqual(imported.map((r) => r.outcome), ['ok']);
  assert.ok(audit.some((r) => r.action === 'config-change' && r.actor === 'admin'), 'the configuration change has its own audit row');

  const again = await sup.call('POST', '/api/config/import', bundle);
  assert.equal(again.status, 403, 'a supervisor may not import');
});

test('a broken file is refused with the path of every problem and changes nothing', async () => {
  const bundle = (await sourceApi.call('GET', '/api/config/export')).body;
  const admin = await signIn(target, 'admin', adminPassword(source));
  const before = (await admin.call('GET', '/api/config')).body;
  bundle.config.queues[0].strategy = 'shortest-hair';
  bundle.config.agents[0].queues = [{ queue: 'nowhere' }];
  bundle.ivrFlows[0].nodes.m.choices = { '1': 'missing-node' };
  const res = await admin.call('POST', '/api/config/import?dryRun=false', bundle);
  assert.equal(res.status, 422);
  assert.equal(res.body.code, 'CC_CONFIG_IMPORT_INVALID');
  assert.equal(res.body.applied, false);
  const paths = res.body.problems.map((p: any) => p.path);
  assert.ok(paths.some((p: string) => p.startsWith('/config/queues/0/strategy')), JSON.stringify(paths));
  assert.ok(paths.some((p: string) => p.startsWith('/ivrFlows/0/nodes/m')), JSON.stringify(paths));
  assert.deepEqual((await admin.call('GET', '/api/config')).body, before);
  const notJson = await fetch(`http://127.0.0.1:${target.httpPort}/api/config/import`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: '{"kind":' });
  assert.equal(notJson.status, 400);
});
