// English UI text of monitoring, logs and the technician console (keys start with 'monitoring.'); its Chinese twin is monitoring.zh-CN.ts.
export const monitoringEn = {
} as const;
