// RBAC matrix rows for the live wallboard and listen/whisper/barge.
import type { Cell } from './cells.ts';

export const WALLBOARD: Record<string, Cell> = {
};
