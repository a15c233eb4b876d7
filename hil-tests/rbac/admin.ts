// RBAC matrix rows for the admin pages (configuration, users, import/export).
import type { Cell } from './cells.ts';

export const ADMIN: Record<string, Cell> = {
};
