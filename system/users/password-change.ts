// A user changes their own password (and so clears mustChangePassword, set for every user an
// admin creates and for the generated admin): the rules a new password must meet (pure), and
// the change itself — current password verified, new hash and cleared flag written with a
// `password-changed` event in one transaction. Imports: store, passwords.
import type { Store } from '../store/store.ts';
import type { StoredUser } from './bootstrap-admin.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export const MIN_PASSWORD_LENGTH = 10;

export const PasswordChangeErrorCodes = {
  CC_USER_WRONG_PASSWORD: 'the current password given with a password change is wrong',
  CC_USER_WEAK_PASSWORD: `the new password is shorter than ${MIN_PASSWORD_LENGTH} characters, or is the user name`,
  CC_USER_SAME_PASSWORD: 'the new password is the same as the current one',
  CC_USER_CHANGE_THROTTLED: 'too many wrong current passwords in a password change; wait a minute',
} as const;
export type PasswordChangeErrorCode = keyof typeof PasswordChangeErrorCodes;

/** Why `next` may not become `username`'s password (replacing `current`), or undefined. */
export function newPasswordProblem(username: string, current: string, next: string): PasswordChangeErrorCode | undefined {
  if (next.length < MIN_PASSWORD_LENGTH || next.toLowerCase() === username.toLowerCase()) return 'CC_USER_WEAK_PASSWORD';
  if (next === current) return 'CC_USER_SAME_PASSWORD';
  return undefined;
}

export function mustChangePassword(store: Store, username: string): boolean {
  return (store.tables.config.get(`user:${username}`) as StoredUser | undefined)?.mustChangePassword === true;
}

/** Change the password; the error code when refused (nothing written then). */
export async function changePassword(store: Store, username: string, current: string, next: string, now = Date.now()): Promise<PasswordChangeErrorCode | undefined> {
  const user = store.tables.config.get(`user:${username}`) as StoredUser | undefined;
  if (!user || !verifyPassword(current, user.passwordHash)) return 'CC_USER_WRONG_PASSWORD';
  const problem = newPasswordProblem(username, current, next);
  if (problem) return problem;
  const updated: StoredUser = { ...user, passwordHash: hashPassword(next), mustChangePassword: false };
  await store.transaction(() => {
    store.tables.config.put(`user:${username}`, updated);
    store.appendEvent('password-changed', { username, wasRequired: user.mustChangePassword }, now);
  });
  return undefined;
}
