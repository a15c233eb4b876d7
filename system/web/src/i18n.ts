// The UI language: Simplified Chinese or English, chosen by the user (kept in localStorage),
// else from the browser. t() looks a key up in the active catalogue; components re-render on
// a change through onLanguageChange. Text outside the catalogues (configured names, numbers)
// is shown as it is.
import { en, type MessageKey } from './messages/en.ts';
import { zhCN } from './messages/zh-CN.ts';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = 'cc.lang';

function initial(): Lang {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'zh-CN' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

let current: Lang = initial();
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  if (next === current) return;
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  document.title = t('app.title');
  for (const l of listeners) l();
}

export function onLanguageChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The text of `key` in the current language, with {placeholders} filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = CATALOGUES[current][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m));
}

/** A catalogue text for a dynamic key (agent state, break reason, error code), or `fallback`. */
export function tMaybe(key: string, fallback: string, params: Record<string, string | number> = {}): string {
  return key in CATALOGUES[current] ? t(key as MessageKey, params) : fallback;
}

export function formatDateTime(ms: number): string {
  return new Intl.DateTimeFormat(current, { dateStyle: 'short', timeStyle: 'medium' }).format(ms);
}

document.documentElement.lang = current;
