// Recording search, playback, download, legal hold and retention over HTTP (通话录音检索).
// - GET /api/recordings: search (time, agent, queue, numbers, duration, disposition, QA
//   score, hold), newest first, paged. An agent sees only calls they took.
// - GET /api/recordings/:callId/audio: the WAV for the player, with byte ranges (206,
//   Content-Range; an encrypted file is decrypted on the fly). Audit-logged once per
//   session and recording (the first request, with its Range), refusals every time.
// - GET /api/recordings/:callId/download: the WAV as an attachment, for the roles in
//   recordings.downloadRoles (admin and supervisor at most); every request audit-logged.
// - GET /api/recordings/:callId/peaks: min/max per span per channel for the waveform.
// - PUT /api/recordings/:callId/hold: set or lift a legal hold (audit-logged).
// - POST /api/recordings/retention/run: run retention now (admin).
// Schema-first; every refusal answers with a CC_RECORDINGS_* or CC_API_* code.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { agentsOf, queryProblems, searchRecordings, summarize, type RecordingEntry, type RecordingQuery } from '../recordings/search.ts';
import { openRecordingAudio } from '../recordings/recording-audio.ts';
import { parseRange } from '../recordings/byte-range.ts';
import { peaksOfStream } from '../recordings/waveform-peaks.ts';
import { RecordingsError, type RecordingsErrorCode } from '../recordings/errors.ts';
import { recordingsConfig } from '../recordings/recordings-config.ts';
import { requireRole } from './server.ts';
import { AnalyticsErrorCodes } from '../analytics/errors.ts';

const CallIdParams = Type.Object({ callId: Type.String({ pattern: '^[A-Za-z0-9_.:@-]{1,128}$' }) });
const Digits = Type.String({ pattern: '^[0-9*#+]{1,32}$' });
const Name = Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' });
const Millis = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
const Score = Type.Number({ minimum: 0, maximum: 100 });
const SearchQuery = Type.Object({
  from: Type.Optional(Millis),
  to: Type.Optional(Millis),
  agent: Type.Optional(Name),
  queue: Type.Optional(Name),
  number: Type.Optional(Digits),
  caller: Type.Optional(Digits),
  callee: Type.Optional(Digits),
  minDurationSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 864_000 })),
  maxDurationSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 864_000 })),
  disposition: Type.Optional(Type.Union(['answered', 'busy', 'no-answer', 'cancelled', 'rejected', 'failed'].map((d) => Type.Literal(d)))),
  minScore: Type.Optional(Score),
  maxScore: Type.Optional(Score),
  scored: Type.Optional(Type.Boolean()),
  legalHold: Type.Optional(Type.Boolean()),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
}, { additionalProperties: false });
type SearchQueryT = { [K in keyof RecordingQuery]?: RecordingQuery[K] } & { minDurationSec?: number; maxDurationSec?: number; offset: number; limit: number };
const PeaksQuery = Type.Object({ buckets: Type.Integer({ minimum: 10, maximum: 4000, default: 1000 }) }, { additionalProperties: false });
const HoldBody = Type.Object({ hold: Type.Boolean(), reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

const STATUS_OF: Record<RecordingsErrorCode, number> = {
  CC_RECORDINGS_NOT_FOUND: 404,
  CC_RECORDINGS_NOT_YOURS: 403,
  CC_RECORDINGS_DOWNLOAD_OFF: 403,
  CC_RECORDINGS_FILE_MISSING: 410,
  CC_RECORDINGS_UNREADABLE: 500,
  CC_RECORDINGS_RANGE: 416,
  CC_RECORDINGS_BAD_QUERY: 400,
  CC_RECORDINGS_DELETE_FAILED: 500,
  CC_RECORDINGS_BAD_SCHEDULE: 500,
  CC_RECORDINGS_RETENTION_BUSY: 409,
};

function failure(reply: FastifyReply, err: unknown) {
  if (err instanceof RecordingsError) return reply.code(STATUS_OF[err.code]).send({ code: err.code, message: err.message });
  throw err;
}

export function recordingsRoutes(app: FastifyInstance, box: Box): void {
  const desk = requireRole('admin', 'supervisor', 'agent');
  const staff = requireRole('admin', 'supervisor');
  const admin = requireRole('admin');
  const rec = box.recordings;

  /** The recording, if the caller may hear it: an agent only their own calls (refusals are audit-logged). */
  async function allowed(req: FastifyRequest, action: string): Promise<RecordingEntry> {
    const { callId } = req.params as { callId: string };
    const s = req.session!;
    const entry = rec.catalog.entry(callId);
    if (!entry) throw new RecordingsError('CC_RECORDINGS_NOT_FOUND', `no recording of call ${callId}`);
    if (s.role === 'agent' && !agentsOf(entry).includes(s.username)) {
      await recordAudit(box.store, { actor: s.username, action, outcome: 'failed', target: callId, source: req.ip, detail: { code: 'CC_RECORDINGS_NOT_YOURS' } });
      throw new RecordingsError('CC_RECORDINGS_NOT_YOURS', `call ${callId} was not taken by agent ${s.username}`);
    }
    return entry;
  }

  /** Sends the WAV (whole or the requested range) of `entry`; `audit` runs once the file opened. */
  async function sendAudio(req: FastifyRequest, reply: FastifyReply, entry: RecordingEntry, audit: (range: string | undefined) => Promise<unknown>, attachment: boolean) {
    const audio = await openRecordingAudio(entry.row.path, rec.keys);
    const header = req.headers.range;
    const range = parseRange(header, audio.length);
    await audit(header);
    reply.header('accept-ranges', 'bytes').header('cache-control', 'private, no-cache').type('audio/wav');
    if (attachment) reply.header('content-disposition', `attachment; filename="${entry.row.callId.replace(/[^A-Za-z0-9_.-]/g, '_')}.wav"`);
    if (range.kind === 'unsatisfiable') {
      return reply.code(416).header('content-range', `bytes */${audio.length}`).type('application/json').send({ code: 'CC_RECORDINGS_RANGE', message: `the recording has ${audio.length} bytes; ${header} is outside it` });
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, audio.length - 1];
    reply.header('content-length', String(end - start + 1));
    if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${audio.length}`);
    // HEAD: the headers of the GET, no body (an empty stream keeps the Content-Length set above).
    if (req.method === 'HEAD' || audio.length === 0) return reply.send(Readable.from([]));
    return reply.send(audio.stream(start, end));
  }

  app.get('/api/recordings', { schema: { querystring: SearchQuery }, preHandler: desk }, async (req, reply) => {
    const { offset, limit, minDurationSec, maxDurationSec, ...rest } = req.query as SearchQueryT;
    const s = req.session!;
    const q: RecordingQuery = { ...rest, minDurationMs: minDurationSec === undefined ? undefined : minDurationSec * 1000, maxDurationMs: maxDurationSec === undefined ? undefined : maxDurationSec * 1000 };
    // An agent searches only calls they took, whatever agent the query names.
    if (s.role === 'agent') q.agent = s.username;
    const problems = queryProblems(q);
    if (problems.length) return failure(reply, new RecordingsError('CC_RECORDINGS_BAD_QUERY', problems.join('; ')));
    const page = searchRecordings(rec.catalog.entries(), q, { offset, limit });
    return { ...page, canDownload: (recordingsConfig(box.config.recordings).downloadRoles as string[]).includes(s.role) };
  });

  app.get('/api/recordings/:callId', { schema: { params: CallIdParams }, preHandler: desk }, async (req, reply) => {
    try {
      return summarize(await allowed(req, 'recording-view'));
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.get('/api/recordings/:callId/audio', { schema: { params: CallIdParams }, preHandler: desk }, async (req, reply) => {
    try {
      const entry = await allowed(req, 'recording-play');
      const s = req.session!;
      return await sendAudio(req, reply, entry, async (range) => {
        await rec.auditFirstPlay(s.token, entry.row.callId, () => recordAudit(box.store, { actor: s.username, action: 'recording-play', outcome: 'ok', target: entry.row.callId, source: req.ip, detail: { range: range ?? null } }));
      }, false);
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.get('/api/recordings/:callId/download', { schema: { params: CallIdParams }, preHandler: staff }, async (req, reply) => {
    try {
      const s = req.session!;
      const { callId } = req.params as { callId: string };
      if (!(recordingsConfig(box.config.recordings).downloadRoles as string[]).includes(s.role)) {
        await recordAudit(box.store, { actor: s.username, action: 'recording-download', outcome: 'failed', target: callId, source: req.ip, detail: { code: 'CC_RECORDINGS_DOWNLOAD_OFF' } });
        throw new RecordingsError('CC_RECORDINGS_DOWNLOAD_OFF', `role ${s.role} may not download recordings (recordings.downloadRoles)`);
      }
      const entry = await allowed(req, 'recording-download');
      return await sendAudio(req, reply, entry, (range) => recordAudit(box.store, { actor: s.username, action: 'recording-download', outcome: 'ok', target: callId, source: req.ip, detail: { range: range ?? null } }), true);
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.get('/api/recordings/:callId/peaks', { schema: { params: CallIdParams, querystring: PeaksQuery }, preHandler: desk }, async (req, reply) => {
    try {
      const entry = await allowed(req, 'recording-play');
      const { buckets } = req.query as { buckets: number };
      const id = `${entry.row.callId}\n${entry.row.sha256}\n${buckets}`;
      const known = rec.cachedPeaks(id);
      if (known) return known;
      const audio = await openRecordingAudio(entry.row.path, rec.keys);
      let peaks;
      try {
        peaks = await peaksOfStream(audio.stream(0, Math.max(0, audio.length - 1)), audio.length, buckets);
      } catch (err) {
        throw new RecordingsError('CC_RECORDINGS_UNREADABLE', `the recording is not a readable WAV (${(err as Error).message})`);
      }
      rec.rememberPeaks(id, peaks);
      return peaks;
    } catch (err) {
      return failure(reply, err);
    }
  });

  /** Speech analytics of the recording (system/analytics): 202 while it is still being worked out. */
  app.get('/api/recordings/:callId/analytics', { schema: { params: CallIdParams }, preHandler: desk }, async (req, reply) => {
    try {
      const entry = await allowed(req, 'recording-view');
      const row = box.speechAnalytics.get(entry.row.callId);
      if (!row) {
        box.speechAnalytics.enqueue(entry.row.callId);
        return reply.code(202).send({ code: 'CC_ANALYTICS_PENDING', message: `the recording of call ${entry.row.callId} is being analysed` });
      }
      return row;
    } catch (err) {
      return failure(reply, err);
    }
  });

  /** The call's transcript (experimental), if one was asked for. */
  app.get('/api/recordings/:callId/transcript', { schema: { params: CallIdParams }, preHandler: desk }, async (req, reply) => {
    try {
      const entry = await allowed(req, 'recording-view');
      const row = box.transcripts.get(entry.row.callId);
      if (!row) return reply.code(404).send({ code: 'CC_TRANSCRIBE_NONE', message: `no transcript of call ${entry.row.callId} was asked for`, available: !!box.transcripts.engine });
      return row;
    } catch (err) {
      return failure(reply, err);
    }
  });

  /** Ask for the call's transcript (202 while it runs); audit-logged. */
  app.post('/api/recordings/:callId/transcript', { schema: { params: CallIdParams }, preHandler: staff }, async (req, reply) => {
    try {
      const entry = await allowed(req, 'recording-transcribe');
      const s = req.session!;
      const row = await box.transcripts.request(entry.row.callId, s.username);
      if (typeof row === 'string') {
        const status = row === 'CC_ANALYTICS_PENDING' ? 409 : row === 'CC_TRANSCRIBE_UNAVAILABLE' ? 503 : 404;
        return reply.code(status).send({ code: row, message: AnalyticsErrorCodes[row] });
      }
      await recordAudit(box.store, { actor: s.username, action: 'recording-transcribe', outcome: 'ok', target: entry.row.callId, source: req.ip, detail: { engine: row.engine } });
      return reply.code(row.state === 'running' ? 202 : 200).send(row);
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.put('/api/recordings/:callId/hold', { schema: { params: CallIdParams, body: HoldBody }, preHandler: staff }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    const { hold, reason } = req.body as { hold: boolean; reason?: string };
    try {
      await rec.catalog.setHold(callId, hold, req.session!.username, reason, req.ip);
      return summarize(rec.catalog.entry(callId)!);
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.post('/api/recordings/retention/run', { preHandler: admin }, async (req, reply) => {
    try {
      const result = await rec.retention.run();
      await recordAudit(box.store, { actor: req.session!.username, action: 'recording-retention-run', outcome: 'ok', source: req.ip, detail: { deleted: result.deleted.length, held: result.held.length, failed: result.failed.length } });
      return result;
    } catch (err) {
      return failure(reply, err);
    }
  });
}
