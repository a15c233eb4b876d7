// The ACD's live shapes as the API answers them (agent state records, the live queue and agent
// pictures): plain types with no imports but the pure agent-states.ts, so the browser app
// (system/web, its own compiler settings: no Node types) imports them type-only from here
// instead of writing them again. agent-book.ts and live-state.ts re-export them.
import type { AgentState } from './agent-states.ts';

export interface AgentRecord {
  id: string;
  state: AgentState;
  /** Break reason while on break. */
  reason?: string;
  /** When the current state began. */
  since: number;
  /** The call ringing or connected to the agent. */
  callId?: string;
  /** The queue of that call (or of the wrap-up). */
  queue?: string;
  /** The last call the agent talked on (the one its wrap-up is for). */
  lastCallId?: string;
  /** When wrap-up ends. */
  wrapUntil?: number;
  /** What the agent asked for while busy with a call: applied when the call (and wrap-up) ends. */
  pending?: { state: 'break' | 'logged-out'; reason?: string };
  /** Since when the agent has been idle (longest-idle): last call's end or becoming available. */
  idleSince: number;
  /** Calls taken and talk time since the last login. */
  callsTaken: number;
  talkTimeMs: number;
  /** Ring-outs (RONA) since the last login. */
  missed: number;
  loggedInAt?: number;
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

export interface AgentLive extends AgentRecord {
  name?: string;
  extension: string;
  queues: { queue: string; penalty: number }[];
  skills: Record<string, number>;
}
