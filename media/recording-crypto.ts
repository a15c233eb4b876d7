// Encryption at rest of recordings: AES-256-GCM in independently authenticated records, so a
// crash loses at most the record being written. Writing goes through a file handle with the
// shape WavFileWriter already uses (appends, plus rewrites of bytes already written: the WAV
// header), so a recording is encrypted without the writer knowing; reading gives back the
// exact file the writer meant, whole or as a stream for playback on the fly. Pure crypto and
// file I/O: no keys are stored here (the caller looks them up by key id).
//
// Format, version 1 (all integers big-endian):
//   header  "CCRC" | version 1 | key id length (1-64) | key id (ASCII) | salt (16 random bytes)
//           | key check (8 bytes of HKDF(box key, salt, "check"))
//   record  length of the plaintext body (u32) | type (u8: 0 append, 1 patch, 2 end)
//           | nonce (12 random bytes) | ciphertext (length bytes) | GCM tag (16 bytes)
// The file key is HKDF-SHA256(box key, salt, "ccbox recording v1" | key id), one per file, so
// random nonces are never near their collision bound. Every record's additional data is the
// whole header, the record's index (u64) and its length and type: a record altered, moved,
// dropped or taken from another file fails. An append body is bytes added at the end of the
// plaintext; a patch body is an offset (u64) and bytes that replace bytes already there; the
// end record (empty) is written on close, so a file without it was cut short (a crash).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { open as fsOpen, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { WavFileHandle } from './wav-writer.ts';

/** Opens the file an encrypted recording is written to (fs/promises open, or SyncFileHandle.open in the recording thread). */
export type RawOpener = (path: string, flags: string) => Promise<WavFileHandle>;

export const RecordingCryptoErrorCodes = {
  CC_MEDIA_RECORDING_FORMAT: 'not an encrypted recording of a format version this box reads',
  CC_MEDIA_RECORDING_KEY_UNKNOWN: 'the recording was encrypted with a key this box does not hold',
  CC_MEDIA_RECORDING_WRONG_KEY: 'the key held under the recording\'s key id does not open it (the key was replaced?)',
  CC_MEDIA_RECORDING_TAMPERED: 'part of the encrypted recording failed authentication: it was altered or corrupted',
} as const;
export type RecordingCryptoErrorCode = keyof typeof RecordingCryptoErrorCodes;

export class RecordingCryptoError extends Error {
  readonly code: RecordingCryptoErrorCode;
  constructor(code: RecordingCryptoErrorCode, detail?: string) {
    super(detail ? `${RecordingCryptoErrorCodes[code]}: ${detail}` : RecordingCryptoErrorCodes[code]);
    this.code = code;
    this.name = 'RecordingCryptoError';
  }
}

/** A box key: 32 bytes, named so that files say which key they need. */
export interface RecordingKey {
  id: string;
  key: Uint8Array;
}
/** Finds the key of a key id (undefined: not held). */
export type RecordingKeyLookup = (keyId: string) => Uint8Array | undefined;

const MAGIC = Buffer.from('CCRC', 'latin1');
const VERSION = 1;
const SALT = 16;
const CHECK = 8;
const NONCE = 12;
const TAG = 16;
const RECORD_HEAD = 5; // length + type
const MAX_BODY = 64 * 1024;
const RecordType = { append: 0, patch: 1, end: 2 } as const;
type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

/** The extension encrypted recordings get after their own (call.wav → call.wav.ccrec). */
export const ENCRYPTED_RECORDING_EXTENSION = '.ccrec';

function checkKey(k: RecordingKey): void {
  if (!/^[\x21-\x7e]{1,64}$/.test(k.id)) throw new RangeError('a recording key id is 1 to 64 printable ASCII characters');
  if (k.key.length !== 32) throw new RangeError(`a recording key is 32 bytes, not ${k.key.length}`);
}

function derive(key: Uint8Array, salt: Uint8Array, keyId: string): { fileKey: Buffer; check: Buffer } {
  const fileKey = Buffer.from(hkdfSync('sha256', key, salt, Buffer.concat([Buffer.from('ccbox recording v1', 'latin1'), Buffer.from(keyId, 'latin1')]), 32));
  const check = Buffer.from(hkdfSync('sha256', key, salt, Buffer.from('ccbox recording v1 check', 'latin1'), CHECK));
  return { fileKey, check };
}

function aad(header: Buffer, index: number, length: number, type: number): Buffer {
  const tail = Buffer.alloc(13);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail.writeUInt32BE(length, 8);
  tail[12] = type;
  return Buffer.concat([header, tail]);
}

function parseHeader(buf: Buffer): { header: Buffer; keyId: string; salt: Buffer; check: Buffer } {
  if (buf.length < 6 || !buf.subarray(0, 4).equals(MAGIC)) throw new RecordingCryptoError('CC_MEDIA_RECORDING_FORMAT', 'no CCRC header');
  if (buf[4] !== VERSION) throw new RecordingCryptoError('CC_MEDIA_RECORDING_FORMAT', `format version ${buf[4]}`);
  const idLen = buf[5];
  const end = 6 + idLen + SALT + CHECK;
  if (idLen < 1 || idLen > 64 || buf.length < end) throw new RecordingCryptoError('CC_MEDIA_RECORDING_FORMAT', 'header cut short');
  return { header: buf.subarray(0, end), keyId: buf.toString('latin1', 6, 6 + idLen), salt: buf.subarray(6 + idLen, 6 + idLen + SALT), check: buf.subarray(6 + idLen + SALT, end) };
}

/** Is this (the start of) an encrypted recording? */
export function isEncryptedRecording(start: Uint8Array): boolean {
  return start.length >= 4 && Buffer.from(start.buffer, start.byteOffset, 4).equals(MAGIC);
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * An encrypted file behind the WavFileHandle interface: a write at the end of what was written
 * is an append record, a write over bytes already written (the WAV header) a patch record.
 * Records are atomic: a write that fails (disk full) counts as not done at all, and
 * `truncate` to the length written so far cuts a half-written record off the file.
 */
export class EncryptedFileHandle implements WavFileHandle {
  private index = 0;
  /** Plaintext bytes so far, and the file's length up to the end of the last whole record. */
  private plainLength = 0;
  private fileLength: number;
  private ended = false;

  private constructor(
    private readonly fh: WavFileHandle,
    private readonly header: Buffer,
    private readonly fileKey: Buffer,
  ) {
    this.fileLength = header.length;
  }

  /** Creates the file (flags as for fs.open: 'wx' never clobbers; `openRaw` opens it) and writes its header. */
  static async open(path: string, flags: string, key: RecordingKey, openRaw: RawOpener = fsOpen): Promise<EncryptedFileHandle> {
    checkKey(key);
    const salt = randomBytes(SALT);
    const { fileKey, check } = derive(key.key, salt, key.id);
    const header = Buffer.concat([MAGIC, Buffer.from([VERSION, key.id.length]), Buffer.from(key.id, 'latin1'), salt, check]);
    const fh = await openRaw(path, flags);
    try {
      await writeAll(fh, header, 0);
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    return new EncryptedFileHandle(fh, header, fileKey);
  }

  /** An `openFile` for WavFileWriter that encrypts with `key` (the file itself opened by `openRaw`). */
  static opener(key: RecordingKey, openRaw: RawOpener = fsOpen): (path: string, flags: string) => Promise<WavFileHandle> {
    checkKey(key);
    return (path, flags) => EncryptedFileHandle.open(path, flags, key, openRaw);
  }

  /** Bytes of the file on disk (header and whole records). */
  get bytesOnDisk(): number {
    return this.fileLength;
  }

  async write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }> {
    if (this.ended) throw new Error('the encrypted recording is closed');
    if (position > this.plainLength) throw new RangeError(`a write at ${position} would leave a hole (only ${this.plainLength} bytes written)`);
    const data = Buffer.from(buffer.buffer, buffer.byteOffset + offset, length);
    const overlap = Math.min(length, this.plainLength - position);
    try {
      for (let at = 0; at < overlap; at += MAX_BODY - 8) {
        const part = data.subarray(at, Math.min(overlap, at + MAX_BODY - 8));
        const body = Buffer.alloc(8 + part.length);
        body.writeBigUInt64BE(BigInt(position + at), 0);
        part.copy(body, 8);
        await this.record(RecordType.patch, body);
      }
      for (let at = overlap; at < length; at += MAX_BODY) {
        const body = data.subarray(at, Math.min(length, at + MAX_BODY));
        await this.record(RecordType.append, body);
        this.plainLength += body.length;
      }
    } catch (err) {
      // Whole records only: what is on disk of the failed one is cut off by truncate().
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { bytesWritten: 0 });
    }
    return { bytesWritten: length };
  }

  private async record(type: RecordTypeCode, body: Buffer): Promise<void> {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.fileKey, nonce);
    cipher.setAAD(aad(this.header, this.index, body.length, type));
    const head = Buffer.alloc(RECORD_HEAD);
    head.writeUInt32BE(body.length, 0);
    head[4] = type;
    const rec = Buffer.concat([head, nonce, cipher.update(body), cipher.final(), cipher.getAuthTag()]);
    if (this.torn) await this.cutTorn();
    try {
      await writeAll(this.fh, rec, this.fileLength);
    } catch (err) {
      // A record half on disk must not stay behind the next one: cut it now (or before the next write).
      this.torn = true;
      await this.cutTorn().catch(() => undefined);
      throw err;
    }
    this.fileLength += rec.length;
    this.index++;
  }

  /** Set when a failed write may have left part of a record after the last whole one. */
  private torn = false;

  private async cutTorn(): Promise<void> {
    await this.fh.truncate(this.fileLength);
    this.torn = false;
  }

  /** Only back to what is written (cuts a record a failed write left half on disk). */
  async truncate(length: number): Promise<void> {
    if (length !== this.plainLength) throw new RangeError(`an encrypted recording can only be cut back to its ${this.plainLength} bytes, not ${length}`);
    await this.fh.truncate(this.fileLength);
  }

  datasync(): Promise<void> {
    return this.fh.datasync();
  }

  /** Writes the end record (best effort: on a full disk the file just reads as cut short) and closes. */
  async close(): Promise<void> {
    try {
      if (!this.ended) await this.record(RecordType.end, Buffer.alloc(0)).catch(() => this.fh.truncate(this.fileLength).catch(() => undefined));
    } finally {
      this.ended = true;
      await this.fh.close();
    }
  }
}

async function writeAll(fh: WavFileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += bytesWritten;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface DecryptedRecording {
  /** The file as the writer meant it (e.g. the WAV). */
  data: Buffer;
  keyId: string;
  /** False when the end record is missing: the writer stopped (crash) and the last record may be lost. */
  complete: boolean;
}

/** Opens the header: the file key, or a coded error (format, unknown key, wrong key). */
function openHeader(buf: Buffer, keys: RecordingKeyLookup): { header: Buffer; keyId: string; fileKey: Buffer } {
  const h = parseHeader(buf);
  const key = keys(h.keyId);
  if (!key) throw new RecordingCryptoError('CC_MEDIA_RECORDING_KEY_UNKNOWN', `key id ${h.keyId}`);
  const { fileKey, check } = derive(key, h.salt, h.keyId);
  if (!timingSafeEqual(check, h.check)) throw new RecordingCryptoError('CC_MEDIA_RECORDING_WRONG_KEY', `key id ${h.keyId}`);
  return { header: h.header, keyId: h.keyId, fileKey };
}

interface RecordFrame {
  type: number;
  length: number;
  /** Offset of the record in the file, and its total size. */
  at: number;
  size: number;
}

/** The record at `at` if the buffer holds all of it; undefined for a record cut short. */
function frameAt(buf: Buffer, at: number): RecordFrame | undefined {
  if (at + RECORD_HEAD > buf.length) return undefined;
  const length = buf.readUInt32BE(at);
  const type = buf[at + 4];
  if (length > MAX_BODY || type > RecordType.end) throw new RecordingCryptoError('CC_MEDIA_RECORDING_TAMPERED', `record framing at byte ${at}`);
  const size = RECORD_HEAD + NONCE + length + TAG;
  return at + size <= buf.length ? { type, length, at, size } : undefined;
}

function openRecord(rec: Buffer, header: Buffer, fileKey: Buffer, index: number, f: { type: number; length: number }): Buffer {
  const nonce = rec.subarray(RECORD_HEAD, RECORD_HEAD + NONCE);
  const ct = rec.subarray(RECORD_HEAD + NONCE, RECORD_HEAD + NONCE + f.length);
  const tag = rec.subarray(RECORD_HEAD + NONCE + f.length);
  try {
    const d = createDecipheriv('aes-256-gcm', fileKey, nonce);
    d.setAAD(aad(header, index, f.length, f.type));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    throw new RecordingCryptoError('CC_MEDIA_RECORDING_TAMPERED', `record ${index}`);
  }
}

function applyPatch(data: Buffer, length: number, body: Buffer, index: number): void {
  const offset = Number(body.readBigUInt64BE(0));
  const bytes = body.subarray(8);
  if (offset + bytes.length > length) throw new RecordingCryptoError('CC_MEDIA_RECORDING_TAMPERED', `record ${index} patches bytes never written`);
  bytes.copy(data, offset);
}

/**
 * Decrypts a whole encrypted recording held in memory. A file cut inside its last record (a
 * crash, a full disk) gives everything up to the last whole record with `complete: false`;
 * any record that fails authentication, anywhere, is a RecordingCryptoError.
 */
export function decryptRecording(file: Buffer, keys: RecordingKeyLookup): DecryptedRecording {
  const { header, keyId, fileKey } = openHeader(file, keys);
  const parts: Buffer[] = [];
  const patches: { body: Buffer; index: number }[] = [];
  let length = 0;
  let complete = false;
  let index = 0;
  for (let at = header.length; ; index++) {
    const f = frameAt(file, at);
    if (!f) break;
    if (complete) throw new RecordingCryptoError('CC_MEDIA_RECORDING_TAMPERED', 'records after the end record');
    const body = openRecord(file.subarray(f.at, f.at + f.size), header, fileKey, index, f);
    if (f.type === RecordType.append) {
      parts.push(body);
      length += body.length;
    } else if (f.type === RecordType.patch) {
      if (Number(body.readBigUInt64BE(0)) + body.length - 8 > length) throw new RecordingCryptoError('CC_MEDIA_RECORDING_TAMPERED', `record ${index} patches bytes never written`);
      patches.push({ body, index });
    } else complete = true;
    at += f.size;
  }
  const data = Buffer.concat(parts, length);
  for (const p of patches) applyPatch(data, length, p.body, p.index);
  return { data, keyId, complete };
}

/**
 * The plaintext of an encrypted recording file as a stream (playback while reading): the
 * records' framing and the (small) patch records are read first, so the WAV header comes out
 * with its final sizes; then the audio is decrypted record by record as the consumer reads.
 * Errors (a coded RecordingCryptoError) are emitted on the stream; audio before a tampered
 * record has been delivered by then, so a player should stop on 'error'.
 */
export function createDecryptStream(path: string, keys: RecordingKeyLookup): Readable {
  let fh: FileHandle | undefined;
  let plan: { header: Buffer; fileKey: Buffer; appends: { frame: RecordFrame; index: number; start: number }[]; patches: { offset: number; bytes: Buffer }[] } | undefined;
  let next = 0;
  return new Readable({
    async read() {
      try {
        if (!plan) {
          fh = await fsOpen(path, 'r');
          plan = await planStream(fh, keys);
        }
        const a = plan.appends[next++];
        if (!a) return void this.push(null);
        const rec = Buffer.alloc(a.frame.size);
        await readAll(fh!, rec, a.frame.at);
        const body = openRecord(rec, plan.header, plan.fileKey, a.index, a.frame);
        for (const p of plan.patches) {
          const from = Math.max(p.offset, a.start);
          const to = Math.min(p.offset + p.bytes.length, a.start + body.length);
          if (from < to) p.bytes.copy(body, from - a.start, from - p.offset, to - p.offset);
        }
        this.push(body);
      } catch (err) {
        this.destroy(err as Error);
      }
    },
    destroy(err, cb) {
      const done = () => cb(err);
      if (fh) fh.close().then(done, done);
      else done();
    },
  });
}

async function readAll(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Walks the record framing (reading only record heads), decrypts the patch records. */
async function planStream(fh: FileHandle, keys: RecordingKeyLookup) {
  const size = (await fh.stat()).size;
  const start = Buffer.alloc(Math.min(size, 6 + 64 + SALT + CHECK));
  await readAll(fh, start, 0);
  const { header, fileKey } = openHeader(start, keys);
  const appends: { frame: RecordFrame; index: number; start: number }[] = [];
  const patches: { offset: number; bytes: Buffer }[] = [];
  const head = Buffer.alloc(RECORD_HEAD);
  let length = 0;
  let ended = false;
  for (let at = header.length, index = 0; at + RECORD_HEAD <= size; index++) {
    await readAll(fh, head, at);
    const recLength = head.readUInt32BE(0);
    const type = head[4];
    if (recLength > MAX_BODY || type > RecordType.end) throw new RecordingCryptoError('CC_MEDIA_RECORDING_TAMPERED', `record framing at byte ${at}`);
    const frame: RecordFrame = { type, length: recLength, at, size: RECORD_HEAD + NONCE + recLength + TAG };
    if (at + frame.size > size) break; // the last record, cut short
    if (ended) throw new RecordingCryptoError('CC_MEDIA_RECORDING_TAMPERED', 'records after the end record');
    if (type === RecordType.append) {
      appends.push({ frame, index, start: length });
      length += recLength;
    } else if (type === RecordType.patch) {
      const rec = Buffer.alloc(frame.size);
      await readAll(fh, rec, at);
      const body = openRecord(rec, header, fileKey, index, frame);
      const offset = Number(body.readBigUInt64BE(0));
      if (offset + body.length - 8 > length) throw new RecordingCryptoError('CC_MEDIA_RECORDING_TAMPERED', `record ${index} patches bytes never written`);
      patches.push({ offset, bytes: body.subarray(8) });
    } else {
      // The end record is authenticated too, so "complete" cannot be forged.
      const rec = Buffer.alloc(frame.size);
      await readAll(fh, rec, at);
      openRecord(rec, header, fileKey, index, frame);
      ended = true;
    }
    at += frame.size;
  }
  return { header, fileKey, appends, patches };
}
