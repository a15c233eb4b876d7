// Backups to attached storage over HTTP (admin only): attached target disks, the backups on
// them, the running backup's progress and the last result, run one now, verify one. Restore
// is not here: it replaces the database under a running box, so it is done with the box
// stopped (appliance/backup/cli.ts). The service itself lives in appliance/backup and reaches
// the box through `BackupControl` (system never imports appliance); without it (a box started
// without the daemon's services) every route answers 503 CC_BACKUP_UNAVAILABLE.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Box } from '../box.ts';
import type { BoxConfig } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import { requireRole } from './server.ts';

/** What the API (and the box) needs of the backup service. Results are plain JSON. */
export interface BackupControl {
  targets(): unknown[];
  backups(target?: string): unknown[];
  status(): unknown;
  /** Start a backup; resolves once it has an id (its outcome: status(), events, audit). */
  start(opts: { target?: string; by: string }): Promise<{ id: string; target: string; done: Promise<unknown> }>;
  verify(opts: { target: string; id: string; by: string }): Promise<unknown>;
  close(): Promise<void>;
}

export type BackupServiceFactory = (ctx: { store: Store; config: () => BoxConfig; log: Logger }) => Promise<BackupControl>;

const Name = Type.String({ pattern: '^[^/\\\\]{1,255}$' });
const Id = Type.String({ pattern: '^[0-9]{8}T[0-9]{6}Z(-[0-9]+)?$' });
const RunBody = Type.Object({
  target: Type.Optional(Name),
  /** Answer when the backup has finished (its result or its coded error), not when it starts. */
  wait: Type.Boolean({ default: false }),
}, { additionalProperties: false });
const VerifyBody = Type.Object({ target: Name, id: Id }, { additionalProperties: false });
const ListQuery = Type.Object({ target: Type.Optional(Name) }, { additionalProperties: false });

const STATUS_OF: Record<string, number> = {
  CC_BACKUP_NO_TARGET: 409,
  CC_BACKUP_BUSY: 409,
  CC_BACKUP_UNKNOWN_TARGET: 404,
  CC_BACKUP_NOT_FOUND: 404,
  CC_BACKUP_TARGET_FULL: 507,
  CC_BACKUP_TARGET_GONE: 503,
  CC_BACKUP_NOT_GOOD: 409,
};

function backupFailure(reply: FastifyReply, err: unknown) {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('CC_BACKUP_')) return reply.code(STATUS_OF[code] ?? 500).send({ code, message: (err as Error).message });
  throw err;
}

export function backupRoutes(app: FastifyInstance, box: Box): void {
  const admin = requireRole('admin');
  const service = (reply: FastifyReply): BackupControl | undefined => {
    if (!box.backup) void reply.code(503).send({ code: 'CC_BACKUP_UNAVAILABLE', message: 'backups are not running on this box' });
    return box.backup;
  };

  app.get('/api/backup/targets', { preHandler: admin }, async (_req, reply) => service(reply)?.targets());

  app.get('/api/backup/backups', { schema: { querystring: ListQuery }, preHandler: admin }, async (req, reply) => {
    try {
      return service(reply)?.backups((req.query as { target?: string }).target);
    } catch (err) {
      return backupFailure(reply, err);
    }
  });

  app.get('/api/backup/status', { preHandler: admin }, async (_req, reply) => service(reply)?.status());

  app.post('/api/backup/run', { schema: { body: RunBody }, preHandler: admin }, async (req, reply) => {
    const s = service(reply);
    if (!s) return;
    const { target, wait } = req.body as { target?: string; wait: boolean };
    try {
      const started = await s.start({ target, by: req.session!.username });
      if (!wait) {
        started.done.catch(() => undefined); // reported through status(), events and the audit log
        return reply.code(202).send({ id: started.id, target: started.target });
      }
      return await started.done;
    } catch (err) {
      return backupFailure(reply, err);
    }
  });

  app.post('/api/backup/verify', { schema: { body: VerifyBody }, preHandler: admin }, async (req, reply) => {
    const s = service(reply);
    if (!s) return;
    const { target, id } = req.body as { target: string; id: string };
    try {
      return await s.verify({ target, id, by: req.session!.username });
    } catch (err) {
      return backupFailure(reply, err);
    }
  });
}
