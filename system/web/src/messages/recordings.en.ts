// English UI text of Recordings (keys start with 'recordings.'); its Chinese twin is recordings.zh-CN.ts.
export const recordingsEn = {
} as const;
