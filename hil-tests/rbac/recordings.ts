// RBAC matrix rows for recording search, playback and retention.
import type { Cell } from './cells.ts';

export const RECORDINGS: Record<string, Cell> = {
};
