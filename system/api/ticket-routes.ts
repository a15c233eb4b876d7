// Tickets over HTTP (工单, system/tickets): list with filters, create (from a call, chat,
// email or by hand), read with history and the steps the caller may take, edit (text,
// priority, department, assignee), comment, change the state, the choices for the forms, and
// the webhook delivery log. PUT /api/tickets/:id/status is also the inbound API of external
// systems: an API token with scope tickets:status; the same update sent twice answers
// `changed: false` the second time. Agents, supervisors and admins work tickets; the state
// table (ticket-states.ts) says who may take which step. Errors carry CC_TICKET_... codes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { TicketError, ticketErrorStatus } from '../tickets/errors.ts';
import { TICKET_PRIORITIES, type Actor, type TicketFilter, type TicketPriority } from '../tickets/ticket-book.ts';
import { TICKET_STATES, nextStates, type TicketActor, type TicketState } from '../tickets/ticket-states.ts';
import { ticketsConfig } from '../tickets/tickets-config.ts';
import { listUsers } from '../users/user-admin.ts';
import { requireRole } from './auth.ts';

const Id = Type.String({ pattern: '^T-[0-9]{6,9}$' });
const IdParams = Type.Object({ id: Id });
const State = Type.Union(TICKET_STATES.map((s) => Type.Literal(s)));
const Priority = Type.Union(TICKET_PRIORITIES.map((p) => Type.Literal(p)));
const Number_ = Type.String({ pattern: '^[0-9*#+]{1,32}$' });
const UserName = Type.String({ pattern: '^[a-zA-Z0-9._-]{0,64}$' });
const Department = Type.String({ maxLength: 64 });

const CreateBody = Type.Object({
  subject: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  customer: Type.Optional(Type.Object({ number: Type.Optional(Number_), name: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: false })),
  source: Type.Optional(Type.Object({
    kind: Type.Union([Type.Literal('call'), Type.Literal('chat'), Type.Literal('email'), Type.Literal('manual')]),
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  }, { additionalProperties: false })),
  department: Type.Optional(Department),
  assignee: Type.Optional(UserName),
  priority: Type.Optional(Priority),
}, { additionalProperties: false });

const EditBody = Type.Object({
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  priority: Type.Optional(Priority),
  /** '' clears it. */
  department: Type.Optional(Department),
  /** '' clears it. */
  assignee: Type.Optional(UserName),
}, { additionalProperties: false });

const StatusBody = Type.Object({
  state: State,
  note: Type.Optional(Type.String({ maxLength: 2000 })),
  /** The external system's reference of the ticket, kept on it. */
  externalRef: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
}, { additionalProperties: false });

const ListQuery = Type.Object({
  state: Type.Optional(State),
  priority: Type.Optional(Priority),
  assignee: Type.Optional(UserName),
  department: Type.Optional(Department),
  customer: Type.Optional(Number_),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  breached: Type.Optional(Type.Boolean()),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
}, { additionalProperties: false });

function failure(reply: FastifyReply, err: unknown) {
  if (err instanceof TicketError) return reply.code(ticketErrorStatus(err.code)).send({ code: err.code, message: err.message });
  throw err;
}

function actorOf(req: FastifyRequest): Actor {
  const s = req.session!;
  const role: TicketActor = s.kind === 'api-token' ? 'api' : (s.role as TicketActor);
  return { username: s.username, role, source: req.ip };
}

export function ticketRoutes(app: FastifyInstance, box: Box): void {
  const desk = requireRole('admin', 'supervisor', 'agent');
  const staff = requireRole('admin', 'supervisor');
  const book = () => box.tickets.book;
  const assignable = () => listUsers(box.store).filter((u) => !u.disabled && u.role !== 'technician').map((u) => u.username);
  const checkAssignee = (a: string | undefined) => {
    if (a && !assignable().includes(a)) throw new TicketError('CC_TICKET_INVALID', `assignee: no user ${a} who can work tickets`);
  };

  app.get('/api/tickets', { preHandler: desk, schema: { summary: 'Tickets matching the filters, newest first', querystring: ListQuery } }, async (req) => book().list(req.query as TicketFilter));

  app.get('/api/tickets/options', { preHandler: desk, schema: { summary: 'Choices for the ticket forms: states, priorities, departments, assignable users, SLA minutes' } }, async () => {
    const cfg = ticketsConfig(box.config.tickets);
    return { states: TICKET_STATES, priorities: TICKET_PRIORITIES, departments: cfg.departments, assignees: assignable(), slaMinutes: cfg.slaMinutes };
  });

  app.get('/api/tickets/deliveries', {
    preHandler: staff,
    schema: {
      summary: 'The outbound webhook delivery log, newest first: each delivery with its attempts',
      querystring: Type.Object({ ticket: Type.Optional(Id), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }, { additionalProperties: false }),
    },
  }, async (req) => {
    const { ticket, limit } = req.query as { ticket?: string; limit: number };
    return book().deliveries({ ticketId: ticket, limit });
  });

  app.post('/api/tickets', { preHandler: desk, schema: { summary: 'Create a ticket (from a call, chat or email, or by hand)', body: CreateBody } }, async (req, reply) => {
    const body = req.body as Parameters<ReturnType<typeof book>['create']>[0];
    try {
      checkAssignee(body.assignee);
      return reply.code(201).send(await book().create(body, actorOf(req)));
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.get('/api/tickets/:id', { preHandler: desk, schema: { summary: 'A ticket with its history (changes and comments) and the states the caller may move it to', params: IdParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    try {
      const ticket = book().get(id);
      return { ticket, history: book().history(id), next: nextStates(ticket.state, actorOf(req).role) };
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.patch('/api/tickets/:id', { preHandler: desk, schema: { summary: 'Edit a ticket: subject, description, priority (the SLA budget follows), department, assignee', params: IdParams, body: EditBody } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body as { subject?: string; description?: string; priority?: TicketPriority; department?: string; assignee?: string };
    const by = actorOf(req);
    try {
      book().get(id);
      checkAssignee(b.assignee);
      if (b.subject !== undefined || b.description !== undefined) await book().editText(id, { subject: b.subject, description: b.description }, by);
      if (b.priority) await book().setPriority(id, b.priority, by);
      if (b.department !== undefined || b.assignee !== undefined) await book().assign(id, { department: b.department, assignee: b.assignee }, by);
      return book().get(id);
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.put('/api/tickets/:id/status', {
    preHandler: desk,
    config: { scope: 'tickets:status' },
    schema: { summary: 'Change a ticket\'s state (also the inbound API of external systems: token scope tickets:status); idempotent', params: IdParams, body: StatusBody },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body as { state: TicketState; note?: string; externalRef?: string };
    try {
      return await book().setState(id, b.state, actorOf(req), { note: b.note, externalRef: b.externalRef });
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.post('/api/tickets/:id/comments', { preHandler: desk, schema: { summary: 'Add a comment to a ticket', params: IdParams, body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false }) } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    try {
      return reply.code(201).send(await book().comment(id, (req.body as { text: string }).text, actorOf(req)));
    } catch (err) {
      return failure(reply, err);
    }
  });
}
