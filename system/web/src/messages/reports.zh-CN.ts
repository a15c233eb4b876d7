// Reports 的简体中文界面文字；键与 reports.en.ts 相同。
import type { reportsEn } from './reports.en.ts';

export const reportsZhCN: Record<keyof typeof reportsEn, string> = {
};
