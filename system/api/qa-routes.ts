// Quality scoring over HTTP (system/qa): scorecards (list, read, save as a new version,
// delete = retire; admin and supervisor), the review queue and on-demand sampling, scoring a
// call, an agent's own scores with a dispute, the supervisor's resolution, and QA reports per
// agent, team (queue) or criterion by week or month. An agent reads and disputes only their
// own scores. Schema-first; answers carry coded errors (CC_QA_...), with `problems` (JSON
// paths) for a refused scorecard or answers.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import type { Cdr } from '../calls/cdr.ts';
import { QaError, type QaErrorCode } from '../qa/errors.ts';
import type { QaScore } from '../qa/qa-book.ts';
import { REVIEW_STATUSES } from '../qa/review-states.ts';
import { dayStart } from '../qa/sampling.ts';
import { localDate, zonedInstant } from '../reports/intervals.ts';
import type { ScorecardVersion } from '../qa/scorecard.ts';
import { requireRole } from './server.ts';

const Name = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' });
const CallIdParams = Type.Object({ callId: Type.String({ minLength: 1, maxLength: 64 }) });
const NameParams = Type.Object({ name: Name });
const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });
const Answers = Type.Record(Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }), Type.Union([Type.Boolean(), Type.Number(), Type.Literal('na')]), { maxProperties: 500 });
const ScoreBody = Type.Object({
  scorecard: Name,
  /** Default: the newest version. */
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  answers: Answers,
  comments: Type.Optional(Type.String({ maxLength: 4000 })),
}, { additionalProperties: false });
const DisputeBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
const ResolveBody = Type.Object({
  outcome: Type.Union([Type.Literal('upheld'), Type.Literal('revised')]),
  note: Type.String({ minLength: 1, maxLength: 2000 }),
  /** The new answers (same scorecard version), for a revised score. */
  answers: Type.Optional(Answers),
  comments: Type.Optional(Type.String({ maxLength: 4000 })),
}, { additionalProperties: false });
const ReviewsQuery = Type.Object({
  status: Type.Optional(Type.Union(REVIEW_STATUSES.map((s) => Type.Literal(s)))),
  agent: Type.Optional(Type.String({ maxLength: 32 })),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
}, { additionalProperties: false });
const SamplingBody = Type.Object({
  /** The day to sample, YYYY-MM-DD in the box's time zone (default: today so far). */
  day: Type.Optional(Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' })),
}, { additionalProperties: false });
const ReportQuery = Type.Object({
  by: Type.Union([Type.Literal('agent'), Type.Literal('queue'), Type.Literal('criterion')], { default: 'agent' }),
  interval: Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'week' }),
  /** Call time range, epoch ms: from inclusive, to exclusive. */
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
  agent: Type.Optional(Type.String({ maxLength: 32 })),
}, { additionalProperties: false });

const STATUS_OF: Record<QaErrorCode, number> = {
  CC_QA_SCORECARD_INVALID: 400,
  CC_QA_ANSWERS_INVALID: 400,
  CC_QA_NOTHING_SCORED: 400,
  CC_QA_NO_SCORECARD: 404,
  CC_QA_NO_CALL: 404,
  CC_QA_NO_SCORE: 404,
  CC_QA_SCORECARD_RETIRED: 409,
  CC_QA_BAD_TRANSITION: 409,
  CC_QA_FORBIDDEN: 403,
  CC_QA_BAD_SCHEDULE: 500,
  CC_QA_SAMPLING_FAILED: 500,
};

function qaFailure(reply: FastifyReply, err: unknown) {
  if (err instanceof QaError) return reply.code(STATUS_OF[err.code]).send({ code: err.code, message: err.message, ...(err.problems ? { problems: err.problems } : {}) });
  throw err;
}

/** What the pages show of a call under review. */
function callSummary(cdr: Cdr | undefined) {
  if (!cdr) return undefined;
  return { callId: cdr.callId, caller: cdr.caller.number, dialled: cdr.dialled, queue: cdr.queue, agents: cdr.agents ?? [], startedAt: cdr.startedAt, durationMs: cdr.durationMs, disposition: cdr.disposition };
}

export function qaRoutes(app: FastifyInstance, box: Box): void {
  const staff = requireRole('admin', 'supervisor');
  const desk = requireRole('admin', 'supervisor', 'agent');
  const agentOnly = requireRole('agent');
  const qa = () => box.qa.book;

  app.get('/api/qa/scorecards', { preHandler: staff, schema: { summary: 'The newest version of every scorecard (deleted ones flagged retired)' } }, async () => qa().scorecards());

  app.get('/api/qa/scorecards/:name', { preHandler: staff, schema: { params: NameParams, querystring: VersionQuery } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    try {
      return qa().scorecard(name, (req.query as { version?: number }).version);
    } catch (err) {
      return qaFailure(reply, err);
    }
  });

  app.get('/api/qa/scorecards/:name/versions', { preHandler: staff, schema: { params: NameParams } }, async (req, reply) => {
    const versions = qa().versions((req.params as { name: string }).name);
    return versions.length ? versions : qaFailure(reply, new QaError('CC_QA_NO_SCORECARD', 'no such scorecard'));
  });

  // The body is any JSON object: validateScorecard answers with paths (a schema here would answer first, less precisely).
  app.put('/api/qa/scorecards/:name', { preHandler: staff, schema: { params: NameParams, body: Type.Object({}, { additionalProperties: true }) } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const body = req.body as Record<string, unknown>;
    if (body.name !== undefined && body.name !== name) return qaFailure(reply, new QaError('CC_QA_SCORECARD_INVALID', 'the name in the body differs from the URL', [{ path: '/name', message: `must be "${name}"` }]));
    try {
      return await qa().saveScorecard({ ...body, name }, req.session!.username);
    } catch (err) {
      return qaFailure(reply, err);
    }
  });

  app.delete('/api/qa/scorecards/:name', { preHandler: staff, schema: { params: NameParams } }, async (req, reply) => {
    try {
      return await qa().retireScorecard((req.params as { name: string }).name, req.session!.username);
    } catch (err) {
      return qaFailure(reply, err);
    }
  });

  app.get('/api/qa/reviews', { preHandler: staff, schema: { querystring: ReviewsQuery } }, async (req) => {
    const q = req.query as { status?: (typeof REVIEW_STATUSES)[number]; agent?: string; limit: number };
    return qa().reviews({ status: q.status, agent: q.agent }).slice(0, q.limit).map((r) => ({ ...r, score: qa().score(r.callId)?.score, call: callSummary(box.store.tables.cdr.get(r.callId) as Cdr | undefined) }));
  });

  app.post('/api/qa/sampling/run', { preHandler: staff, schema: { body: SamplingBody, summary: 'Sample a day (UTC) into the review queue now' } }, async (req) => {
    const { day } = (req.body ?? {}) as { day?: string };
    const tz = box.qa.sampling.timeZone();
    const at = day ? zonedInstant(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10)), 0, 0, tz) : dayStart(Date.now(), tz);
    const selected = await box.qa.sampling.run(at, req.session!.username);
    return { day: localDate(at, tz), selected };
  });

  app.get('/api/qa/scores/:callId', { preHandler: desk, schema: { params: CallIdParams, summary: 'A call\'s review, score, the scorecard version it used and the call (an agent: only their own)' } }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    const s = req.session!;
    const score = qa().score(callId);
    const review = qa().review(callId);
    const cdr = box.store.tables.cdr.get(callId) as Cdr | undefined;
    if (s.role === 'agent') {
      if (!score) return qaFailure(reply, new QaError('CC_QA_NO_SCORE', `call ${callId} has no score`));
      if (score.agent !== s.username) return qaFailure(reply, new QaError('CC_QA_FORBIDDEN', 'an agent sees only their own scores'));
    } else if (!score && !review && !cdr) return qaFailure(reply, new QaError('CC_QA_NO_CALL', `no call ${callId}`));
    let scorecard: ScorecardVersion | undefined;
    if (score) scorecard = qa().scorecard(score.scorecard, score.version);
    return { callId, review, score, scorecard, call: callSummary(cdr) };
  });

  app.put('/api/qa/scores/:callId', { preHandler: staff, schema: { params: CallIdParams, body: ScoreBody } }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    try {
      return await qa().scoreCall(callId, req.body as { scorecard: string; version?: number; answers: Record<string, boolean | number | 'na'>; comments?: string }, req.session!.username);
    } catch (err) {
      return qaFailure(reply, err);
    }
  });

  app.get('/api/qa/my-scores', { preHandler: agentOnly, schema: { summary: 'The signed-in agent\'s scores (newest call first), the scorecard versions they used, and the weekly report' } }, async (req) => {
    const me = req.session!.username;
    const scores = qa().scoresOf(me);
    const scorecards: Record<string, ScorecardVersion> = {};
    for (const sc of scores) {
      const key = `${sc.scorecard}@${sc.version}`;
      scorecards[key] ??= qa().scorecard(sc.scorecard, sc.version);
    }
    return { agent: me, scores, scorecards, report: qa().report({ by: 'agent', interval: 'week', agent: me, timeZone: box.qa.sampling.timeZone() }) };
  });

  app.post('/api/qa/scores/:callId/dispute', { preHandler: agentOnly, schema: { params: CallIdParams, body: DisputeBody } }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    try {
      return await qa().dispute(callId, req.session!.username, (req.body as { reason: string }).reason);
    } catch (err) {
      return qaFailure(reply, err);
    }
  });

  app.post('/api/qa/scores/:callId/resolve', { preHandler: staff, schema: { params: CallIdParams, body: ResolveBody } }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    try {
      return await qa().resolve(callId, req.body as { outcome: 'upheld' | 'revised'; note: string; answers?: QaScore['answers']; comments?: string }, req.session!.username);
    } catch (err) {
      return qaFailure(reply, err);
    }
  });

  app.get('/api/qa/report', { preHandler: staff, schema: { querystring: ReportQuery } }, async (req) => {
    const q = req.query as { by: 'agent' | 'queue' | 'criterion'; interval: 'week' | 'month'; from?: number; to?: number; agent?: string };
    return { by: q.by, interval: q.interval, rows: qa().report({ ...q, timeZone: box.qa.sampling.timeZone() }) };
  });
}
