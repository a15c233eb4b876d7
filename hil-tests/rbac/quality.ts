// RBAC matrix rows for quality scoring (system/qa).
import type { Cell } from './cells.ts';

export const QUALITY: Record<string, Cell> = {
};
