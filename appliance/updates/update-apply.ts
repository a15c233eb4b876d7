// Applying an update bundle (bundle.ts) on the box, as it streams in: the target slot's boot
// entry is removed first (a half-written slot is never bootable), the signature is checked
// before anything is written, the root image is gunzipped onto the inactive slot and the
// kernel and initrd go to the ESP while every member's sha256 and size are checked; only
// when all match does the slot get its boot entry and the one-shot flag for the next boot.
// The paths and the bootctl runner are parameters, so tests apply real bundles to files.
import { createHash, type KeyObject } from 'node:crypto';
import { open, mkdir, rm, rename, writeFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { join } from 'node:path';
import { UpdateError, parseTarHeader, tarPadding, verifiedManifest, type Manifest } from './bundle.ts';
import { bootEntry, entryName, type Slot } from './slots.ts';

export interface ApplyTarget {
  slot: Slot;
  /** The slot's partition (a block device on the box; a file in tests) and its size in bytes. */
  slotDevice: string;
  slotSize: number;
  /** The mounted EFI system partition. */
  espDir: string;
  /** Runs bootctl (or a stand-in in tests). */
  bootctl(args: string[]): Promise<void>;
}

export interface ApplyProgress {
  (stage: 'verified' | 'root' | 'kernel' | 'initrd' | 'done', bytes?: number): void;
}

/** Reads exact byte counts from a stream of chunks. */
class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private done = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.length < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.buffered.push(next.value);
        this.length += next.value.length;
      }
    }
    return this.length >= n;
  }

  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) return undefined;
    const all = Buffer.concat(this.buffered);
    this.buffered = [all.subarray(n)];
    this.length = all.length - n;
    return all.subarray(0, n);
  }

  /** Hand `n` bytes to `sink` chunk by chunk. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!this.length && !(await this.fill(1))) throw new UpdateError('CC_UPDATE_DIGEST_MISMATCH', 'the bundle ends early');
      const head = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      const part = head.subarray(0, left);
      this.buffered = [head.subarray(part.length)];
      this.length -= part.length;
      left -= part.length;
      yield part;
    }
  }
}

async function member(reader: ByteReader, expect?: string): Promise<{ name: string; size: number } | undefined> {
  for (;;) {
    const block = await reader.read(512);
    if (!block) return undefined;
    const entry = parseTarHeader(block);
    if (!entry) return undefined;
    if (entry.kind === 'file') {
      if (expect && entry.name !== expect) throw new UpdateError('CC_UPDATE_NOT_A_BUNDLE', `expected ${expect}, found ${entry.name}`);
      return entry;
    }
    for await (const _ of reader.take(entry.size + tarPadding(entry.size))) void _;
  }
}

async function readSmall(reader: ByteReader, name: string, max: number): Promise<Buffer> {
  const m = await member(reader, name);
  if (!m || m.size > max) throw new UpdateError('CC_UPDATE_NOT_A_BUNDLE', `${name} missing or too large`);
  const bytes = (await reader.read(m.size)) ?? Buffer.alloc(0);
  if (bytes.length !== m.size) throw new UpdateError('CC_UPDATE_NOT_A_BUNDLE', `${name} truncated`);
  await reader.read(tarPadding(m.size));
  return bytes;
}

/** Stream `chunks` into `path` at offset 0 (overwriting, not truncating a block device); sha256 of what came in. */
async function streamMember(reader: ByteReader, size: number, write: (chunk: Buffer) => Promise<void>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of reader.take(size)) {
    hash.update(chunk);
    await write(chunk);
  }
  await reader.read(tarPadding(size));
  return hash.digest('hex');
}

/** Apply the bundle read from `source` to `target`; resolves with the manifest once the slot is ready to be tried. */
export async function applyBundle(source: AsyncIterable<Buffer>, key: KeyObject, target: ApplyTarget, progress: ApplyProgress = () => undefined): Promise<Manifest> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  const entryPath = join(target.espDir, 'loader', 'entries', entryName(target.slot));
  await rm(entryPath, { force: true });
  const manifest = verifiedManifest(await readSmall(reader, 'manifest.json', 64 * 1024), await readSmall(reader, 'manifest.sig', 1024), key);
  progress('verified');
  if (manifest.rootSize > target.slotSize) throw new UpdateError('CC_UPDATE_TOO_BIG', `${manifest.rootSize} > ${target.slotSize} bytes`);
  const staging = join(target.espDir, `cc-${target.slot}.new`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const seen = new Set<string>();
  for (;;) {
    const m = await member(reader);
    if (!m) break;
    const spec = [manifest.root, manifest.kernel, manifest.initrd].find((s) => s.name === m.name);
    if (!spec || seen.has(m.name)) throw new UpdateError('CC_UPDATE_NOT_A_BUNDLE', `unexpected member ${m.name}`);
    seen.add(m.name);
    if (m.size !== spec.size) throw new UpdateError('CC_UPDATE_DIGEST_MISMATCH', `${m.name}: ${m.size} bytes, manifest says ${spec.size}`);
    let digest: string;
    if (spec === manifest.root) {
      const fh = await open(target.slotDevice, 'r+');
      let written = 0;
      try {
        const gunzip = createGunzip();
        const pending: Promise<void>[] = [];
        let failed: Error | undefined;
        gunzip.on('data', (chunk: Buffer) => {
          if (written + chunk.length > target.slotSize) failed ??= new UpdateError('CC_UPDATE_TOO_BIG');
          if (failed) return;
          const at = written;
          written += chunk.length;
          gunzip.pause();
          pending.push(fh.write(chunk, 0, chunk.length, at).then(() => void gunzip.resume()));
        });
        // A corrupt stream ends the inflate: the rest of the member is still read (and hashed) so the error names the member.
        const ended = new Promise<void>((resolve) => {
          gunzip.once('end', resolve);
          gunzip.once('close', resolve);
          gunzip.once('error', (err) => {
            failed ??= new UpdateError('CC_UPDATE_DIGEST_MISMATCH', `root image: ${err.message}`);
            resolve();
          });
        });
        const feed = (chunk: Buffer) => new Promise<void>((resolve) => {
          if (failed || gunzip.write(chunk)) return resolve();
          const go = () => {
            gunzip.off('drain', go);
            gunzip.off('error', go);
            resolve();
          };
          gunzip.once('drain', go);
          gunzip.once('error', go);
        });
        digest = await streamMember(reader, m.size, feed);
        if (failed) gunzip.destroy();
        else gunzip.end();
        await ended;
        await Promise.all(pending);
        if (failed) throw failed;
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (written !== manifest.rootSize) throw new UpdateError('CC_UPDATE_DIGEST_MISMATCH', `root image: ${written} bytes, manifest says ${manifest.rootSize}`);
      progress('root', written);
    } else {
      const out = await open(join(staging, spec === manifest.kernel ? 'vmlinuz' : 'initrd.img'), 'w');
      try {
        digest = await streamMember(reader, m.size, async (chunk) => void (await out.write(chunk)));
        await out.sync();
      } finally {
        await out.close();
      }
      progress(spec === manifest.kernel ? 'kernel' : 'initrd', m.size);
    }
    if (digest !== spec.sha256) throw new UpdateError('CC_UPDATE_DIGEST_MISMATCH', m.name);
  }
  for (const s of [manifest.root, manifest.kernel, manifest.initrd]) if (!seen.has(s.name)) throw new UpdateError('CC_UPDATE_DIGEST_MISMATCH', `${s.name} missing from the bundle`);
  const final = join(target.espDir, `cc-${target.slot}`);
  await rm(final, { recursive: true, force: true });
  await rename(staging, final);
  await mkdir(join(target.espDir, 'loader', 'entries'), { recursive: true });
  await writeFile(`${entryPath}.tmp`, bootEntry(target.slot, { version: manifest.version, cmdline: manifest.cmdline }));
  await rename(`${entryPath}.tmp`, entryPath);
  await target.bootctl(['set-oneshot', entryName(target.slot)]);
  progress('done');
  return manifest;
}
