// English UI text of Reports (keys start with 'reports.'); its Chinese twin is reports.zh-CN.ts.
export const reportsEn = {
} as const;
