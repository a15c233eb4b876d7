// Which wrap-up dispositions an agent may choose for a call: the queue's own list when the
// configuration has one, else the box-wide list, else the built-in one below; and the check
// of a chosen code against that list. Pure: plain data in, plain data out.
import type { Disposition, WorkspaceConfig } from '../config/workspace-schema.ts';

/** Used when the configuration names no dispositions. */
export const DEFAULT_DISPOSITIONS: readonly Disposition[] = [
  { code: 'resolved', en: 'Resolved', zh: '已解决' },
  { code: 'follow-up', en: 'Needs follow-up', zh: '需跟进' },
  { code: 'callback', en: 'Call back', zh: '需回电' },
  { code: 'sale', en: 'Sale', zh: '成交' },
  { code: 'complaint', en: 'Complaint', zh: '投诉' },
  { code: 'information', en: 'Information only', zh: '咨询' },
  { code: 'wrong-number', en: 'Wrong number', zh: '打错电话' },
];

export function dispositionsFor(config: WorkspaceConfig | undefined, queue: string | undefined): readonly Disposition[] {
  const own = queue ? config?.queueDispositions?.[queue] : undefined;
  return own ?? config?.dispositions ?? DEFAULT_DISPOSITIONS;
}

/** The disposition `code` names in the list for `queue`, or undefined when it is not one of them. */
export function findDisposition(config: WorkspaceConfig | undefined, queue: string | undefined, code: string): Disposition | undefined {
  return dispositionsFor(config, queue).find((d) => d.code === code);
}
