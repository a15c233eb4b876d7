// The browser softphone module's entry point (what the web app, or a test page, imports).
export { createSoftphone, SoftphoneRequestError } from './softphone.ts';
export type { Softphone, SoftphoneCall, SoftphoneEventMap, SoftphoneOptions, SoftphoneStats, CallState } from './softphone.ts';
