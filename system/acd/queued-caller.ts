// What a caller hears and can do while waiting in a queue (排队等待): music on hold, an
// announcement of position and estimated wait on entry and every N seconds, a periodic
// message, and an exit key. Knows nothing of agents: the ACD asks it to stop when the call is
// connected, moved or ended, and hears about the exit key through a callback.
import type { Call } from '../calls/call.ts';
import type { PromptLibrary, PromptLang } from '../../media/prompt-library.ts';
import type { QueueConfig } from '../config/schema.ts';
import { announcementFor } from './announcements.ts';

export interface QueuedCallerDeps {
  prompts?: PromptLibrary;
  /** 1-based position in the queue now. */
  position: () => number;
  /** Estimated wait in seconds, when known. */
  estimatedWaitSec: () => number | undefined;
  onExitKey: (digit: string) => void;
  log: { warn: (o: object, m: string) => void };
}

export class QueuedCaller {
  private active = false;
  private timer?: NodeJS.Timeout;
  private nextAnnouncementAt = 0;
  private nextMessageAt = 0;
  private readonly onDtmf = (digit: string, side: string) => {
    if (side === 'caller' && this.active && this.queue.exitKey === digit) this.deps.onExitKey(digit);
  };

  constructor(private readonly call: Call, private queue: QueueConfig, private readonly deps: QueuedCallerDeps) {}

  /** Start (or, after moving to another queue, restart) the waiting experience. */
  start(queue: QueueConfig = this.queue): void {
    this.queue = queue;
    if (this.active) return;
    this.active = true;
    this.call.on('dtmf', this.onDtmf);
    const now = Date.now();
    this.nextAnnouncementAt = now;
    this.nextMessageAt = now + queue.periodicEverySec * 1000;
    void this.run().catch((err) => this.deps.log.warn({ err, callId: this.call.id }, 'queue music/announcement failed'));
  }

  /** Stop music and announcements (connected, moved on, or ended). */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    clearTimeout(this.timer);
    this.call.off('dtmf', this.onDtmf);
    if (!this.call.hasCallee) this.call.stopPlaying('caller');
  }

  private get lang(): PromptLang {
    return this.queue.language;
  }

  private async run(): Promise<void> {
    const prompts = this.deps.prompts;
    if (!prompts) return; // no prompt set built: the caller waits in silence
    while (this.active && !this.call.hasCallee && this.call.state === 'answered') {
      const now = Date.now();
      const every = this.queue.announceEverySec * 1000;
      if (every > 0 && now >= this.nextAnnouncementAt) {
        this.nextAnnouncementAt = now + every;
        const ids = announcementFor(this.deps.position(), this.deps.estimatedWaitSec());
        await this.say(ids);
        continue;
      }
      if (this.queue.periodicMessage && now >= this.nextMessageAt) {
        this.nextMessageAt = now + this.queue.periodicEverySec * 1000;
        await this.say([this.queue.periodicMessage]);
        continue;
      }
      const nextAt = Math.min(every > 0 ? this.nextAnnouncementAt : Infinity, this.queue.periodicMessage ? this.nextMessageAt : Infinity);
      clearTimeout(this.timer);
      if (nextAt !== Infinity) {
        this.timer = setTimeout(() => this.call.stopPlaying('caller'), Math.max(0, nextAt - Date.now()));
        this.timer.unref();
      }
      await this.call.play('caller', [prompts.music()], { loop: true, whileAlone: true });
    }
  }

  private async say(ids: string[]): Promise<void> {
    const prompts = this.deps.prompts!;
    const clips: Int16Array[] = [];
    for (const id of ids) {
      if (prompts.has(id, this.lang)) clips.push(prompts.clip(id, this.lang));
      else if (prompts.has(id, 'en')) clips.push(prompts.clip(id, 'en'));
      else this.deps.log.warn({ prompt: id, lang: this.lang, code: 'CC_MEDIA_PROMPT_MISSING' }, 'queue prompt missing');
    }
    if (clips.length) await this.call.play('caller', clips, { whileAlone: true });
  }
}
