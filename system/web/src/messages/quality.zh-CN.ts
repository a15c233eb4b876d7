// Quality scoring 的简体中文界面文字；键与 quality.en.ts 相同。
import type { qualityEn } from './quality.en.ts';

export const qualityZhCN: Record<keyof typeof qualityEn, string> = {
};
