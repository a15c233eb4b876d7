import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportBundle, planImport, planReport, type CurrentState } from './config-bundle.ts';
import type { BoxConfig } from './schema.ts';
import { hashPassword } from '../users/passwords.ts';
import type { StoredUser } from '../users/bootstrap-admin.ts';

const admin: StoredUser = { username: 'admin', role: 'admin', passwordHash: hashPassword('admin-password'), createdAt: 1, mustChangePassword: false };
const flow = {
  name: 'main',
  language: 'en',
  start: 'hello',
  nodes: { hello: { type: 'menu', choices: { '1': 'sales' }, fallback: 'sales' }, sales: { type: 'queue', queue: 'sales' } },
};
const current: CurrentState = {
  doc: { extensions: [{ number: '1001', password: 'old-secret' }], sip: { udpPort: 5060 } },
  users: [admin, { ...admin, username: 'sup1', role: 'supervisor' }],
  flows: [],
};
const ctx = (cfg: BoxConfig) => ({ queues: new Set(cfg.queues.map((q) => q.name)) });

function bundleWith(patch: Record<string, unknown>) {
  return { ...exportBundle(current, new Date('2026-11-26T10:00:00Z'), 'admin'), ...patch };
}

test('an exported bundle imports back onto the same box as a plan with nothing to do', () => {
  const plan = planImport(exportBundle(current, new Date('2026-11-26T10:00:00Z'), 'admin'), current, ctx);
  assert.equal(plan.ok, true, JSON.stringify(plan.problems));
  assert.deepEqual(planReport(plan), { ok: true, problems: [], warnings: [], changes: [], restartRequired: [], users: { add: [], update: [], keep: [] }, flows: { publish: [], unchanged: [] } });
});

test('the plan lists config changes (secrets masked), the sections that need a restart, users added and kept, flows to publish', () => {
  const config = { extensions: [{ number: '1001', password: 'new-secret' }, { number: '1002', password: 'pw-1002' }], sip: { udpPort: 5070 }, queues: [{ name: 'sales', overflow: 'hangup' }] };
  const tech: StoredUser = { username: 'tech1', role: 'technician', passwordHash: hashPassword('tech-password'), createdAt: 5, mustChangePassword: true };
  const plan = planImport(bundleWith({ config, users: [admin, tech], ivrFlows: [flow] }), current, ctx);
  assert.equal(plan.ok, true, JSON.stringify(plan.problems));
  assert.deepEqual(plan.restartRequired, ['extensions', 'sip']);
  assert.deepEqual(plan.users, { add: ['tech1'], update: [], keep: ['sup1'] });
  assert.deepEqual(plan.flows, { publish: ['main'], unchanged: [] });
  assert.ok(plan.changes.some((c) => c.path === '/sip/udpPort' && c.before === 5060 && c.after === 5070), JSON.stringify(plan.changes));
  assert.ok(!JSON.stringify(plan.changes).includes('new-secret'), 'a changed password is not written out');
  assert.ok(plan.changes.some((c) => c.path.startsWith('/queues')));
  assert.ok('usersToWrite' in plan && plan.usersToWrite.map((u) => u.username).join() === 'tech1');
});

test('a file that is not a bundle is refused with the path of each problem', () => {
  const plan = planImport({ kind: 'something-else', config: [] }, current, ctx);
  assert.equal(plan.ok, false);
  const paths = plan.problems.map((p) => p.path);
  assert.ok(paths.includes('/kind'), JSON.stringify(paths));
  assert.ok(paths.includes('/config'), JSON.stringify(paths));
  assert.ok(paths.includes('/users'), JSON.stringify(paths));
});

test('a bad password hash is refused by the outer check; then an invalid configuration and a duplicate user are reported with their paths', () => {
  const plan = planImport(bundleWith({
    config: { sip: { udpPort: 99999 } },
    users: [admin, admin, { ...admin, username: 'x', passwordHash: 'plain-text' }],
    ivrFlows: [{ ...flow, nodes: { ...flow.nodes, sales: { type: 'queue', queue: 'nowhere' } } }],
  }), current, ctx);
  assert.equal(plan.ok, false);
  const paths = plan.problems.map((p) => p.path);
  // The outer shape fails first (the hash), so fix that and look again for the rest.
  assert.deepEqual(paths, ['/users/2/passwordHash'], JSON.stringify(plan.problems));
  const again = planImport(bundleWith({
    config: { sip: { udpPort: 99999 } },
    users: [admin, admin],
    ivrFlows: [{ ...flow, nodes: { ...flow.nodes, sales: { type: 'queue', queue: 'nowhere' } } }],
  }), current, ctx);
  const p2 = again.problems.map((p) => p.path);
  assert.ok(p2.includes('/config/sip/udpPort'), JSON.stringify(p2));
  assert.ok(p2.includes('/users/1/username'), JSON.stringify(p2));
});

test('a flow referring to a queue the imported configuration lacks is refused with its path inside the file', () => {
  const plan = planImport(bundleWith({ config: {}, ivrFlows: [flow] }), current, ctx);
  assert.equal(plan.ok, false);
  assert.ok(plan.problems.some((p) => p.path.startsWith('/ivrFlows/0/nodes/sales')), JSON.stringify(plan.problems));
});

test('a bundle that would leave the box without an administrator is refused', () => {
  const demoted: StoredUser = { ...admin, role: 'agent' };
  const plan = planImport(bundleWith({ users: [demoted] }), current, ctx);
  assert.equal(plan.ok, false);
  assert.deepEqual(plan.problems.map((p) => p.path), ['/users'], JSON.stringify(plan.problems));
  // An administrator the file does not mention stays on the box, which is enough.
  const other: StoredUser = { ...admin, username: 'root2' };
  assert.equal(planImport(bundleWith({ users: [demoted] }), { ...current, users: [admin, other] }, ctx).ok, true);
});
