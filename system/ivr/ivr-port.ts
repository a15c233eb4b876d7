// What the IVR runner needs from a call, as one small interface: the real adapter over a Call
// is call-port.ts; tests drive the runner with a scripted fake. Types only.
import type { IvrTag } from '../calls/cdr.ts';

/** A prompt as the runner asks for it: a prompt-set id ("digit-4"), 'beep' or 'silence:MS'. */
export type PromptId = string;

export interface RecordRequest {
  mailbox: string;
  node: string;
  maxMs: number;
  /** Stop after this much silence once the caller spoke (0: never). */
  silenceMs: number;
  finishKey: string;
  tag: IvrTag;
}

export interface RecordedMessage {
  id: string;
  durationMs: number;
  /** Why it stopped. */
  endedBy: 'key' | 'silence' | 'max' | 'hangup';
  /** Whether the caller said anything (energy above the speech threshold). */
  heardSpeech: boolean;
}

export type ListenResult =
  | { kind: 'phrase'; phrase: string }
  /** The caller spoke but the recogniser matched no phrase. */
  | { kind: 'no-match'; heard: string }
  | { kind: 'digit'; digit: string }
  | { kind: 'silence' }
  /** No recogniser on this box: the node works by DTMF only. */
  | { kind: 'unavailable' };

export interface IvrPort {
  readonly callId: string;
  /** The caller's number and the number they dialled. */
  readonly caller: string;
  readonly dialled: string;
  /** True once the call is ending (the caller hung up): every wait then returns at once. */
  readonly gone: boolean;
  /** Play to the caller; with bargeIn a key press stops it (the digit stays queued for the next node). */
  play(prompts: PromptId[], bargeIn: boolean): Promise<void>;
  /** The next key the caller pressed (type-ahead first), or undefined after `timeoutMs`. */
  nextDigit(timeoutMs: number): Promise<string | undefined>;
  pendingDigits(): number;
  clearDigits(): void;
  /** The IVR path and variables so far (kept on the call for the CDR). */
  update(tag: IvrTag): void;
  /** Hand the caller to a queue; false when the queue refuses them. */
  toQueue(queue: string, opts: { priority?: number; skills?: { skill: string; minLevel: number }[]; tag: IvrTag }): boolean;
  /** Ring an extension or a dial-plan number and connect the caller; false when nobody answered. */
  transfer(to: { kind: 'ext' | 'dial'; number: string }, tag: IvrTag): Promise<boolean>;
  record(req: RecordRequest): Promise<RecordedMessage | undefined>;
  listen(opts: { phrases: string[]; timeoutMs: number; maxMs: number }): Promise<ListenResult>;
  hangup(cause: string): Promise<void>;
}
