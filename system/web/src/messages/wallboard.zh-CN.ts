// the live wallboard 的简体中文界面文字；键与 wallboard.en.ts 相同。
import type { wallboardEn } from './wallboard.en.ts';

export const wallboardZhCN: Record<keyof typeof wallboardEn, string> = {
};
