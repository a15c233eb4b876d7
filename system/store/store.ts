// The box's durable state: one LMDB environment under the data directory with one named
// database per concern. Whoever opens the Store closes it. Other modules get typed handles
// from here and never open LMDB themselves; multi-table writes go through `transaction`.
import { open, type RootDatabase, type Database } from 'lmdb';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface StoreTables {
  /** Key/value settings and documents (config, secrets). */
  config: Database<unknown, string>;
  /** Extension number -> registration bindings. */
  registrations: Database<unknown, string>;
  /** Call id -> CDR row. */
  cdr: Database<unknown, string>;
  /** Call id -> recording index row (file, parties, size, checksum). */
  recordings: Database<unknown, string>;
  /** Monotonic event log: key [timestampMs, seq] -> event. */
  events: Database<unknown, [number, number]>;
  /** Agent id -> the agent's authoritative ACD state (system/acd). */
  agents: Database<unknown, string>;
  /** The queue event log, source of the reports: key [timestampMs, seq] -> queue event. */
  queueLog: Database<unknown, [number, number]>;
  /** Call id -> a caller currently in a queue (left-overs after a crash are reconciled). */
  queueCalls: Database<unknown, string>;
  /** Caller number -> customer record (name, VIP priority). */
  customers: Database<unknown, string>;
  /** [timestampMs, seq] -> a callback request left by a waiting caller. */
  callbacks: Database<unknown, [number, number]>;
  /** Audit log, append-only and hash-chained (system/audit): seq -> row. */
  audit: Database<unknown, number>;
  /** [flow name, version] -> a published IVR flow version (immutable once written). */
  ivrFlows: Database<unknown, [string, number]>;
  /** Message id -> the index row of a message a caller recorded in an IVR flow. */
  ivrMessages: Database<unknown, string>;
  /** `source:<address>` / `extension:<number>` -> a SIP ban or outbound block (system/sip/ban-list.ts). */
  sipBans: Database<unknown, string>;
  /** Alert id (`<metric>:<subject>`) -> the active alert, or its last occurrence once cleared (appliance/monitoring). */
  alerts: Database<unknown, string>;
  /** [scorecard name, version] -> a QA scorecard version (immutable once written; system/qa). */
  qaScorecards: Database<unknown, [string, number]>;
  /** Call id -> the call's QA review: agent, reason, status open/scored/disputed/closed (system/qa). */
  qaReviews: Database<unknown, string>;
  /** Call id -> the call's QA score: scorecard version, answers, score 0-100, status (system/qa). */
  qaScores: Database<unknown, string>;
  /** Call id -> the agent's wrap-up of the call: disposition and notes (system/wrapup). */
  wrapUps: Database<unknown, string>;
  /** Article id -> the knowledge-base article as it is now, with its attachment list (system/kb). */
  kbArticles: Database<unknown, string>;
  /** [article id, version] -> a saved knowledge-base article version (immutable once written; system/kb). */
  kbVersions: Database<unknown, [string, number]>;
  /** Interaction id -> a chat or email conversation's record without its messages (system/interactions). */
  interactions: Database<unknown, string>;
  /** [interaction id, seq] -> one message of that interaction's log (system/interactions). */
  interactionMessages: Database<unknown, [string, number]>;
  /** Call id -> speech analytics of the call's recording (system/analytics). */
  speechAnalytics: Database<unknown, string>;
  /** Call id -> the call's transcript, requested from the recordings page (system/analytics/transcripts.ts). */
  transcripts: Database<unknown, string>;
  /** Ticket id (T-000123) -> the ticket (system/tickets). */
  tickets: Database<unknown, string>;
  /** [ticket id, seq] -> one history row of a ticket: a change or a comment (system/tickets). */
  ticketLog: Database<unknown, [string, number]>;
  /** Delivery id -> an outbound ticket webhook delivery and its attempts (system/tickets). */
  ticketDeliveries: Database<unknown, string>;
  /** `msg:<id>` -> an email (in or out), `mid:<Message-ID>` -> its thread, `thread:<EM-ref>` -> the thread (system/email). */
  emails: Database<unknown, string>;
  /** Delivery id -> an email reply's delivery through the relay: attempts, state, last error (system/email). */
  emailDeliveries: Database<unknown, string>;
  /** Box call id -> what a restart needs to end a call cut by a crash: its legs' dialogs and its CDR so far (system/calls/dialog-journal.ts). */
  dialogJournal: Database<unknown, string>;
  /** Box call id -> the workspace consultation running on that call (system/calls/consult-book.ts). */
  consultations: Database<unknown, string>;
}

export class Store {
  readonly root: RootDatabase;
  readonly tables: StoreTables;
  private seq = 0;
  private closed = false;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.root = open({ path: join(dataDir, 'box.lmdb'), compression: false, maxDbs: 64, mapSize: 2 * 1024 ** 3 });
    this.tables = {
      config: this.root.openDB({ name: 'config' }),
      registrations: this.root.openDB({ name: 'registrations' }),
      cdr: this.root.openDB({ name: 'cdr' }),
      recordings: this.root.openDB({ name: 'recordings' }),
      events: this.root.openDB({ name: 'events' }) as Database<unknown, [number, number]>,
      agents: this.root.openDB({ name: 'agents' }),
      queueLog: this.root.openDB({ name: 'queue-log' }) as Database<unknown, [number, number]>,
      queueCalls: this.root.openDB({ name: 'queue-calls' }),
      customers: this.root.openDB({ name: 'customers' }),
      callbacks: this.root.openDB({ name: 'callbacks' }) as Database<unknown, [number, number]>,
      audit: this.root.openDB({ name: 'audit' }) as Database<unknown, number>,
      ivrFlows: this.root.openDB({ name: 'ivr-flows' }) as Database<unknown, [string, number]>,
      ivrMessages: this.root.openDB({ name: 'ivr-messages' }),
      sipBans: this.root.openDB({ name: 'sip-bans' }),
      alerts: this.root.openDB({ name: 'alerts' }),
      qaScorecards: this.root.openDB({ name: 'qa-scorecards' }) as Database<unknown, [string, number]>,
      qaReviews: this.root.openDB({ name: 'qa-reviews' }),
      qaScores: this.root.openDB({ name: 'qa-scores' }),
      wrapUps: this.root.openDB({ name: 'wrap-ups' }),
      kbArticles: this.root.openDB({ name: 'kb-articles' }),
      kbVersions: this.root.openDB({ name: 'kb-versions' }) as Database<unknown, [string, number]>,
      interactions: this.root.openDB({ name: 'interactions' }),
      interactionMessages: this.root.openDB({ name: 'interaction-messages' }) as Database<unknown, [string, number]>,
      speechAnalytics: this.root.openDB({ name: 'speech-analytics' }),
      transcripts: this.root.openDB({ name: 'transcripts' }),
      tickets: this.root.openDB({ name: 'tickets' }),
      ticketLog: this.root.openDB({ name: 'ticket-log' }) as Database<unknown, [string, number]>,
      ticketDeliveries: this.root.openDB({ name: 'ticket-deliveries' }),
      emails: this.root.openDB({ name: 'emails' }),
      emailDeliveries: this.root.openDB({ name: 'email-deliveries' }),
      dialogJournal: this.root.openDB({ name: 'dialog-journal' }),
      consultations: this.root.openDB({ name: 'consultations' }),
    };
  }

  /** Run `fn` as one write transaction; every put inside it commits together or not at all. */
  transaction<T>(fn: () => T): Promise<T> {
    return this.root.transaction(fn);
  }

  /** Append an event row (inside a transaction when called from one). */
  appendEvent(type: string, data: Record<string, unknown>, at = Date.now()): void {
    this.tables.events.put([at, this.seq++], { type, at, ...data });
  }

  /** Append a queue-log row (inside a transaction when called from one); returns its key. */
  appendQueueEvent(type: string, data: Record<string, unknown>, at = Date.now()): [number, number] {
    const key: [number, number] = [at, this.seq++];
    this.tables.queueLog.put(key, { type, at, ...data });
    return key;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.close();
  }
}
