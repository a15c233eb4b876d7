// The system log file (运行日志): a writable stream for pino that appends to
// `<dir>/box.log` and rotates by size — when the next line would pass `maxBytes`, box.log
// becomes box.log.1, box.log.1 becomes box.log.2 … and box.log.<keep> is deleted. Writes are
// synchronous (one line at a time, in order, nothing lost at exit); a write error (disk
// full) drops that line and is counted, never thrown into the logger.
import { Writable } from 'node:stream';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_FILE = 'box.log';

export interface RotationOptions {
  maxBytes: number;
  keep: number;
}

export class RotatingFile extends Writable {
  readonly path: string;
  private fd: number | undefined;
  private size = 0;
  /** Lines dropped because the file could not be written. */
  dropped = 0;
  rotations = 0;

  constructor(readonly dir: string, private opts: RotationOptions) {
    super({ decodeStrings: false });
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, LOG_FILE);
    this.open();
  }

  /** New limits (from the configuration once it is loaded); apply from the next line on. */
  configure(opts: RotationOptions): void {
    this.opts = opts;
  }

  /** The files in order, newest first (box.log, box.log.1, …), that exist. */
  files(): string[] {
    const out = [this.path];
    for (let i = 1; i <= this.opts.keep; i++) if (existsSync(`${this.path}.${i}`)) out.push(`${this.path}.${i}`);
    return out.filter((f) => existsSync(f));
  }

  /** Write one chunk (pino writes one line per call). */
  writeLine(chunk: string | Buffer): void {
    const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    try {
      if (this.size > 0 && this.size + bytes > this.opts.maxBytes) this.rotate();
      if (this.fd === undefined) this.open();
      if (typeof chunk === 'string') writeSync(this.fd!, chunk);
      else writeSync(this.fd!, chunk);
      this.size += bytes;
    } catch {
      this.dropped++;
    }
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeLine(chunk);
    cb();
  }

  /** pino calls `write` directly on a stream entry: keep it synchronous and ordered. */
  override write(chunk: unknown, encOrCb?: unknown, cb?: unknown): boolean {
    this.writeLine(chunk as string | Buffer);
    const done = typeof encOrCb === 'function' ? encOrCb : cb;
    if (typeof done === 'function') done();
    return true;
  }

  private open(): void {
    this.fd = openSync(this.path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(`${this.path}.${this.opts.keep}`, { force: true });
    for (let i = this.opts.keep - 1; i >= 1; i--) if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    renameSync(this.path, `${this.path}.1`);
    // Files past `keep` (left from a larger `keep` before) go too.
    for (let i = this.opts.keep + 1; existsSync(`${this.path}.${i}`); i++) rmSync(`${this.path}.${i}`, { force: true });
    this.rotations++;
    this.open();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    cb(err);
  }
}
