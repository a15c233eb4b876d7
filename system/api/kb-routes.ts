// The knowledge base (知识库, system/kb) over HTTP. Admins and supervisors write articles
// (create, save as a new version with the version the editor read, delete), add and remove
// attachments, and import a folder from a disk under the attached-storage mount directory
// (backup.mountDir, the same disks the backups use); agents (and the writers) list, read with
// version history, search, and get suggestions for their call's queue, IVR path and
// disposition. Article bodies come back as Markdown and as sanitized HTML; search results
// carry highlight segments, never HTML. Schema-first; coded errors CC_KB_...
import { realpathSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { ID_PATTERN, LANGUAGES, type ArticleInput, type KbLanguage } from '../kb/articles.ts';
import { NAME_PATTERN } from '../kb/attachments.ts';
import { KbError, type KbErrorCode } from '../kb/errors.ts';
import { requireRole } from './server.ts';

const Id = Type.String({ pattern: ID_PATTERN });
const IdParams = Type.Object({ id: Id });
const AttachmentParams = Type.Object({ id: Id, name: Type.String({ pattern: NAME_PATTERN, maxLength: 128 }) });
const Language = Type.Union(LANGUAGES.map((l) => Type.Literal(l)));
const ArticleBody = Type.Object({
  title: Type.String({ maxLength: 200 }),
  /** Markdown. */
  body: Type.String({ maxLength: 200_000 }),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 48 }), { maxItems: 20 })),
  category: Type.Optional(Type.String({ maxLength: 64 })),
  /** Default: guessed from the text. */
  language: Type.Optional(Language),
}, { additionalProperties: false });
const SaveBody = Type.Composite([ArticleBody, Type.Object({
  /** The version the editor started from: refused with 409 CC_KB_VERSION_CONFLICT if someone saved since. */
  baseVersion: Type.Optional(Type.Integer({ minimum: 0 })),
})], { additionalProperties: false });
const AttachmentBody = Type.Object({
  /** The file's MIME type (image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain, text/csv). */
  type: Type.String({ maxLength: 100 }),
  /** The file, base64 (at most 10 MB decoded). */
  data: Type.String({ maxLength: 14 * 1024 * 1024, pattern: '^[A-Za-z0-9+/=\\s]*$' }),
}, { additionalProperties: false });
const ListQuery = Type.Object({
  category: Type.Optional(Type.String({ maxLength: 64 })),
  tag: Type.Optional(Type.String({ maxLength: 48 })),
  language: Type.Optional(Language),
}, { additionalProperties: false });
const ReadQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });
const SearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 200 }),
  language: Type.Optional(Language),
  category: Type.Optional(Type.String({ maxLength: 64 })),
  tag: Type.Optional(Type.String({ maxLength: 48 })),
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
}, { additionalProperties: false });
const SuggestQuery = Type.Object({
  queue: Type.Optional(Type.String({ maxLength: 64 })),
  /** The call's IVR path: node ids, comma-separated. */
  ivr: Type.Optional(Type.String({ maxLength: 1000 })),
  disposition: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
}, { additionalProperties: false });
const DiskName = Type.String({ pattern: '^[^/\\\\\\u0000]{1,255}$' });
const ImportBody = Type.Object({
  /** A disk: a directory directly under the mount directory. */
  disk: DiskName,
  /** A folder on it, relative to its root ('' = the whole disk). */
  folder: Type.String({ maxLength: 1024, default: '' }),
}, { additionalProperties: false });

const STATUS_OF: Record<KbErrorCode, number> = {
  CC_KB_INVALID: 400,
  CC_KB_NOT_FOUND: 404,
  CC_KB_VERSION_CONFLICT: 409,
  CC_KB_ATTACHMENT_TOO_LARGE: 413,
  CC_KB_ATTACHMENT_TYPE: 415,
  CC_KB_ATTACHMENT_NOT_FOUND: 404,
  CC_KB_IMPORT_SOURCE: 400,
};

function kbFailure(reply: FastifyReply, err: unknown) {
  if (err instanceof KbError) return reply.code(STATUS_OF[err.code]).send({ code: err.code, message: err.message, ...(err.problems ? { problems: err.problems } : {}) });
  throw err;
}

/** `folder` on `disk` under `mountDir`, resolved with links and refused when it leaves the disk. */
export function importFolderPath(mountDir: string, disk: string, folder: string): string {
  if (disk === '.' || disk === '..' || folder.split(/[\\/]/).some((p) => p === '..')) throw new KbError('CC_KB_IMPORT_SOURCE', 'the folder must be on the disk');
  let root: string;
  let path: string;
  try {
    root = realpathSync(join(mountDir, disk));
    path = realpathSync(join(root, folder));
  } catch {
    throw new KbError('CC_KB_IMPORT_SOURCE', `no folder ${folder || '/'} on disk ${disk}`);
  }
  if (path !== root && !path.startsWith(root + sep)) throw new KbError('CC_KB_IMPORT_SOURCE', 'the folder must be on the disk');
  if (!statSync(path).isDirectory()) throw new KbError('CC_KB_IMPORT_SOURCE', `${folder} is not a folder`);
  return path;
}

const summary = (a: { id: string; version: number; title: string; tags: string[]; category: string; language: string; updatedAt: number; updatedBy: string; attachments: unknown[] }) => ({
  id: a.id, version: a.version, title: a.title, tags: a.tags, category: a.category, language: a.language, updatedAt: a.updatedAt, updatedBy: a.updatedBy, attachments: a.attachments.length,
});

export function kbRoutes(app: FastifyInstance, box: Box): void {
  const staff = requireRole('admin', 'supervisor');
  const desk = requireRole('admin', 'supervisor', 'agent');
  const kb = () => box.kb;

  app.get('/api/kb/articles', { preHandler: desk, schema: { querystring: ListQuery, summary: 'Every article (newest change first), without bodies' } }, async (req) => {
    const q = req.query as { category?: string; tag?: string; language?: KbLanguage };
    return kb().book.all()
      .filter((a) => (!q.category || a.category === q.category) && (!q.language || a.language === q.language) && (!q.tag || a.tags.some((t) => t.toLowerCase() === q.tag!.toLowerCase())))
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .map(summary);
  });

  app.post('/api/kb/articles', { preHandler: staff, schema: { body: ArticleBody, summary: 'A new article (version 1)' } }, async (req, reply) => {
    try {
      return reply.code(201).send(await kb().create(req.body as ArticleInput, req.session!.username));
    } catch (err) {
      return kbFailure(reply, err);
    }
  });

  app.get('/api/kb/articles/:id', { preHandler: desk, schema: { params: IdParams, querystring: ReadQuery, summary: 'An article (or one of its versions) with its body as sanitized HTML' } }, async (req, reply) => {
    try {
      return kb().view((req.params as { id: string }).id, (req.query as { version?: number }).version);
    } catch (err) {
      return kbFailure(reply, err);
    }
  });

  app.put('/api/kb/articles/:id', { preHandler: staff, schema: { params: IdParams, body: SaveBody, summary: 'Save an article as its next version (or create it with this id)' } }, async (req, reply) => {
    const { baseVersion, ...input } = req.body as ArticleInput & { baseVersion?: number };
    try {
      return await kb().save((req.params as { id: string }).id, input, req.session!.username, baseVersion);
    } catch (err) {
      return kbFailure(reply, err);
    }
  });

  app.delete('/api/kb/articles/:id', { preHandler: staff, schema: { params: IdParams } }, async (req, reply) => {
    try {
      return summary(await kb().remove((req.params as { id: string }).id, req.session!.username));
    } catch (err) {
      return kbFailure(reply, err);
    }
  });

  app.get('/api/kb/articles/:id/versions', { preHandler: desk, schema: { params: IdParams, summary: 'An article\'s versions, newest first, without bodies' } }, async (req, reply) => {
    const versions = kb().book.versions((req.params as { id: string }).id);
    if (!versions.length) return kbFailure(reply, new KbError('CC_KB_NOT_FOUND', 'no such article'));
    return versions.map((v) => ({ version: v.version, title: v.title, updatedAt: v.updatedAt, updatedBy: v.updatedBy, deleted: !!v.deleted, note: v.note, chars: v.body.length }));
  });

  app.get('/api/kb/search', { preHandler: desk, schema: { querystring: SearchQuery, summary: 'Full-text search (Chinese and English), best first, with highlight segments' } }, async (req) => {
    const q = req.query as { q: string; language?: string; category?: string; tag?: string; limit: number };
    const t0 = performance.now();
    const hits = kb().search(q.q, q);
    return { query: q.q, ms: Math.round((performance.now() - t0) * 100) / 100, hits };
  });

  app.get('/api/kb/suggest', { preHandler: desk, schema: { querystring: SuggestQuery, summary: 'Articles tagged with the call\'s queue, IVR path nodes or disposition' } }, async (req) => {
    const q = req.query as { queue?: string; ivr?: string; disposition?: string; limit: number };
    const queueName = q.queue ? box.config.queues.find((x) => x.name === q.queue)?.displayName : undefined;
    const ivrPath = q.ivr ? q.ivr.split(',').map((s) => s.trim()).filter(Boolean).slice(0, 50) : undefined;
    return { suggestions: kb().suggest({ queue: q.queue, queueName, ivrPath, disposition: q.disposition }, q.limit) };
  });

  app.get('/api/kb/articles/:id/attachments/:name', { preHandler: desk, schema: { params: AttachmentParams } }, async (req, reply) => {
    const { id, name } = req.params as { id: string; name: string };
    try {
      const { type, bytes } = kb().attachment(id, name);
      const inline = type.startsWith('image/');
      return reply
        .header('content-type', type)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
        .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`)
        .send(bytes);
    } catch (err) {
      return kbFailure(reply, err);
    }
  });

  app.delete('/api/kb/articles/:id/attachments/:name', { preHandler: staff, schema: { params: AttachmentParams } }, async (req, reply) => {
    const { id, name } = req.params as { id: string; name: string };
    try {
      return summary(await kb().removeAttachment(id, name, req.session!.username));
    } catch (err) {
      return kbFailure(reply, err);
    }
  });

  // The file comes as base64 in JSON (the page's API client speaks JSON with its CSRF token); its type is checked against its bytes.
  app.put('/api/kb/articles/:id/attachments/:name', { preHandler: staff, bodyLimit: 15 * 1024 * 1024, schema: { params: AttachmentParams, body: AttachmentBody, summary: 'Add or replace an attachment' } }, async (req, reply) => {
    const { id, name } = req.params as { id: string; name: string };
    const { type, data } = req.body as { type: string; data: string };
    try {
      return summary(await kb().addAttachment(id, name, type, Buffer.from(data, 'base64'), req.session!.username));
    } catch (err) {
      return kbFailure(reply, err);
    }
  });

  app.get('/api/kb/import/disks', { preHandler: staff, schema: { summary: 'Disks under the attached-storage mount directory and their top-level folders' } }, async () => {
    const mountDir = box.config.backup.mountDir;
    let names: string[] = [];
    try {
      names = readdirSync(mountDir).sort();
    } catch {
      // no mount directory: no disks
    }
    return {
      mountDir,
      disks: names.flatMap((name) => {
        try {
          const dir = join(mountDir, name);
          if (!statSync(dir).isDirectory()) return [];
          const folders = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort().slice(0, 200);
          return [{ name, folders }];
        } catch {
          return [];
        }
      }),
    };
  });

  app.post('/api/kb/import', { preHandler: staff, schema: { body: ImportBody, summary: 'Import the Markdown and HTML files of a folder on an attached disk; answers the report' } }, async (req, reply) => {
    const { disk, folder } = req.body as { disk: string; folder: string };
    try {
      const path = importFolderPath(box.config.backup.mountDir, disk, folder);
      return await kb().importFolder(path, req.session!.username);
    } catch (err) {
      return kbFailure(reply, err);
    }
  });
}
