// Where a caller goes when they leave a queue other than to an agent: overflow (queue full,
// nobody staffing it, waited too long) and the exit key (another destination, or a callback
// request). Each move is written to the queue log before it happens. Destinations: another
// queue, an extension, a number through the dial plan, or a polite goodbye.
import type { Store } from '../store/store.ts';
import type { Call } from '../calls/call.ts';
import type { QueueConfig } from '../config/schema.ts';
import type { PromptLibrary } from '../../media/prompt-library.ts';
import type { Waiter } from './acd.ts';

export interface ExitDeps {
  store: Store;
  prompts?: PromptLibrary;
  log: { warn: (o: object, m: string) => void };
  /** Ring an extension's phone for a box-answered call; true once connected. */
  ringExtension(call: Call, extension: string): Promise<boolean>;
  /** Dial a number through the dial plan for a box-answered call; true once connected. */
  ringNumber(call: Call, number: string): Promise<boolean>;
}

type Rows = (...list: [type: string, data: Record<string, unknown>][]) => { write: () => void; announce: () => void };

export class QueueExits {
  constructor(
    private readonly deps: ExitDeps,
    private readonly enterQueue: (w: Waiter, queue: string) => Promise<void>,
    private readonly rows: Rows,
  ) {}

  /** The queue gives up on a caller (already out of the waiting list): send them on. */
  async overflow(w: Waiter, q: QueueConfig, why: 'full' | 'empty' | 'timeout', position: number): Promise<void> {
    await this.leave(w, ['overflow', { callId: w.call.id, queue: q.name, to: q.overflow, why, position, waitMs: Date.now() - w.enteredAt }]);
    await this.goTo(w, q, q.overflow);
  }

  /** The caller pressed the queue's exit key (already out of the waiting list). */
  async exitKey(w: Waiter, q: QueueConfig, position: number): Promise<void> {
    const dest = q.exitDestination ?? 'hangup';
    const waitMs = Date.now() - w.enteredAt;
    if (dest === 'callback') {
      const number = w.call.parties.caller.number;
      const rows = this.rows(['exit', { callId: w.call.id, queue: q.name, to: 'callback', position, waitMs }], ['callback-requested', { callId: w.call.id, queue: q.name, number }]);
      w.left = true;
      await this.deps.store.transaction(() => {
        this.deps.store.tables.queueCalls.remove(w.call.id);
        this.deps.store.tables.callbacks.put([Date.now(), Math.floor(Math.random() * 1e9)], { number, queue: q.name, callId: w.call.id, at: Date.now(), state: 'open' });
        rows.write();
      });
      rows.announce();
      return this.sayAndHangUp(w.call, q, ['thank-you', 'goodbye'], 'callback-requested');
    }
    await this.leave(w, ['exit', { callId: w.call.id, queue: q.name, to: dest, position, waitMs }]);
    await this.goTo(w, q, dest);
  }

  private async leave(w: Waiter, row: [string, Record<string, unknown>]): Promise<void> {
    w.left = true;
    const rows = this.rows(row);
    await this.deps.store.transaction(() => {
      this.deps.store.tables.queueCalls.remove(w.call.id);
      rows.write();
    });
    rows.announce();
  }

  private async goTo(w: Waiter, q: QueueConfig, dest: string): Promise<void> {
    const call = w.call;
    if (call.state !== 'answered') return;
    if (dest.startsWith('queue:')) {
      w.left = false;
      return this.enterQueue(w, dest.slice(6));
    }
    let connected = false;
    if (dest.startsWith('ext:')) connected = await this.deps.ringExtension(call, dest.slice(4));
    else if (dest.startsWith('dial:')) connected = await this.deps.ringNumber(call, dest.slice(5));
    if (!connected) await this.sayAndHangUp(call, q, ['sorry', 'try-later', 'goodbye'], dest === 'hangup' ? 'queue-overflow' : 'overflow-failed');
  }

  private async sayAndHangUp(call: Call, q: QueueConfig, ids: string[], cause: string): Promise<void> {
    const prompts = this.deps.prompts;
    if (prompts && call.state === 'answered') {
      const clips = ids.filter((id) => prompts.has(id, q.language)).map((id) => prompts.clip(id, q.language));
      if (clips.length) await call.play('caller', clips, { whileAlone: true });
    }
    await call.hangup({ status: 480, reason: 'queue exit', side: 'system', cause });
  }
}
