// The IvrPort of a real, box-answered Call: prompts through Call.play (barge-in on the caller's
// keys), the caller's digits from the call's deduplicated `dtmf` events (RFC 4733, SIP INFO,
// in-band) queued for type-ahead, hand-over to the queue service, transfers through Call.offer
// (ring-targets), and the caller's audio through a media tap for recorded messages and speech
// keywords. Owns the tap while it is open and lets go of the call once it leaves the IVR.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Call } from '../calls/call.ts';
import type { LocalService } from '../calls/call-manager.ts';
import type { IvrTag } from '../calls/cdr.ts';
import type { LegSide } from '../calls/sip-leg.ts';
import type { PromptLang, PromptLibrary } from '../../media/prompt-library.ts';
import type { KeywordRecognizer } from '../../media/speech-recognizer.ts';
import { AudioTap } from '../../media/ivr-audio-tap.ts';
import { Endpointer } from '../../media/speech-endpointer.ts';
import { WavFileWriter } from '../../media/wav-writer.ts';
import type { IvrPort, ListenResult, PromptId, RecordRequest, RecordedMessage } from './ivr-port.ts';
import type { MessageBox } from './messages.ts';
import type { IvrErrorCode } from './errors.ts';

export interface CallPortDeps {
  prompts?: PromptLibrary;
  lang: PromptLang;
  queue(): LocalService | undefined;
  ringExtension(call: Call, extension: string): Promise<boolean>;
  ringNumber(call: Call, number: string): Promise<boolean>;
  messages: MessageBox;
  recognizer?: KeywordRecognizer;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

/** Keys remembered for type-ahead. */
const MAX_TYPE_AHEAD = 32;
const BEEP = (() => {
  const out = new Int16Array(2400); // 300 ms, 1 kHz
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return out;
})();

export class CallPort implements IvrPort {
  private digits: string[] = [];
  private waiter?: (digit: string | undefined) => void;
  /** A recording or listening step that takes the caller's keys first (returns true when it used the key). */
  private digitHook?: (digit: string) => boolean;
  private bargeIn = false;
  private detached = false;
  private readonly onEnded: (() => void)[] = [];

  constructor(private readonly call: Call, private readonly deps: CallPortDeps) {
    call.on('dtmf', this.onDtmf);
    call.once('ended', () => {
      this.waiter?.(undefined);
      for (const f of this.onEnded.splice(0)) f();
      this.detach();
    });
  }

  get callId(): string {
    return this.call.id;
  }
  get caller(): string {
    return this.call.parties.caller.number;
  }
  get dialled(): string {
    return this.call.dialled;
  }
  get gone(): boolean {
    return this.call.state === 'ending' || this.call.state === 'ended';
  }

  private readonly onDtmf = (digit: string, side: LegSide) => {
    if (side !== 'caller' || this.detached) return;
    if (this.digitHook?.(digit)) return;
    if (this.bargeIn) this.call.stopPlaying('caller');
    if (this.waiter) return this.waiter(digit);
    if (this.digits.length < MAX_TYPE_AHEAD) this.digits.push(digit);
  };

  /** Stop listening to the call (it left the IVR or ended). */
  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.call.off('dtmf', this.onDtmf);
    this.waiter?.(undefined);
  }

  async play(prompts: PromptId[], bargeIn: boolean): Promise<void> {
    if (bargeIn && this.digits.length) return;
    const clips = this.clips(prompts);
    if (!clips.length || this.gone) return;
    this.bargeIn = bargeIn;
    try {
      await this.call.play('caller', clips, { stopOnDtmf: bargeIn });
    } finally {
      this.bargeIn = false;
    }
  }

  private clips(ids: PromptId[]): Int16Array[] {
    const out: Int16Array[] = [];
    for (const id of ids) {
      if (id === 'beep') out.push(BEEP);
      else if (id.startsWith('silence:')) out.push(new Int16Array(Math.round(Number(id.slice(8)) * 8)));
      else if (this.deps.prompts?.has(id, this.deps.lang)) out.push(this.deps.prompts.clip(id, this.deps.lang));
      else if (this.deps.prompts?.has(id, 'en')) out.push(this.deps.prompts.clip(id, 'en'));
      else this.deps.log.warn({ callId: this.call.id, code: 'CC_MEDIA_PROMPT_MISSING', prompt: id, lang: this.deps.lang }, 'IVR prompt missing: skipped');
    }
    return out;
  }

  nextDigit(timeoutMs: number): Promise<string | undefined> {
    if (this.digits.length) return Promise.resolve(this.digits.shift());
    if (this.gone || this.detached || timeoutMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (digit: string | undefined) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(digit);
      };
      this.waiter = done;
    });
  }

  pendingDigits(): number {
    return this.digits.length;
  }

  clearDigits(): void {
    this.digits = [];
  }

  update(tag: IvrTag): void {
    this.call.tags.ivr = tag;
  }

  toQueue(queue: string, opts: { priority?: number; skills?: { skill: string; minLevel: number }[]; tag: IvrTag }): boolean {
    const service = this.deps.queue();
    if (!service || this.gone || !service.admit(queue).ok) return false;
    this.detach();
    this.call.tags.ivr = opts.tag;
    if (opts.priority !== undefined) this.call.tags.priority = opts.priority;
    if (opts.skills?.length) this.call.tags.skills = opts.skills;
    this.call.stopPlaying('caller');
    service.take(this.call, queue);
    return true;
  }

  async transfer(to: { kind: 'ext' | 'dial'; number: string }, tag: IvrTag): Promise<boolean> {
    this.call.tags.ivr = tag;
    // The caller hears music while the far end rings; the answer stops it (Call.adopt).
    const music = this.deps.prompts?.music();
    if (music) void this.call.play('caller', [music], { loop: true, whileAlone: true });
    const answered = to.kind === 'ext' ? await this.deps.ringExtension(this.call, to.number) : await this.deps.ringNumber(this.call, to.number);
    if (answered) this.detach();
    else this.call.stopPlaying('caller');
    return answered;
  }

  async hangup(cause: string): Promise<void> {
    this.detach();
    await this.call.hangup({ status: 200, reason: 'IVR', side: 'system', cause });
  }

  /** The caller's voice in Node while `onAudio` needs it; undefined when the call has no media now. */
  private async tap(onAudio: (samples: Int16Array) => void): Promise<AudioTap | undefined> {
    const ctx = this.call.mediaContext;
    const producerId = this.call.caller?.media.producerId;
    if (!ctx || !producerId) return undefined;
    return AudioTap.open(ctx.router, ctx.codecs, producerId, onAudio);
  }

  async record(req: RecordRequest): Promise<RecordedMessage | undefined> {
    if (this.gone) return undefined;
    const id = randomUUID();
    const file = this.deps.messages.fileFor(id);
    const recordedAt = Date.now();
    let writer: WavFileWriter | undefined;
    let tap: AudioTap | undefined;
    try {
      await mkdir(this.deps.messages.dir, { recursive: true });
      writer = await WavFileWriter.open(file, { encoding: 'ulaw' });
      const ep = new Endpointer({ noSpeechMs: req.maxMs, maxSpeechMs: req.maxMs, endSilenceMs: req.silenceMs > 0 ? req.silenceMs : Number.MAX_SAFE_INTEGER });
      let finish!: (why: RecordedMessage['endedBy']) => void;
      const ended = new Promise<RecordedMessage['endedBy']>((resolve) => (finish = resolve));
      const w = writer;
      tap = await this.tap((samples) => {
        w.append(samples);
        if (ep.push(samples) === 'done' && ep.heardSpeech) finish('silence');
      });
      if (!tap) throw new Error('the call has no caller media');
      this.digitHook = (digit) => (digit === req.finishKey ? (finish('key'), true) : false);
      const max = setTimeout(() => finish('max'), req.maxMs);
      this.onEnded.push(() => finish('hangup'));
      if (this.gone) finish('hangup');
      const endedBy = await ended;
      clearTimeout(max);
      this.digitHook = undefined;
      tap.close();
      const summary = await writer.close();
      await this.deps.messages.save({
        id, mailbox: req.mailbox, callId: this.call.id, caller: this.caller, dialled: this.dialled, flow: req.tag.flow, version: req.tag.version, node: req.node,
        recordedAt, durationMs: Math.round(summary.durationMs), bytes: summary.bytesWritten, file, endedBy, heardSpeech: ep.heardSpeech, path: req.tag.path, variables: req.tag.variables,
      });
      return { id, durationMs: Math.round(summary.durationMs), endedBy, heardSpeech: ep.heardSpeech };
    } catch (err) {
      this.digitHook = undefined;
      tap?.close();
      await writer?.close().catch(() => undefined);
      this.deps.log.warn({ err, callId: this.call.id, code: 'CC_IVR_RECORD_FAILED' satisfies IvrErrorCode, mailbox: req.mailbox }, 'recording a message failed');
      return undefined;
    }
  }

  async listen(opts: { phrases: string[]; timeoutMs: number; maxMs: number }): Promise<ListenResult> {
    const recognizer = this.deps.recognizer;
    if (!recognizer) return { kind: 'unavailable' };
    if (this.digits.length) return { kind: 'digit', digit: this.digits.shift()! };
    const ep = new Endpointer({ noSpeechMs: opts.timeoutMs, maxSpeechMs: opts.maxMs });
    let finish!: (digit?: string) => void;
    const ended = new Promise<string | undefined>((resolve) => (finish = resolve));
    this.digitHook = (digit) => (finish(digit), true);
    this.onEnded.push(() => finish());
    // A caller who sends no packets at all (silence suppression) still times out.
    const quiet = setTimeout(() => ep.state === 'waiting' && finish(), opts.timeoutMs + 300);
    const cap = setTimeout(() => finish(), opts.timeoutMs + opts.maxMs + 1000);
    let tap: AudioTap | undefined;
    try {
      tap = await this.tap((samples) => ep.push(samples) === 'done' && finish());
      if (!tap) finish();
      const digit = await ended;
      if (digit !== undefined) return { kind: 'digit', digit };
      if (this.gone) return { kind: 'silence' };
      const utterance = ep.utterance();
      if (!utterance) return { kind: 'silence' };
      try {
        const r = await recognizer.recognize(utterance, opts.phrases);
        this.deps.log.info({ callId: this.call.id, heard: r.raw, phrase: r.phrase, ms: r.ms, engine: recognizer.name }, 'IVR speech');
        return r.phrase ? { kind: 'phrase', phrase: r.phrase } : { kind: 'no-match', heard: r.raw };
      } catch (err) {
        this.deps.log.warn({ err, callId: this.call.id, code: 'CC_IVR_SPEECH_FAILED' satisfies IvrErrorCode }, 'speech recognition failed');
        return { kind: 'no-match', heard: '' };
      }
    } finally {
      clearTimeout(quiet);
      clearTimeout(cap);
      this.digitHook = undefined;
      tap?.close();
    }
  }
}
