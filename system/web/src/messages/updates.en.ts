// English UI text of firmware updates (keys start with 'updates.'); its Chinese twin is updates.zh-CN.ts.
export const updatesEn = {
} as const;
