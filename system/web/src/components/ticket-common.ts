// What the ticket views share: the API's ticket shapes as the page reads them, the catalogue
// text of a ticket error, and the SLA clock as a line of text (time left, paused, overdue).
import { formatDuration } from '../clock.ts';
import { errorText } from '../errors.ts';
import { t, tMaybe } from '../i18n.ts';

export type TicketState = 'new' | 'in-progress' | 'waiting' | 'resolved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';

export interface TicketView {
  id: string;
  subject: string;
  description: string;
  customer: { number?: string; name?: string };
  source: { kind: 'call' | 'chat' | 'email' | 'manual'; id?: string };
  department?: string;
  assignee?: string;
  state: TicketState;
  priority: TicketPriority;
  sla: { budgetMs: number; usedMs: number; remainingMs: number; running: boolean; dueAt?: number };
  breached: boolean;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
  externalRef?: string;
  comments: number;
}

export interface TicketHistoryRow {
  seq: number;
  at: number;
  by: string;
  kind: 'created' | 'state' | 'assigned' | 'priority' | 'edited' | 'comment' | 'sla-breached';
  from?: unknown;
  to?: unknown;
  text?: string;
}

export interface TicketOptions {
  states: TicketState[];
  priorities: TicketPriority[];
  departments: string[];
  assignees: string[];
  slaMinutes: Record<TicketPriority, number>;
}

export interface TicketNotice {
  kind: 'ticket';
  change: TicketHistoryRow;
  ticket: TicketView;
  assignedToYou: boolean;
}

export function ticketError(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return errorText(err);
  const text = tMaybe(`tickets.error.${code}`, errorText(err));
  return code === 'CC_TICKET_INVALID' || code === 'CC_API_BAD_REQUEST' ? `${text} ${(err as Error).message}` : text;
}

export const stateText = (s: string) => tMaybe(`tickets.state.${s}`, s);
export const priorityText = (p: string) => tMaybe(`tickets.priority.${p}`, p);
export const sourceText = (s: TicketView['source']) => `${tMaybe(`tickets.source.${s.kind}`, s.kind)}${s.id ? ` ${s.id}` : ''}`;

/** The SLA clock as text, read at `now` (the server's reading plus the time since it was read). */
export function slaText(tk: TicketView, readAt: number, now = Date.now()): string {
  if (tk.state === 'resolved' || tk.state === 'closed') return tk.breached ? t('tickets.sla.breached') : '—';
  const left = tk.sla.remainingMs - (tk.sla.running ? now - readAt : 0);
  if (left < 0) return t('tickets.sla.over', { over: formatDuration(-left) });
  return tk.sla.running ? t('tickets.sla.left', { left: formatDuration(left) }) : t('tickets.sla.paused', { left: formatDuration(left) });
}

/** One history row as a sentence. */
export function historyText(h: TicketHistoryRow): string {
  switch (h.kind) {
    case 'state': return t('tickets.history.state', { from: stateText(String(h.from)), to: stateText(String(h.to)) });
    case 'priority': return t('tickets.history.priority', { from: priorityText(String(h.from)), to: priorityText(String(h.to)) });
    case 'assigned': {
      const to = (h.to ?? {}) as { department?: string; assignee?: string };
      return t('tickets.history.assigned', { to: [to.department, to.assignee].filter(Boolean).join(' / ') || t('tickets.unassigned') });
    }
    default: return t(`tickets.history.${h.kind}`);
  }
}
