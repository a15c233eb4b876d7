// First start: create the `admin` user with a generated password and return it so the
// daemon prints it once. Later starts find the user and return nothing.
import type { Store } from '../store/store.ts';
import { generatePassword, hashPassword } from './passwords.ts';

export interface StoredUser {
  username: string;
  role: 'admin' | 'supervisor' | 'agent' | 'technician';
  passwordHash: string;
  createdAt: number;
  mustChangePassword: boolean;
  /** An administrator switched the account off: it cannot sign in (set by user-admin.ts). */
  disabled?: boolean;
}

export async function bootstrapAdmin(store: Store): Promise<string | undefined> {
  if (store.tables.config.get('user:admin')) return undefined;
  const password = generatePassword();
  const user: StoredUser = { username: 'admin', role: 'admin', passwordHash: hashPassword(password), createdAt: Date.now(), mustChangePassword: true };
  await store.transaction(() => {
    store.tables.config.put('user:admin', user);
    store.appendEvent('user-created', { username: 'admin', role: 'admin', by: 'first-start' });
  });
  return password;
}
