// RBAC matrix rows for the SIP edge defence (bans, class of service).
import type { Cell } from './cells.ts';

export const SECURITY: Record<string, Cell> = {
};
