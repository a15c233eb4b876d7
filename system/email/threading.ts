// Email threading as pure decisions: which thread an inbound message joins (by In-Reply-To,
// then References newest first, then a [#EM-XXXXXXXX] tag in the subject as the fallback for
// mail clients that drop the headers), and the subject and headers a reply carries so the
// customer's next answer comes back to the same thread. No I/O: lookups are passed in.
import { randomBytes } from 'node:crypto';

/** A thread reference: also the interaction's externalRef and the subject tag. */
export type ThreadRef = string;

const TAG = /\[#(EM-[A-Z0-9]{8})\]/i;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A new thread reference, e.g. EM-7K3Q9P2X (unambiguous letters and digits). */
export function newThreadRef(random: (n: number) => Buffer = randomBytes): ThreadRef {
  const bytes = random(8);
  let s = '';
  for (let i = 0; i < 8; i++) s += ALPHABET[bytes[i]! % ALPHABET.length];
  return `EM-${s}`;
}

/** A Message-ID without its angle brackets and surrounding space ('' when there is none). */
export function normalizeMessageId(id: string | undefined): string {
  if (!id) return '';
  const t = id.trim();
  const m = /<([^<>\s]+)>/.exec(t);
  return (m ? m[1]! : t.replace(/[<>\s]/g, '')).slice(0, 998);
}

/** The Message-IDs of a References / In-Reply-To value (a header string or mailparser's list), in order. */
export function messageIdList(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const text = Array.isArray(value) ? value.join(' ') : value;
  const bracketed = [...text.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
  const ids = bracketed.length ? bracketed : text.split(/[\s,]+/).map(normalizeMessageId);
  return ids.filter((id) => id.length > 0).slice(-100);
}

/** The thread tag in a subject, upper-cased, or undefined. */
export function subjectTag(subject: string | undefined): ThreadRef | undefined {
  const m = subject ? TAG.exec(subject) : null;
  return m ? m[1]!.toUpperCase() : undefined;
}

export interface InboundHeaders {
  inReplyTo?: string | string[];
  references?: string | string[];
  subject?: string;
}

export interface ThreadMatch {
  ref: ThreadRef;
  by: 'in-reply-to' | 'references' | 'subject-tag';
}

/**
 * The thread an inbound message belongs to, or undefined for a new thread. `threadOfMessage`
 * maps a Message-ID the box has seen (received or sent) to its thread; `threadExists` says
 * whether a tagged reference is a thread of this box (a made-up tag starts a new thread).
 */
export function resolveThread(
  headers: InboundHeaders,
  threadOfMessage: (messageId: string) => ThreadRef | undefined,
  threadExists: (ref: ThreadRef) => boolean,
): ThreadMatch | undefined {
  for (const id of messageIdList(headers.inReplyTo)) {
    const ref = threadOfMessage(id);
    if (ref) return { ref, by: 'in-reply-to' };
  }
  for (const id of messageIdList(headers.references).reverse()) {
    const ref = threadOfMessage(id);
    if (ref) return { ref, by: 'references' };
  }
  const tag = subjectTag(headers.subject);
  if (tag && threadExists(tag)) return { ref: tag, by: 'subject-tag' };
  return undefined;
}

/** The subject of a reply: one "Re: " in front, the thread tag once at the end. */
export function replySubject(subject: string | undefined, ref: ThreadRef): string {
  let s = (subject ?? '').replace(TAG, '').replace(/\s+/g, ' ').trim();
  while (/^(re|aw|sv|回复|答复)\s*[:：]\s*/i.test(s)) s = s.replace(/^(re|aw|sv|回复|答复)\s*[:：]\s*/i, '');
  return `Re: ${s || '(no subject)'} [#${ref}]`;
}

/** In-Reply-To and References of a reply to `parent` (whose own References are `parentRefs`). */
export function replyHeaders(parent: string | undefined, parentRefs: string[]): { inReplyTo?: string; references: string[] } {
  const p = normalizeMessageId(parent);
  const refs = [...parentRefs.map(normalizeMessageId).filter(Boolean)];
  if (p && refs[refs.length - 1] !== p) refs.push(p);
  return { inReplyTo: p ? `<${p}>` : undefined, references: refs.slice(-20).map((r) => `<${r}>`) };
}
