// Reports over HTTP (数据统计; admin, supervisor): queue and agent figures per interval for a
// time window, as JSON or CSV (`format=csv` or the `.csv` routes). Computed on request from
// the queue log (system/reports: pure arithmetic over rows read from LMDB, in a worker thread
// so a long window never blocks the box); nothing here writes. Schema-first; bad windows answer 400 with a CC_REPORTS_ code.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import type { Report } from '../reports/figures.ts';
import { INTERVAL_KINDS, localLabel, type IntervalKind } from '../reports/intervals.ts';
import { ReportRunner } from '../reports/report-runner.ts';
import { reportSettings, type ReportsConfig } from '../reports/reports-config.ts';
import { resolveWindow } from '../reports/report-window.ts';
import { agentCsv, queueCsv } from '../reports/csv.ts';
import { ReportsError } from '../reports/errors.ts';
import { speechReport, type SpeechReportRow } from '../reports/speech-summary.ts';
import type { SpeechAnalyticsRow } from '../analytics/speech-analytics-service.ts';
import type { RecordingRow } from '../calls/cdr.ts';

const ReportQuery = Type.Object({
  /** YYYY-MM-DD or YYYY-MM-DDTHH:MM (box-local), an ISO time with offset, or epoch ms; default: today 00:00. */
  from: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  /** Exclusive; default: the end of from's day. */
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  interval: Type.Union(INTERVAL_KINDS.map((k) => Type.Literal(k)), { default: 'hour' }),
  queue: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' })),
  agent: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' })),
  format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
}, { additionalProperties: false });

interface Query {
  from?: string;
  to?: string;
  interval: IntervalKind;
  queue?: string;
  agent?: string;
  format: 'json' | 'csv';
}

export function reportRoutes(app: FastifyInstance, box: Box): void {
  const access = { roles: ['admin', 'supervisor'] as const, scope: 'reports:read' };
  const schema = { querystring: ReportQuery };
  const runner = new ReportRunner(box.store);
  app.addHook('onClose', () => runner.close());

  /** The report of a request, or a 400 sent (then undefined). */
  const build = async (req: FastifyRequest, reply: FastifyReply): Promise<{ report: Report; q: Query; from: number; to: number; now: number; tz: string } | undefined> => {
    const q = req.query as Query;
    const cfg = box.config as typeof box.config & { reports?: ReportsConfig };
    const tz = cfg.timeZone ?? 'UTC';
    const now = Date.now();
    let window: { from: number; to: number };
    try {
      window = resolveWindow(q, now, tz);
    } catch (err) {
      if (err instanceof ReportsError) {
        void reply.code(400).send({ code: err.code, message: err.message });
        return undefined;
      }
      throw err;
    }
    const report = await runner.run({ ...window, interval: q.interval, timeZone: tz, now, settings: reportSettings(cfg.reports), queue: q.queue, agent: q.agent });
    if (q.queue && !q.agent) {
      // Agents of a queue: its members in the configuration.
      const members = new Set(box.config.agents.filter((a) => a.queues.some((m) => m.queue === q.queue)).map((a) => a.id));
      report.agents = report.agents.filter((a) => members.has(a.agent));
    }
    return { report, q, ...window, now, tz };
  };

  const csv = (reply: FastifyReply, name: string, from: number, to: number, tz: string, text: string) => {
    const stamp = (at: number) => localLabel(at, tz).replace(/[ :]/g, '').replace(/-/g, '');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}-${stamp(from)}-${stamp(to)}.csv"`)
      .send(text);
  };

  const queues = (forceCsv: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const r = await build(req, reply);
    if (!r) return reply;
    if (forceCsv || r.q.format === 'csv') return csv(reply, 'queues', r.from, r.to, r.tz, queueCsv(r.report.queues, (at) => localLabel(at, r.tz)));
    return { timeZone: r.tz, interval: r.q.interval, from: r.from, to: r.to, now: r.now, settings: reportSettings((box.config as { reports?: ReportsConfig }).reports), intervals: r.report.intervals, queues: r.report.queues };
  };
  const agents = (forceCsv: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const r = await build(req, reply);
    if (!r) return reply;
    if (forceCsv || r.q.format === 'csv') return csv(reply, 'agents', r.from, r.to, r.tz, agentCsv(r.report.agents, (at) => localLabel(at, r.tz)));
    return { timeZone: r.tz, interval: r.q.interval, from: r.from, to: r.to, now: r.now, intervals: r.report.intervals, agents: r.report.agents };
  };

  /** Speech analytics per agent and queue for the recorded calls that started in the window. */
  app.get('/api/reports/speech', { config: access, schema }, async (req, reply) => {
    const q = req.query as Query;
    const tz = box.config.timeZone ?? 'UTC';
    let window: { from: number; to: number };
    try {
      window = resolveWindow(q, Date.now(), tz);
    } catch (err) {
      if (err instanceof ReportsError) return reply.code(400).send({ code: err.code, message: err.message });
      throw err;
    }
    function* rows(): Generator<SpeechReportRow> {
      for (const { key, value } of box.store.tables.speechAnalytics.getRange()) {
        const figures = (value as SpeechAnalyticsRow).figures;
        const rec = figures && (box.store.tables.recordings.get(key) as RecordingRow | undefined);
        if (!figures || !rec) continue;
        yield { startedAt: rec.startedAt, agents: rec.agents ?? [], ...(rec.queue ? { queue: rec.queue } : {}), figures };
      }
    }
    return { timeZone: tz, ...speechReport({ rows: rows(), ...window, queue: q.queue, agent: q.agent }) };
  });

  app.get('/api/reports/queues', { config: access, schema }, queues(false));
  app.get('/api/reports/queues.csv', { config: access, schema }, queues(true));
  app.get('/api/reports/agents', { config: access, schema }, agents(false));
  app.get('/api/reports/agents.csv', { config: access, schema }, agents(true));
}
