// Wrap-ups (话后处理) in LMDB (table `wrapUps`, call id -> record): the disposition an agent
// chose for a call, in both languages as it was configured when saved, and the agent's notes.
// A save is one transaction with its `call-wrapped-up` event row and resolves once committed;
// saving again replaces the record (edits keep the first save's time). Read by the screen
// pop's call history. Imports: store, config (types), its own rules.
import type { Store } from '../store/store.ts';
import type { WorkspaceConfig } from '../config/workspace-schema.ts';
import { findDisposition } from './dispositions.ts';
import { WrapUpError } from './errors.ts';

export interface WrapUpRecord {
  callId: string;
  /** The agent who took the call. */
  agent: string;
  queue?: string;
  disposition: { code: string; en: string; zh: string };
  notes: string;
  /** First saved, last saved, and by whom (an agent, or a supervisor correcting it). */
  createdAt: number;
  savedAt: number;
  savedBy: string;
}

export interface WrapUpInput {
  callId: string;
  agent: string;
  queue?: string;
  disposition: string;
  notes: string;
  by: string;
}

export function readWrapUp(store: Store, callId: string): WrapUpRecord | undefined {
  return store.tables.wrapUps.get(callId) as WrapUpRecord | undefined;
}

/** Validate and store a wrap-up with its event; the record once committed. */
export async function saveWrapUp(store: Store, config: WorkspaceConfig | undefined, input: WrapUpInput, now = Date.now()): Promise<WrapUpRecord> {
  const d = findDisposition(config, input.queue, input.disposition);
  if (!d) throw new WrapUpError('CC_WRAPUP_BAD_DISPOSITION', `disposition ${JSON.stringify(input.disposition)} is not configured${input.queue ? ` for queue ${input.queue}` : ''}`);
  const before = readWrapUp(store, input.callId);
  const rec: WrapUpRecord = {
    callId: input.callId,
    agent: input.agent,
    ...(input.queue ? { queue: input.queue } : {}),
    disposition: { code: d.code, en: d.en, zh: d.zh },
    notes: input.notes,
    createdAt: before?.createdAt ?? now,
    savedAt: now,
    savedBy: input.by,
  };
  await store.transaction(() => {
    store.tables.wrapUps.put(input.callId, rec);
    store.appendEvent('call-wrapped-up', { callId: input.callId, agent: input.agent, queue: input.queue, disposition: d.code, notesChars: input.notes.length, by: input.by, edit: !!before }, now);
  });
  return rec;
}
