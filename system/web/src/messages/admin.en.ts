// English UI text of administration pages (keys start with 'admin.'); its Chinese twin is admin.zh-CN.ts.
export const adminEn = {
} as const;
