// Recordings 的简体中文界面文字；键与 recordings.en.ts 相同。
import type { recordingsEn } from './recordings.en.ts';

export const recordingsZhCN: Record<keyof typeof recordingsEn, string> = {
};
