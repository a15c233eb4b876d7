// RBAC matrix rows for monitoring, /metrics, alerts, system logs and the technician console.
import type { Cell } from './cells.ts';

export const MONITORING: Record<string, Cell> = {
};
