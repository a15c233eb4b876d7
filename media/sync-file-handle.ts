// A file behind the WavFileHandle interface whose calls do their I/O synchronously (pwrite,
// ftruncate, fdatasync, close on the calling thread) and return settled promises. For the
// recording worker thread only, which owns nothing else that could wait: there, node's
// FileHandle sent every write through libuv's thread pool, and handing it over (a queue
// mutex, a wake-up, a promise) cost the thread about a third of its CPU on the 2-core box
// (cpuprofile of bench:media, 2026-11-27), far more than the writes themselves into the page
// cache. Errors are thrown as by node:fs (code ENOSPC etc.), i.e. the promise rejects.
import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { WavFileHandle } from './wav-writer.ts';

export class SyncFileHandle implements WavFileHandle {
  private fd: number | undefined;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Opens `path` as fs.open would with `flags` ('wx' never clobbers); rejects as fs.open does. */
  static async open(path: string, flags: string): Promise<SyncFileHandle> {
    return new SyncFileHandle(openSync(path, flags));
  }

  private get open(): number {
    if (this.fd === undefined) throw Object.assign(new Error('the file is closed'), { code: 'EBADF' });
    return this.fd;
  }

  async write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }> {
    return { bytesWritten: writeSync(this.open, buffer, offset, length, position) };
  }

  async truncate(length: number): Promise<void> {
    ftruncateSync(this.open, length);
  }

  async datasync(): Promise<void> {
    fdatasyncSync(this.open);
  }

  async close(): Promise<void> {
    const fd = this.open;
    this.fd = undefined;
    closeSync(fd);
  }
}
