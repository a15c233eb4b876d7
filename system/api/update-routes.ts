// Firmware updates over HTTP (admin only), on the appliance image's A/B slots
// (appliance/updates): the running and committed slots with their versions, the upload of
// a signed update bundle (streamed straight onto the inactive slot, checked as it goes), and
// the reboot that tries it. Upload and reboot are audit-logged. Off the appliance (a
// development machine) the routes answer 409 CC_UPDATE_NOT_ON_APPLIANCE.
//
//   GET  /api/updates           { running, committed, slots: { a: version|null, b: ... }, applying }
//   POST /api/updates           body application/octet-stream: the bundle → { version, slot }
//   POST /api/updates/reboot    → { ok: true } (the box reboots a moment later)
//   GET  /api/updates/disk      { bundles: [{ disk, file, bytes }] }: *.ccupdate files on attached disks
//   POST /api/updates/disk      { disk, file } → { version, slot }: apply a bundle from an attached
//                               disk (a USB stick; no upload through the network), audit-logged
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { applyBundle } from '../../appliance/updates/update-apply.ts';
import { UpdateError } from '../../appliance/updates/bundle.ts';
import { readUpdateKey, runCommand, updateTarget } from '../../appliance/updates/update-target.ts';
import { appliancePaths } from '../../appliance/updates/appliance-paths.ts';
import { diskBundlePath, findDiskBundles } from '../../appliance/updates/disk-bundles.ts';
import { committedSlot, entryName, entryVersion, runningSlot, type Slot } from '../../appliance/updates/slots.ts';
import { requireRole } from './server.ts';

const STATUS: Record<UpdateError['code'], number> = {
  CC_UPDATE_NOT_A_BUNDLE: 400, CC_UPDATE_BAD_SIGNATURE: 400, CC_UPDATE_BAD_MANIFEST: 400, CC_UPDATE_DIGEST_MISMATCH: 400,
  CC_UPDATE_TOO_BIG: 413, CC_UPDATE_NOT_ON_APPLIANCE: 409, CC_UPDATE_BUSY: 409, CC_UPDATE_NO_SUCH_BUNDLE: 404,
};

const DiskName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\]+$' });
const DiskBody = Type.Object({ disk: DiskName, file: DiskName }, { additionalProperties: false });

export function updateRoutes(app: FastifyInstance, box: Box): void {
  const admin = requireRole('admin');
  let applying = false;
  const paths = appliancePaths();

  app.get('/api/updates', { preHandler: admin }, async (_req, reply) => {
    const running = runningSlot(await readFile(paths.cmdline, 'utf8').catch(() => ''));
    if (!running) return reply.code(409).send({ code: 'CC_UPDATE_NOT_ON_APPLIANCE', message: 'no A/B root slots on this machine' });
    const version = async (s: Slot) => entryVersion(await readFile(join(paths.esp, 'loader', 'entries', entryName(s)), 'utf8').catch(() => '')) ?? null;
    return {
      running,
      committed: committedSlot(await readFile(join(paths.esp, 'loader', 'loader.conf'), 'utf8').catch(() => '')) ?? null,
      slots: { a: await version('a'), b: await version('b') },
      applying,
    };
  });

  // The bundle arrives as a raw stream (hundreds of MB): no body parsing, no buffering.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    scope.post('/api/updates', { bodyLimit: 4 * 1024 ** 3, preHandler: admin }, async (req, reply) => {
      const by = req.session!.username;
      if (applying) return reply.code(409).send({ code: 'CC_UPDATE_BUSY', message: 'an update is being applied already' });
      applying = true;
      const log = req.log;
      log.warn({ bytes: Number(req.headers['content-length']) || undefined, by }, 'update upload started');
      try {
        const target = await updateTarget();
        const manifest = await applyBundle(req.body as AsyncIterable<Buffer>, await readUpdateKey(), target, (stage, bytes) => log.warn({ stage, bytes }, 'update upload progress'));
        await recordAudit(box.store, { actor: by, action: 'update-upload', outcome: 'ok', source: req.ip, target: `slot-${target.slot}`, detail: { version: manifest.version } });
        return { version: manifest.version, slot: target.slot };
      } catch (err) {
        log.warn({ err: (err as Error).message, code: (err as UpdateError).code }, 'update upload failed');
        if (!(err instanceof UpdateError)) throw err;
        await recordAudit(box.store, { actor: by, action: 'update-upload', outcome: 'failed', source: req.ip, detail: { code: err.code } });
        return reply.code(STATUS[err.code]).send({ code: err.code, message: err.message });
      } finally {
        applying = false;
      }
    });
  });

  // Attached storage: the disks the backup service watches (backup.mountDir).
  const disks = () => ({ mountDir: box.config.backup.mountDir });

  app.get('/api/updates/disk', { preHandler: admin }, async () => ({ bundles: findDiskBundles(disks()) }));

  app.post<{ Body: Static<typeof DiskBody> }>('/api/updates/disk', { preHandler: admin, schema: { body: DiskBody } }, async (req, reply) => {
    const by = req.session!.username;
    const { disk, file } = req.body;
    if (applying) return reply.code(409).send({ code: 'CC_UPDATE_BUSY', message: 'an update is being applied already' });
    applying = true;
    const log = req.log;
    try {
      const path = diskBundlePath(disks(), disk, file);
      log.warn({ disk, file, by }, 'update from disk started');
      const target = await updateTarget();
      const manifest = await applyBundle(createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>, await readUpdateKey(), target, (stage, bytes) => log.warn({ stage, bytes }, 'update from disk progress'));
      await recordAudit(box.store, { actor: by, action: 'update-from-disk', outcome: 'ok', source: req.ip, target: `slot-${target.slot}`, detail: { version: manifest.version, disk, file } });
      return { version: manifest.version, slot: target.slot };
    } catch (err) {
      log.warn({ err: (err as Error).message, code: (err as UpdateError).code }, 'update from disk failed');
      if (!(err instanceof UpdateError)) throw err;
      await recordAudit(box.store, { actor: by, action: 'update-from-disk', outcome: 'failed', source: req.ip, detail: { code: err.code, disk, file } });
      return reply.code(STATUS[err.code]).send({ code: err.code, message: err.message });
    } finally {
      applying = false;
    }
  });

  app.post('/api/updates/reboot', { preHandler: admin }, async (req, reply) => {
    if (!runningSlot(await readFile(paths.cmdline, 'utf8').catch(() => ''))) return reply.code(409).send({ code: 'CC_UPDATE_NOT_ON_APPLIANCE', message: 'no A/B root slots on this machine' });
    await recordAudit(box.store, { actor: req.session!.username, action: 'reboot', outcome: 'ok', source: req.ip, detail: { why: 'update' } });
    setTimeout(() => void runCommand('systemctl', ['reboot']).catch(() => undefined), 500);
    return { ok: true };
  });
}
