// An administrator manages the box's users: list them, change a role, disable or enable an
// account, set a new password (the user must change it at the next sign-in) and remove an
// account. The rules are pure (userChangeProblem): the box always keeps at least one enabled
// administrator, and an administrator cannot lock themselves out (remove, disable or demote
// their own account). Each change is written with its event in one transaction; the caller
// ends the user's sessions (their role is read at sign-in) and writes the audit row.
import type { Store } from '../store/store.ts';
import type { StoredUser } from './bootstrap-admin.ts';
import { hashPassword } from './passwords.ts';
import { PasswordChangeErrorCodes, newPasswordProblem } from './password-change.ts';

export const UserAdminErrorCodes = {
  CC_USER_NOT_FOUND: 'no such user',
  CC_USER_LAST_ADMIN: 'the box must keep at least one enabled administrator',
  CC_USER_SELF_LOCKOUT: 'an administrator cannot remove, disable or demote their own account',
  /** The same rule as a user's own change (one meaning, written once). */
  CC_USER_WEAK_PASSWORD: PasswordChangeErrorCodes.CC_USER_WEAK_PASSWORD,
} as const;
export type UserAdminErrorCode = keyof typeof UserAdminErrorCodes;

export type UserChange = { kind: 'update'; role?: StoredUser['role']; disabled?: boolean } | { kind: 'remove' } | { kind: 'password'; password: string };

/** What the API shows of a user (never the hash). */
export interface UserView {
  username: string;
  role: StoredUser['role'];
  createdAt: number;
  mustChangePassword: boolean;
  disabled: boolean;
}

export function viewOf(u: StoredUser): UserView {
  return { username: u.username, role: u.role, createdAt: u.createdAt, mustChangePassword: u.mustChangePassword, disabled: u.disabled === true };
}

export function listUsers(store: Store): StoredUser[] {
  const out: StoredUser[] = [];
  for (const { key, value } of store.tables.config.getRange({ start: 'user:', end: 'user;' })) {
    if (typeof key === 'string' && key.startsWith('user:')) out.push(value as StoredUser);
  }
  return out.sort((a, b) => a.username.localeCompare(b.username));
}

/** Why `actor` may not make `change` to `target` among `users`, or undefined. Pure. */
export function userChangeProblem(users: readonly StoredUser[], actor: string, target: string, change: UserChange): UserAdminErrorCode | undefined {
  const user = users.find((u) => u.username === target);
  if (!user) return 'CC_USER_NOT_FOUND';
  if (change.kind === 'password') {
    return newPasswordProblem(target, '', change.password) ? 'CC_USER_WEAK_PASSWORD' : undefined;
  }
  const after: StoredUser | undefined = change.kind === 'remove' ? undefined : { ...user, ...(change.role ? { role: change.role } : {}), ...(change.disabled !== undefined ? { disabled: change.disabled } : {}) };
  const losesAdmin = user.role === 'admin' && !user.disabled && (!after || after.role !== 'admin' || after.disabled);
  if (losesAdmin && target === actor) return 'CC_USER_SELF_LOCKOUT';
  if (change.kind === 'remove' && target === actor) return 'CC_USER_SELF_LOCKOUT';
  if (losesAdmin && !users.some((u) => u.username !== target && u.role === 'admin' && !u.disabled)) return 'CC_USER_LAST_ADMIN';
  return undefined;
}

/** Apply a change that passed userChangeProblem; returns the user as stored now (undefined when removed). */
export async function applyUserChange(store: Store, target: string, change: UserChange, by: string, extra: () => void = () => undefined): Promise<StoredUser | undefined> {
  const user = store.tables.config.get(`user:${target}`) as StoredUser;
  const next: StoredUser | undefined =
    change.kind === 'remove' ? undefined
      : change.kind === 'password' ? { ...user, passwordHash: hashPassword(change.password), mustChangePassword: true }
        : { ...user, ...(change.role ? { role: change.role } : {}), ...(change.disabled !== undefined ? { disabled: change.disabled } : {}) };
  await store.transaction(() => {
    if (next) store.tables.config.put(`user:${target}`, next);
    else store.tables.config.remove(`user:${target}`);
    const detail = change.kind === 'update' ? { role: change.role, disabled: change.disabled } : {};
    store.appendEvent(change.kind === 'remove' ? 'user-removed' : change.kind === 'password' ? 'user-password-reset' : 'user-changed', { username: target, by, ...detail });
    extra();
  });
  return next;
}
