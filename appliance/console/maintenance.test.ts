import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleError, factoryReset, resetAdminPassword } from './maintenance.ts';
import { Store } from '../../system/store/store.ts';
import { listAudit } from '../../system/audit/audit-log.ts';
import { verifyPassword } from '../../system/users/passwords.ts';

function dataDir(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'factory-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'logs', 'box.log'), '{}\n');
  mkdirSync(join(dir, 'recordings'));
  writeFileSync(join(dir, 'box.lmdb'), 'x');
  return dir;
}

test('factory reset needs the exact word and then empties the data directory', (t) => {
  const dir = dataDir(t);
  assert.throws(() => factoryReset(dir, 'reset'), (e: ConsoleError) => e.code === 'CC_CONSOLE_NOT_CONFIRMED');
  assert.equal(readdirSync(dir).length, 3);
  assert.deepEqual(factoryReset(dir, 'RESET').sort(), ['box.lmdb', 'logs', 'recordings']);
  assert.deepEqual(readdirSync(dir), []);
});

test('factory reset is refused while box.running names a live process', async (t) => {
  const dir = dataDir(t);
  const sleeper = spawn('sleep', ['30']);
  t.after(() => sleeper.kill());
  writeFileSync(join(dir, 'box.running'), JSON.stringify({ pid: sleeper.pid }));
  assert.throws(() => factoryReset(dir, 'RESET'), (e: ConsoleError) => e.code === 'CC_CONSOLE_BOX_RUNNING');
  assert.ok(existsSync(join(dir, 'box.lmdb')));
});

test('an admin password reset replaces the hash, asks for a change and writes an audit row', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pwreset-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const password = await resetAdminPassword(dir, { actor: 'tech', source: 'tty1' });
  const store = new Store(dir);
  t.after(() => store.close());
  const user = store.tables.config.get('user:admin') as { passwordHash: string; mustChangePassword: boolean; role: string };
  assert.ok(verifyPassword(password, user.passwordHash));
  assert.deepEqual([user.role, user.mustChangePassword], ['admin', true]);
  const [row] = listAudit(store);
  assert.deepEqual([row!.actor, row!.action, row!.target, row!.source], ['tech', 'password-reset', 'admin', 'tty1']);
});
