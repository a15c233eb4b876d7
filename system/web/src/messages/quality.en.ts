// English UI text of Quality scoring (keys start with 'quality.'); its Chinese twin is quality.zh-CN.ts.
export const qualityEn = {
} as const;
