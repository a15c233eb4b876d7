// SIP security (bans) 的简体中文界面文字；键与 security.en.ts 相同。
import type { securityEn } from './security.en.ts';

export const securityZhCN: Record<keyof typeof securityEn, string> = {
};
