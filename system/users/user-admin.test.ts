import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userChangeProblem, applyUserChange, listUsers, viewOf } from './user-admin.ts';
import type { StoredUser } from './bootstrap-admin.ts';
import { Store } from '../store/store.ts';
import { verifyPassword } from './passwords.ts';

const user = (username: string, role: StoredUser['role'], disabled = false): StoredUser => ({ username, role, passwordHash: 'x', createdAt: 1, mustChangePassword: false, ...(disabled ? { disabled } : {}) });
const users = [user('root', 'admin'), user('ops', 'admin'), user('sup', 'supervisor'), user('old', 'admin', true)];

test('an admin may not remove, disable or demote their own account', () => {
  assert.equal(userChangeProblem(users, 'root', 'root', { kind: 'remove' }), 'CC_USER_SELF_LOCKOUT');
  assert.equal(userChangeProblem(users, 'root', 'root', { kind: 'update', disabled: true }), 'CC_USER_SELF_LOCKOUT');
  assert.equal(userChangeProblem(users, 'root', 'root', { kind: 'update', role: 'agent' }), 'CC_USER_SELF_LOCKOUT');
  assert.equal(userChangeProblem(users, 'root', 'root', { kind: 'update', role: 'admin' }), undefined, 'keeping the role is fine');
  assert.equal(userChangeProblem(users, 'root', 'root', { kind: 'password', password: 'a-long-password' }), undefined);
});

test('the last enabled administrator stays (a disabled admin does not count)', () => {
  const two = [user('root', 'admin'), user('ops', 'admin'), user('old', 'admin', true)];
  assert.equal(userChangeProblem(two, 'root', 'ops', { kind: 'update', disabled: true }), undefined, 'root remains');
  const one = [user('root', 'admin'), user('old', 'admin', true), user('sup', 'supervisor')];
  // Another admin acting on root would need to exist; an API token session acting on the only admin:
  assert.equal(userChangeProblem(one, 'token:ci', 'root', { kind: 'update', role: 'supervisor' }), 'CC_USER_LAST_ADMIN');
  assert.equal(userChangeProblem(one, 'token:ci', 'root', { kind: 'remove' }), 'CC_USER_LAST_ADMIN');
  assert.equal(userChangeProblem(one, 'root', 'old', { kind: 'remove' }), undefined, 'removing a disabled admin is fine');
  assert.equal(userChangeProblem(one, 'root', 'sup', { kind: 'update', role: 'admin' }), undefined);
});

test('unknown users and weak passwords are refused', () => {
  assert.equal(userChangeProblem(users, 'root', 'nobody', { kind: 'remove' }), 'CC_USER_NOT_FOUND');
  assert.equal(userChangeProblem(users, 'root', 'sup', { kind: 'password', password: 'short' }), 'CC_USER_WEAK_PASSWORD');
  assert.equal(userChangeProblem(users, 'root', 'sup', { kind: 'password', password: 'SUPsupSUPsup'.slice(0, 3) }), 'CC_USER_WEAK_PASSWORD');
});

test('changes are stored with their event; a new password must be changed at the next sign-in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-users-'));
  const store = new Store(dir);
  try {
    await store.transaction(() => {
      for (const u of users) store.tables.config.put(`user:${u.username}`, u);
    });
    await applyUserChange(store, 'sup', { kind: 'update', role: 'agent', disabled: true }, 'root');
    await applyUserChange(store, 'ops', { kind: 'password', password: 'a-brand-new-password' }, 'root');
    await applyUserChange(store, 'old', { kind: 'remove' }, 'root');
    const now = listUsers(store);
    assert.deepEqual(now.map(viewOf).map((u) => [u.username, u.role, u.disabled, u.mustChangePassword]), [['ops', 'admin', false, true], ['root', 'admin', false, false], ['sup', 'agent', true, false]]);
    assert.ok(verifyPassword('a-brand-new-password', now[0]!.passwordHash));
    const events = [...store.tables.events.getRange()].map((r) => (r.value as { type: string }).type);
    assert.deepEqual(events, ['user-changed', 'user-password-reset', 'user-removed']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
