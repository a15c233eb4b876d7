// The browser softphone module's entry point: createSoftphone() for any page, and
// mountSoftphone() for the web app's workspace slot (src/softphone-slot.ts).
export { createSoftphone, SoftphoneRequestError } from './softphone.ts';
export type { Softphone, SoftphoneCall, SoftphoneEventMap, SoftphoneOptions, SoftphoneStats, CallState } from './softphone.ts';
export { mountSoftphone, type MountContext } from './mount.ts';
