// Messages callers leave in an IVR flow (a voicemail-like message): a WAV file per message under
// <data dir>/messages and one index row per message in LMDB (table ivr-messages), written with
// an `ivr-message` event row once the file is complete. The index row carries the IVR path and
// variables, so a message can be found by mailbox, caller or what the caller keyed in.
import { join } from 'node:path';
import type { Store } from '../store/store.ts';

export interface MessageRow {
  id: string;
  mailbox: string;
  callId: string;
  caller: string;
  dialled: string;
  flow: string;
  version: number;
  node: string;
  /** When recording started (epoch ms). */
  recordedAt: number;
  durationMs: number;
  bytes: number;
  /** The WAV file (8 kHz mono μ-law), absolute. */
  file: string;
  endedBy: 'key' | 'silence' | 'max' | 'hangup';
  heardSpeech: boolean;
  path: string[];
  variables: Record<string, string>;
}

export class MessageBox {
  constructor(private readonly store: Store, readonly dir: string) {}

  fileFor(id: string): string {
    return join(this.dir, `${id}.wav`);
  }

  async save(row: MessageRow): Promise<void> {
    await this.store.transaction(() => {
      this.store.tables.ivrMessages.put(row.id, row);
      this.store.appendEvent('ivr-message', { id: row.id, mailbox: row.mailbox, callId: row.callId, caller: row.caller, durationMs: row.durationMs });
    });
  }

  get(id: string): MessageRow | undefined {
    return this.store.tables.ivrMessages.get(id) as MessageRow | undefined;
  }

  /** Newest first. */
  list(opts: { mailbox?: string; limit?: number } = {}): MessageRow[] {
    const rows = [...this.store.tables.ivrMessages.getRange()].map((r) => r.value as MessageRow).filter((m) => !opts.mailbox || m.mailbox === opts.mailbox);
    rows.sort((a, b) => b.recordedAt - a.recordedAt);
    return rows.slice(0, opts.limit ?? 500);
  }
}
