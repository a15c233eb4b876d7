// The console's changes to the box: reset the admin password (a new generated one, must be
// changed at next sign-in, audit-logged with who and from where, in the same transaction)
// and factory reset (the data directory emptied back to its first-start state; refused while
// the box runs on it and unless confirmed with the exact word).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../system/store/store.ts';
import { appendAudit } from '../../system/audit/audit-log.ts';
import { generatePassword, hashPassword } from '../../system/users/passwords.ts';
import type { StoredUser } from '../../system/users/bootstrap-admin.ts';
import { assertBoxStopped } from '../backup/restore.ts';

export const FACTORY_RESET_WORD = 'RESET';

export class ConsoleError extends Error {
  constructor(readonly code: 'CC_CONSOLE_NOT_CONFIRMED' | 'CC_CONSOLE_BOX_RUNNING', message: string) {
    super(message);
  }
}

/** A new admin password (returned once); the admin user is created if it is missing. */
export async function resetAdminPassword(dataDir: string, by: { actor: string; source: string }): Promise<string> {
  const store = new Store(dataDir);
  try {
    const password = generatePassword();
    await store.transaction(() => {
      const existing = store.tables.config.get('user:admin') as StoredUser | undefined;
      const user: StoredUser = { username: 'admin', role: 'admin', createdAt: existing?.createdAt ?? Date.now(), ...existing, passwordHash: hashPassword(password), mustChangePassword: true };
      store.tables.config.put('user:admin', user);
      appendAudit(store, { actor: by.actor, action: 'password-reset', outcome: 'ok', target: 'admin', source: by.source, detail: { via: 'technician console' } });
    });
    return password;
  } finally {
    await store.close();
  }
}

/** Empty the data directory (database, certificates, logs, recordings, messages). Returns what was removed. */
export function factoryReset(dataDir: string, confirmation: string): string[] {
  if (confirmation !== FACTORY_RESET_WORD) throw new ConsoleError('CC_CONSOLE_NOT_CONFIRMED', `type ${FACTORY_RESET_WORD} to confirm; nothing was changed`);
  try {
    assertBoxStopped(dataDir);
  } catch (err) {
    throw new ConsoleError('CC_CONSOLE_BOX_RUNNING', `${(err as Error).message.replace(/ \(or --force.*\)/, '')} (systemctl stop callcenter), then run the console again`);
  }
  if (!existsSync(dataDir)) return [];
  const removed = readdirSync(dataDir);
  for (const name of removed) rmSync(join(dataDir, name), { recursive: true, force: true });
  return removed;
}
