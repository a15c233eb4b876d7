// The mount point of the browser softphone (WebRTC audio through mediasoup, built in
// src/softphone/ by its own owner). The workspace renders <div id="softphone-mount"> and, if
// the build contains src/softphone/index.ts exporting `mountSoftphone`, calls it with the
// element and this context; without it the slot says the softphone is not installed.
// Nothing else in the app imports the softphone, so either side can change independently.
import type { LiveEvents } from './live.ts';
import type { Lang } from './i18n.ts';
import type { Shortcut } from './shortcuts.ts';
import type { AgentRecord, CurrentCall, Workspace } from './types.ts';

export interface SoftphoneContext {
  workspace: Workspace;
  /** The REST helper (cookie session + CSRF token handled). */
  api: <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;
  live: LiveEvents;
  lang: () => Lang;
  onLanguageChange: (fn: () => void) => () => void;
  /** Translate with the app's catalogue; the softphone may bring its own keys (falls back to the key). */
  t: (key: string, params?: Record<string, string | number>) => string;
  registerShortcuts: (list: Shortcut[]) => () => void;
  /** The agent's state record and current call as the workspace knows them, and changes to them. */
  current: () => { record: AgentRecord | null; call: CurrentCall | null };
  onChange: (fn: () => void) => () => void;
}

export interface SoftphoneModule {
  mountSoftphone(el: HTMLElement, ctx: SoftphoneContext): { unmount(): void } | void;
}

const found = import.meta.glob<SoftphoneModule>('./softphone/index.ts', { eager: true });

/** The softphone module when this build has one. */
export function softphoneModule(): SoftphoneModule | undefined {
  const mod = Object.values(found)[0];
  return mod && typeof mod.mountSoftphone === 'function' ? mod : undefined;
}
