// Shared shapes of the RBAC matrix (hil-tests/web-rbac.test.ts): roles and one cell per
// route. Each feature area keeps its rows in its own file beside this one.
export type Role = 'admin' | 'supervisor' | 'agent' | 'technician';
export const A: Role = 'admin';
export const S: Role = 'supervisor';
export const G: Role = 'agent';
export const T: Role = 'technician';
export const ALL: Role[] = [A, S, G, T];
export const DESK: Role[] = [A, S, G];
export const STAFF: Role[] = [A, S];

export interface Cell {
  roles: Role[] | 'open' | 'local';
  /** Path to call (default: the route with sample parameters) and body. */
  path?: string;
  body?: (role: string) => unknown;
  /** Statuses an allowed caller must get (default: anything but 401 and a role refusal). */
  ok?: number[];
  /** Call with a fresh session (the call ends it). */
  fresh?: boolean;
}

/** A counter for unique names in sample bodies. */
let n = 0;
export const unique = (prefix: string) => `${prefix}${n++}`;
