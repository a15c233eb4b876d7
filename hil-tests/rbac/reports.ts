// RBAC matrix rows for reports (system/reports).
import type { Cell } from './cells.ts';

export const REPORTS: Record<string, Cell> = {
};
