// administration pages 的简体中文界面文字；键与 admin.en.ts 相同。
import type { adminEn } from './admin.en.ts';

export const adminZhCN: Record<keyof typeof adminEn, string> = {
};
