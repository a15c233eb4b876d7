// The API's shapes as the page uses them (the server's own types live in system/api and
// system/acd; these are the JSON they answer with, trimmed to what the UI reads).
export type Role = 'admin' | 'supervisor' | 'agent' | 'technician' | 'api';
export type AgentState = 'logged-out' | 'available' | 'ringing' | 'on-call' | 'wrap-up' | 'break';

export interface Me {
  username: string;
  role: Role;
  kind: string;
  csrfToken?: string;
  serverTime: number;
}

export interface AgentRecord {
  id: string;
  state: AgentState;
  reason?: string;
  since: number;
  callId?: string;
  queue?: string;
  /** The last call talked on (the one a wrap-up is for). */
  lastCallId?: string;
  wrapUntil?: number;
  pending?: { state: 'break' | 'logged-out'; reason?: string };
  callsTaken: number;
  talkTimeMs: number;
  missed: number;
}

export interface AgentLive extends AgentRecord {
  name?: string;
  extension: string;
  queues: { queue: string; penalty: number }[];
  registered?: boolean;
}

export interface QueueLive {
  name: string;
  displayName?: string;
  strategy: string;
  waiting: number;
  longestWaitSec: number;
  estimatedWaitSec?: number;
  agents: Record<AgentState, number>;
  callers: { callId: string; caller: string; position: number; waitSec: number; priority: number; ringing: string[] }[];
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

export interface CallSummary {
  callId: string;
  direction: 'in' | 'out';
  other: string;
  startedAt: number;
  answeredAt?: number;
  endedAt: number;
  durationMs: number;
  talkMs: number;
  disposition: string;
  queue?: string;
  agents?: string[];
  ivr?: { flow: string; path: string[] };
  wrapUp?: { disposition: Disposition; notes: string; agent: string; savedAt: number };
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
