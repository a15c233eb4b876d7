// One inbound message from SMTP to the ACD: parse the MIME (mailparser; a message it cannot
// read, or one without a header, is refused with 554 and nothing is kept), thread it
// (threading.ts), write the raw message under <data>/email/in/ and its kept attachments under
// <data>/email/att/ (fsync'd), index it in LMDB with its event — all before the 250 — and
// then hand it to the interactions hub. A hub failure leaves the message `stored`; it is
// routed again at the next start (routePending).
import { randomUUID } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from 'pino';
import { simpleParser, type ParsedMail, type AddressObject } from 'mailparser';
import type { EmailBook, EmailRow, ThreadRow, AttachmentRow } from './email-book.ts';
import type { EmailConfig } from './email-config.ts';
import type { InboundEnvelope, SmtpAnswer } from './smtp-listener.ts';
import type { InteractionsPort } from './interactions-port.ts';
import { messageIdList, newThreadRef, normalizeMessageId, resolveThread } from './threading.ts';

/** Longest text handed to the hub per message (the raw message keeps everything). */
const MAX_TEXT = 200_000;

async function writeDurable(path: string, data: Buffer): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): { address?: string; name?: string } {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  for (const o of list) for (const v of o.value) if (v.address) return { address: v.address, name: v.name || undefined };
  return {};
}

function allAddresses(a: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  return list.flatMap((o) => o.value.map((v) => v.address ?? '')).filter(Boolean).slice(0, 100);
}

function safeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 100) || 'attachment';
}

export class InboundMail {
  /** Messages are handled one at a time, so two messages of one new thread cannot open two interactions. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: {
    book: EmailBook;
    dataDir: string;
    config: () => EmailConfig;
    hub: () => InteractionsPort | undefined;
    log: Logger;
  }) {}

  /** The SMTP listener's deliver: the answer comes once the message is stored (and, normally, routed). */
  deliver(raw: Buffer, envelope: InboundEnvelope): Promise<SmtpAnswer> {
    const run = this.chain.then(() => this.handle(raw, envelope));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async handle(raw: Buffer, envelope: InboundEnvelope): Promise<SmtpAnswer> {
    const { book, log } = this.deps;
    const cfg = this.deps.config();
    const route = envelope.routes[0];
    if (!route) return { code: 550, message: '5.1.1 No such mailbox here' };
    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: 2_000_000 });
    } catch (err) {
      log.info({ code: 'CC_EMAIL_MALFORMED', remote: envelope.remote, err: (err as Error).message }, 'malformed message refused');
      return { code: 554, message: '5.6.0 Malformed message (MIME could not be parsed)' };
    }
    if (parsed.headers.size === 0) {
      log.info({ code: 'CC_EMAIL_MALFORMED', remote: envelope.remote }, 'message without a header refused');
      return { code: 554, message: '5.6.0 Malformed message (no header)' };
    }
    const sender = firstAddress(parsed.from);
    const customerEmail = sender.address ?? envelope.mailFrom;
    if (!customerEmail) {
      log.info({ code: 'CC_EMAIL_MALFORMED', remote: envelope.remote }, 'message without a sender refused');
      return { code: 554, message: '5.6.0 Message has no sender address' };
    }
    const id = randomUUID();
    const now = Date.now();
    const messageId = normalizeMessageId(parsed.messageId) || `${id}@${cfg.listener.hostname}`;
    const references = messageIdList(parsed.references);
    const match = resolveThread(
      { inReplyTo: parsed.inReplyTo, references: parsed.references, subject: parsed.subject },
      (mid) => book.threadOfMessage(mid),
      (ref) => book.thread(ref) !== undefined,
    );
    const existing = match ? book.thread(match.ref) : undefined;
    const ref = existing?.ref ?? newThreadRef();
    try {
      const month = new Date(now).toISOString().slice(0, 7);
      const inDir = join(this.deps.dataDir, 'email', 'in', month);
      await mkdir(inDir, { recursive: true });
      const rawPath = join(inDir, `${id}.eml`);
      await writeDurable(rawPath, raw);
      const attachments: AttachmentRow[] = [];
      let kept = 0;
      for (const [i, a] of parsed.attachments.entries()) {
        const row: AttachmentRow = { filename: (a.filename ?? `attachment-${i + 1}`).slice(0, 200), contentType: a.contentType.slice(0, 200), size: a.size };
        if (a.size > cfg.maxAttachmentBytes) row.skipped = 'too-large';
        else if (kept >= cfg.maxAttachments) row.skipped = 'too-many';
        else {
          const attDir = join(this.deps.dataDir, 'email', 'att', id);
          await mkdir(attDir, { recursive: true });
          const p = join(attDir, `${i + 1}-${safeName(row.filename)}`);
          await writeDurable(p, a.content);
          row.path = relative(this.deps.dataDir, p);
          kept++;
        }
        attachments.push(row);
      }
      const text = (parsed.text ?? '').slice(0, MAX_TEXT);
      const row: EmailRow = {
        id, direction: 'in', thread: ref, messageId,
        inReplyTo: messageIdList(parsed.inReplyTo)[0],
        references,
        from: customerEmail, fromName: sender.name,
        to: allAddresses(parsed.to).length ? allAddresses(parsed.to) : envelope.routes.map((r) => r.address),
        subject: (parsed.subject ?? '').slice(0, 998),
        text,
        html: typeof parsed.html === 'string' ? parsed.html.slice(0, MAX_TEXT) : undefined,
        at: now,
        rawPath: relative(this.deps.dataDir, rawPath),
        size: raw.length,
        attachments,
        state: 'stored',
        remote: envelope.remote,
      };
      const thread: ThreadRow = existing
        ? { ...existing, lastMessageId: messageId, references: [...references.filter((r) => r !== messageId), messageId].slice(-20), messages: [...existing.messages, id].slice(-1000) }
        : {
          ref, queue: route.queue, address: route.address,
          customer: { email: customerEmail, name: sender.name },
          subject: row.subject, lastMessageId: messageId, references: [...references, messageId].slice(-20),
          createdAt: now, messages: [id],
        };
      await book.saveInbound(row, thread, match?.by);
      log.info({ emailId: id, thread: ref, queue: thread.queue, matchedBy: match?.by ?? 'new-thread', size: raw.length }, 'email stored');
      await this.route(row);
      return { code: 250, message: `2.0.0 Stored as ${ref}` };
    } catch (err) {
      log.error({ code: 'CC_EMAIL_STORE_FAILED', err: (err as Error).message }, 'inbound email could not be stored');
      return { code: 451, message: '4.3.0 Could not store the message, try again later' };
    }
  }

  /** Hand a stored message to the hub: a new interaction for a new thread, else a message on the thread's one. */
  async route(row: EmailRow): Promise<boolean> {
    const { book, log } = this.deps;
    const hub = this.deps.hub();
    const thread = book.thread(row.thread);
    if (!hub || !thread) return false;
    const attachmentsNote = row.attachments.length ? `\n\n[${row.attachments.map((a) => a.filename).join(', ')}]` : '';
    const text = (row.text.trim() || row.subject.trim() || '(empty message)') + attachmentsNote;
    try {
      const ix = (thread.interactionId ? undefined : hub.findByExternalRef(thread.ref)) ?? undefined;
      const interactionId = thread.interactionId ?? ix?.id;
      if (interactionId) {
        await hub.addCustomerMessage(interactionId, { text, externalRef: row.messageId });
        await book.markRouted(row.id, thread.ref, interactionId);
        return true;
      }
      const opened = await hub.open({
        channel: 'email', queue: thread.queue,
        customer: { email: thread.customer.email, name: thread.customer.name },
        subject: thread.subject || undefined,
        firstMessage: { text },
        externalRef: thread.ref,
      });
      await book.markRouted(row.id, thread.ref, opened.id);
      log.info({ emailId: row.id, thread: thread.ref, interactionId: opened.id, queue: thread.queue }, 'email thread opened as an interaction');
      return true;
    } catch (err) {
      log.error({ code: 'CC_EMAIL_ROUTE_FAILED', emailId: row.id, thread: row.thread, err: (err as Error).message }, 'stored email not routed (tried again at the next start)');
      return false;
    }
  }

  /** Route messages a crash or a hub failure left stored but unrouted. */
  async routePending(): Promise<number> {
    let n = 0;
    for (const row of this.deps.book.unrouted()) if (await this.route(row)) n++;
    return n;
  }
}
