// Knowledge-base attachments on disk: <data>/kb/attachments/<article id>/<name>. A file is
// accepted only with an allowed type whose leading bytes match it (a PNG must start like a
// PNG; text must be UTF-8 without NUL bytes), within the size limits, and with a plain name
// (no path separators, no leading dot). It is written to a temporary name and renamed, then
// listed on the article (articles.ts) with its size and sha256; downloads are served with
// the stored type, `nosniff` and as an attachment, so nothing uploaded runs in the page.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KbError } from './errors.ts';

export const ATTACHMENT_LIMITS = { fileBytes: 10 * 1024 * 1024, articleBytes: 50 * 1024 * 1024, files: 50 };

const TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')),
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'text/plain': (b) => isUtf8Text(b),
  'text/csv': (b) => isUtf8Text(b),
};
export const ATTACHMENT_TYPES = Object.keys(TYPES);

function isUtf8Text(b: Buffer): boolean {
  if (b.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

export const NAME_PATTERN = '^[^/\\\\\\u0000-\\u001f.][^/\\\\\\u0000-\\u001f]{0,127}$';
const NAME = new RegExp(NAME_PATTERN, 'u');

/** The declared type without parameters, if it is allowed and the bytes match it; else a KbError. */
export function checkAttachment(name: string, declared: string, bytes: Buffer): string {
  if (!NAME.test(name) || name.includes('..')) throw new KbError('CC_KB_INVALID', 'an attachment name is 1-128 characters without slashes or a leading dot', [{ path: '/name', message: 'bad name' }]);
  if (bytes.length > ATTACHMENT_LIMITS.fileBytes) throw new KbError('CC_KB_ATTACHMENT_TOO_LARGE', `an attachment is at most ${ATTACHMENT_LIMITS.fileBytes} bytes`);
  const type = declared.split(';')[0]!.trim().toLowerCase();
  const check = TYPES[type];
  if (!check) throw new KbError('CC_KB_ATTACHMENT_TYPE', `type ${type || '(none)'} is not allowed (allowed: ${ATTACHMENT_TYPES.join(', ')})`);
  if (!bytes.length || !check(bytes)) throw new KbError('CC_KB_ATTACHMENT_TYPE', `the file's bytes are not ${type}`);
  return type;
}

export class AttachmentFiles {
  constructor(readonly root: string) {}

  private dir(articleId: string): string {
    return join(this.root, articleId);
  }

  write(articleId: string, name: string, bytes: Buffer): { size: number; sha256: string } {
    const dir = this.dir(articleId);
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `.upload-${process.pid}-${Date.now()}`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(dir, name));
    return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  read(articleId: string, name: string): Buffer {
    try {
      return readFileSync(join(this.dir(articleId), name));
    } catch {
      throw new KbError('CC_KB_ATTACHMENT_NOT_FOUND', `article ${articleId} has no attachment ${name}`);
    }
  }

  remove(articleId: string, name: string): void {
    rmSync(join(this.dir(articleId), name), { force: true });
  }
}
