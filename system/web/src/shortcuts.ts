// Keyboard shortcuts of the app: one registry, one keydown listener. Keys are written like
// 'F2', 'Alt+L', 'Ctrl+S', '?'. Plain keys are ignored while typing in a field; keys with
// Ctrl/Alt or function keys work everywhere. The help dialog lists what is registered now
// (the softphone adds answer/hang-up/hold through its mount context).
import type { MessageKey } from './messages/en.ts';

export interface Shortcut {
  keys: string;
  /** Catalogue key of the description shown in the help list. */
  label: MessageKey | string;
  run: () => void;
}

const registered: Shortcut[] = [];
const listeners = new Set<() => void>();

function keyName(e: KeyboardEvent): string {
  const parts: string[] = [];
  if (e.ctrlKey) parts.push('Ctrl');
  if (e.altKey) parts.push('Alt');
  if (e.shiftKey && e.key.length > 1) parts.push('Shift');
  parts.push(e.key.length === 1 ? e.key.toUpperCase() : e.key);
  return parts.join('+');
}

function typing(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** Register shortcuts; returns a function that removes them. */
export function registerShortcuts(list: Shortcut[]): () => void {
  registered.push(...list);
  listeners.forEach((f) => f());
  return () => {
    for (const s of list) {
      const i = registered.indexOf(s);
      if (i >= 0) registered.splice(i, 1);
    }
    listeners.forEach((f) => f());
  };
}

export function shortcuts(): readonly Shortcut[] {
  return registered;
}

export function onShortcutsChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

window.addEventListener('keydown', (e) => {
  const name = keyName(e);
  const plain = !e.ctrlKey && !e.altKey && !/^F\d+$/.test(e.key);
  if (plain && typing(e)) return;
  const hit = [...registered].reverse().find((s) => s.keys.toUpperCase() === name.toUpperCase());
  if (!hit) return;
  e.preventDefault();
  hit.run();
});
