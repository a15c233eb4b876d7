// Monitoring, system logs and the technician console over HTTP (性能监控, 运行日志):
// - GET /metrics: Prometheus text on the web port. Open to the box itself (loopback, like
//   /api/status); from the LAN it needs a bearer token: an API token with scope
//   `metrics:read`, or a session of an admin or technician. Not under /api/, so this file
//   checks it (auth.ts only guards /api/).
// - GET /api/monitoring: hardware, call quality per trunk, SIP response times, alerts.
// - POST /api/monitoring/readings: inject (or withdraw) readings, e.g. to test the alert path.
// - GET /api/logs: the system log, filtered (level, module, text, time).
// - GET /api/console (WebSocket): the technician console in a pseudo-terminal; technician only.
// The service behind them lives in appliance/ and reaches the box through MonitoringControl
// (system never imports appliance); without it every route answers 503 CC_MON_UNAVAILABLE.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { requireRole } from './server.ts';

/** A pseudo-terminal running the console program for one web session. */
export interface ConsoleSession {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  onData(fn: (data: string) => void): void;
  onExit(fn: (code: number) => void): void;
  close(): void;
}

export interface MonitoringControl {
  /** Latest hardware sample, quality per trunk, SIP times, alerts, injected readings. */
  snapshot(): unknown;
  /** Replace (value) or withdraw (null) readings; the decision of the round it ran. Throws code CC_MON_UNKNOWN_METRIC. */
  inject(readings: { metric: string; subject: string; value: number | null }[], by: string): Promise<unknown>;
  metrics(): Promise<string>;
  logs(filter: { level?: string; module?: string; text?: string; from?: number; to?: number; limit: number }): unknown;
  /** Subscribe to raised and cleared alerts; returns the unsubscribe function. */
  onAlert(fn: (alert: unknown) => void): () => void;
  openConsole(opts: { username: string; source: string; cols: number; rows: number }): Promise<ConsoleSession>;
  close(): Promise<void>;
}

export type MonitoringFactory = (box: Box) => Promise<MonitoringControl>;

const LogQuery = Type.Object({
  level: Type.Optional(Type.Union(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => Type.Literal(l)))),
  module: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,64}$' })),
  text: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Integer({ minimum: 1, maximum: 2000, default: 200 }),
}, { additionalProperties: false });

const ReadingsBody = Type.Object({
  readings: Type.Array(Type.Object({
    metric: Type.String({ pattern: '^[a-zA-Z]{1,32}$' }),
    subject: Type.String({ maxLength: 256, default: '' }),
    /** null withdraws an injected reading (the measured value counts again). */
    value: Type.Union([Type.Number(), Type.Null()]),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
}, { additionalProperties: false });

const ConsoleQuery = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 256 })),
  cols: Type.Integer({ minimum: 20, maximum: 500, default: 100 }),
  rows: Type.Integer({ minimum: 5, maximum: 200, default: 30 }),
}, { additionalProperties: false });

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

export function monitoringRoutes(app: FastifyInstance, box: Box): void {
  const staff = requireRole('admin', 'technician');
  const service = (reply: FastifyReply): MonitoringControl | undefined => {
    if (!box.monitoring) void reply.code(503).send({ code: 'CC_MON_UNAVAILABLE', message: 'monitoring is not running on this box' });
    return box.monitoring;
  };

  /** Loopback, an API token with metrics:read, or an admin's or technician's session. */
  const metricsAccess = async (req: FastifyRequest, reply: FastifyReply) => {
    if (isLoopback(req.socket.remoteAddress ?? '')) return;
    const who = box.api?.access.identify(req);
    if (!who) return reply.code(401).send({ code: 'CC_API_UNAUTHENTICATED', message: 'a bearer token is needed for /metrics off the box' });
    const s = who.session;
    if (s.kind === 'api-token' ? s.scopes?.includes('metrics:read') : s.role === 'admin' || s.role === 'technician') return;
    return reply.code(403).send({ code: s.kind === 'api-token' ? 'CC_API_SCOPE' : 'CC_API_FORBIDDEN', message: 'needs scope metrics:read, or role admin or technician' });
  };
  app.get('/metrics', { config: { access: 'local', roles: ['admin', 'technician'], scope: 'metrics:read' }, preHandler: metricsAccess }, async (_req, reply) => {
    const s = service(reply);
    if (!s) return;
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(await s.metrics());
  });

  app.get('/api/monitoring', { preHandler: staff }, async (_req, reply) => service(reply)?.snapshot());

  app.post('/api/monitoring/readings', { schema: { body: ReadingsBody }, preHandler: staff }, async (req, reply) => {
    const s = service(reply);
    if (!s) return;
    const { readings } = req.body as { readings: { metric: string; subject: string; value: number | null }[] };
    try {
      return await s.inject(readings, req.session!.username);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'CC_MON_UNKNOWN_METRIC') return reply.code(400).send({ code, message: (err as Error).message });
      throw err;
    }
  });

  app.get('/api/logs', { schema: { querystring: LogQuery }, preHandler: staff }, async (req, reply) => {
    const s = service(reply);
    if (!s) return;
    const q = req.query as { level?: string; module?: string; text?: string; from?: number; to?: number; limit: number };
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) return reply.code(400).send({ code: 'CC_LOG_BAD_FILTER', message: '`from` is after `to`' });
    return s.logs(q);
  });

  app.get('/api/console', { websocket: true, schema: { querystring: ConsoleQuery }, preHandler: requireRole('technician') }, (socket, req) => {
    const s = box.monitoring;
    const { cols, rows } = req.query as { cols: number; rows: number };
    const send = (msg: object) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
    };
    if (!s) {
      send({ type: 'error', code: 'CC_MON_UNAVAILABLE' });
      socket.close();
      return;
    }
    let session: ConsoleSession | undefined;
    let closed = false;
    socket.on('close', () => {
      closed = true;
      session?.close();
    });
    s.openConsole({ username: req.session!.username, source: req.ip, cols, rows }).then((pty) => {
      session = pty;
      if (closed) return pty.close();
      pty.onData((data) => send({ type: 'output', data }));
      pty.onExit((code) => {
        send({ type: 'exit', code });
        socket.close();
      });
      socket.on('message', (raw: Buffer) => {
        let msg: { type?: unknown; data?: unknown; cols?: unknown; rows?: unknown };
        try {
          msg = JSON.parse(raw.toString('utf8'));
        } catch {
          return;
        }
        if (msg.type === 'input' && typeof msg.data === 'string' && msg.data.length <= 4096) pty.write(msg.data);
        else if (msg.type === 'resize' && Number.isInteger(msg.cols) && Number.isInteger(msg.rows)) pty.resize(Math.min(500, Math.max(20, msg.cols as number)), Math.min(200, Math.max(5, msg.rows as number)));
      });
    }, (err: Error) => {
      send({ type: 'error', code: 'CC_CONSOLE_START_FAILED', message: err.message });
      socket.close();
    });
  });
}
