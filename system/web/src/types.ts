// The API's shapes as the page uses them (the server's own types live in system/api and
// system/acd; these are the JSON they answer with, trimmed to what the UI reads). Where the
// server keeps a shape in a plain types-only module, it is imported from there (type-only: no
// server code reaches the bundle) instead of written again here.
import type { AgentState } from '../../acd/agent-states.ts';
import type { AgentRecord } from '../../acd/live-types.ts';

export type { AgentState } from '../../acd/agent-states.ts';
export type { AgentLive, AgentRecord, QueueLive } from '../../acd/live-types.ts';
export type { CallSummary } from '../../api/call-summary.ts';

export type Role = 'admin' | 'supervisor' | 'agent' | 'technician' | 'api';

export interface Me {
  username: string;
  role: Role;
  kind: string;
  csrfToken?: string;
  serverTime: number;
}

export interface Workspace {
  username: string;
  role: Role;
  agent: { id: string; name?: string; extension: string; device?: 'phone' | 'browser'; queues: { queue: string; penalty: number }[] } | null;
  record: AgentRecord | null;
  breakReasons: string[];
  queues: { name: string; displayName?: string }[];
  serverTime: number;
}

export interface CurrentCall {
  callId: string;
  state: 'ringing' | 'connected';
  caller: string;
  callerUri?: string;
  queue: string;
  queueName?: string;
  enteredAt: number;
  ringingSince?: number;
  connectedAt?: number;
  priority: number;
  ivr?: { flow: string; path: string[]; variables?: Record<string, string> };
}

export interface Customer {
  number: string;
  name?: string;
  priority: number;
  notes?: string;
  updatedAt?: number;
  updatedBy?: string;
}

/** A wrap-up disposition as configured, named in both languages. */
export interface Disposition {
  code: string;
  en: string;
  zh: string;
}

export type LiveMessage =
  | { kind: 'hello'; username: string; role: Role }
  | { kind: 'agent'; record: AgentRecord }
  | { kind: 'queue'; event: { type: string; at: number; queue?: string; agent?: string; callId?: string; caller?: string } & Record<string, unknown> };
