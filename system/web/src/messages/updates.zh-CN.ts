// firmware updates 的简体中文界面文字；键与 updates.en.ts 相同。
import type { updatesEn } from './updates.en.ts';

export const updatesZhCN: Record<keyof typeof updatesEn, string> = {
};
