// RBAC matrix rows for firmware updates.
import type { Cell } from './cells.ts';

export const IMAGE: Record<string, Cell> = {
};
