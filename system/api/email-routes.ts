// The email channel over HTTP (system/email), beside the interactions routes that carry the
// conversation itself:
// - GET /api/email/interactions/:id: an email interaction's thread (subject, tag, the box
//   address, each message's headers and attachments) and its replies' deliveries, so the agent
//   sees a reply the relay has not taken (agents: only interactions they took part in).
// - POST /api/email/deliveries/:id/retry: try a failed reply again (agents: their own).
// - GET /api/email/deliveries: the delivery log for admins and supervisors (?state=failed).
// Schema-first; refusals answer with a CC_EMAIL_* code.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { EmailError, type EmailErrorCode } from '../email/errors.ts';
import type { EmailRow } from '../email/email-book.ts';

const DESK = ['admin', 'supervisor', 'agent'] as const;
const STAFF = ['admin', 'supervisor'] as const;
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const LogQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')])),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
}, { additionalProperties: false });

const STATUS_OF: Partial<Record<EmailErrorCode, number>> = { CC_EMAIL_NOT_FOUND: 404 };

function failure(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof EmailError) return reply.code(STATUS_OF[err.code] ?? 400).send({ code: err.code, message: err.message });
  throw err;
}

/** A message as the agent sees it beside the conversation (no body: the interaction has it). */
function summary(m: EmailRow) {
  return {
    id: m.id, direction: m.direction, messageId: m.messageId, inReplyTo: m.inReplyTo, from: m.from, fromName: m.fromName, to: m.to,
    subject: m.subject, at: m.at, size: m.size, deliveryId: m.deliveryId,
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size, kept: !!a.path, skipped: a.skipped })),
  };
}

export function emailRoutes(app: FastifyInstance, box: Box): void {
  const email = box.email;
  /** The interaction if this user may see it (agents: only one they handle or wrote in). */
  const visible = (id: string, user: string, role: string) => {
    const ix = box.interactions.get(id);
    if (!ix || ix.channel !== 'email') return undefined;
    if (role === 'agent' && ix.agent !== user && !ix.messages.some((m) => m.agent === user)) return undefined;
    return ix;
  };

  app.get('/api/email/interactions/:id', { config: { roles: DESK }, schema: { params: IdParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const s = req.session!;
    const ix = visible(id, s.username, s.role);
    const thread = ix ? email.book.threadOfInteraction(id) : undefined;
    if (!ix || !thread) return failure(reply, new EmailError('CC_EMAIL_NOT_FOUND', `no email thread for interaction ${id} that you may see`));
    const messages = thread.messages.map((m) => email.book.message(m)).filter((m): m is EmailRow => !!m).map(summary);
    return {
      thread: { ref: thread.ref, subject: thread.subject, address: thread.address, customer: thread.customer, queue: thread.queue, createdAt: thread.createdAt },
      messages,
      deliveries: email.book.deliveries((d) => d.interactionId === id),
    };
  });

  app.post('/api/email/deliveries/:id/retry', { config: { roles: DESK }, schema: { params: IdParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const s = req.session!;
    const d = email.book.delivery(id);
    if (!d || !visible(d.interactionId, s.username, s.role)) return failure(reply, new EmailError('CC_EMAIL_NOT_FOUND', `no delivery ${id} that you may retry`));
    try {
      return await email.replies.retry(id);
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.get('/api/email/deliveries', { config: { roles: STAFF }, schema: { querystring: LogQuery } }, async (req) => {
    const { state, limit } = req.query as { state?: string; limit: number };
    return { deliveries: email.book.deliveries((d) => !state || d.state === state).slice(0, limit) };
  });
}
