// English UI text of SIP security (bans) (keys start with 'security.'); its Chinese twin is security.zh-CN.ts.
export const securityEn = {
} as const;
