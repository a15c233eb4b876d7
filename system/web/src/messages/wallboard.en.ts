// English UI text of the live wallboard (keys start with 'wallboard.'); its Chinese twin is wallboard.zh-CN.ts.
export const wallboardEn = {
} as const;
