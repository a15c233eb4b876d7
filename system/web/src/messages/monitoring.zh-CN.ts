// monitoring, logs and the technician console 的简体中文界面文字；键与 monitoring.en.ts 相同。
import type { monitoringEn } from './monitoring.en.ts';

export const monitoringZhCN: Record<keyof typeof monitoringEn, string> = {
};
