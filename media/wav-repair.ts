// Finishing a WAV file its writer never closed (a crash, kill -9, a power cut): the sizes in
// its header (RIFF, data, and fact for G.711) are made to match the audio actually on disk,
// cut back to the last whole frame. A file too short to hold its header gets a fresh header
// for the format the caller says it was written in. Works on the file in place; reads only
// the header. Encrypted recordings (.ccrec) are not WAV on disk and are not touched here.
import { open } from 'node:fs/promises';
import { WavError } from './wav.ts';
import type { WavWriterEncoding } from './wav-writer.ts';

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
/** How far into the file the data chunk may start (headers of this box are 44 or 58 bytes). */
const MAX_HEADER = 4096;

export interface WavRepairResult {
  /** File size after the repair (header + whole frames). */
  bytes: number;
  frames: number;
  durationMs: number;
  /** Whether anything had to change (sizes, a partial frame, a missing header). */
  changed: boolean;
  /** The header was missing or unreadable and was written anew from `fallback`. */
  rewroteHeader: boolean;
}

/** The format the writer used, for a file whose header never made it to disk. */
export interface WavFallback {
  channels: 1 | 2;
  encoding: WavWriterEncoding;
}

interface Layout {
  channels: number;
  sampleRate: number;
  blockAlign: number;
  dataOffset: number;
  /** Offset of the fact chunk's sample count, if there is one. */
  factAt?: number;
}

/**
 * Make the header of the WAV at `path` describe the audio on disk. Throws a WavError
 * (CC_MEDIA_WAV_INVALID) when the file is not a WAV and no `fallback` is given, or
 * CC_MEDIA_WAV_WRITE_FAILED when it cannot be read or written.
 */
export async function repairWav(path: string, fallback?: WavFallback): Promise<WavRepairResult> {
  let fh;
  try {
    fh = await open(path, 'r+');
  } catch (err) {
    throw new WavError('CC_MEDIA_WAV_WRITE_FAILED', `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(size, MAX_HEADER));
    if (head.length) await fh.read(head, 0, head.length, 0);
    let layout = parseLayout(head);
    let rewroteHeader = false;
    if (!layout) {
      if (!fallback) throw new WavError('CC_MEDIA_WAV_INVALID', `${path}: no RIFF/WAVE header with fmt and data chunks`);
      // The header never reached the disk (or is garbage): what follows byte 0 cannot be trusted as audio.
      const header = freshHeader(fallback, 0);
      await fh.truncate(0);
      await fh.write(header, 0, header.length, 0);
      layout = parseLayout(header)!;
      rewroteHeader = true;
    }
    const current = rewroteHeader ? layout.dataOffset : size;
    const frames = Math.floor(Math.max(0, current - layout.dataOffset) / layout.blockAlign);
    const dataBytes = frames * layout.blockAlign;
    const end = layout.dataOffset + dataBytes;
    let changed = rewroteHeader;
    if (end !== current) {
      await fh.truncate(end);
      changed = true;
    }
    const sizes = Buffer.alloc(4);
    const patch = async (at: number, value: number) => {
      const old = Buffer.alloc(4);
      await fh.read(old, 0, 4, at);
      if (old.readUInt32LE(0) === value) return;
      sizes.writeUInt32LE(value, 0);
      await fh.write(sizes, 0, 4, at);
      changed = true;
    };
    await patch(4, end - 8);
    await patch(layout.dataOffset - 4, dataBytes);
    if (layout.factAt !== undefined) await patch(layout.factAt, frames);
    if (changed) await fh.datasync();
    return { bytes: end, frames, durationMs: (frames * 1000) / layout.sampleRate, changed, rewroteHeader };
  } catch (err) {
    if (err instanceof WavError) throw err;
    throw new WavError('CC_MEDIA_WAV_WRITE_FAILED', `repairing ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Where the fmt, fact and data chunks are; undefined when this is not a usable WAV header. */
function parseLayout(buf: Buffer): Layout | undefined {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let pos = 12;
  let fmt: { channels: number; sampleRate: number; blockAlign: number } | undefined;
  let factAt: number | undefined;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    if (id === 'data') {
      if (!fmt || fmt.blockAlign < 1) return undefined;
      return { ...fmt, dataOffset: pos + 8, factAt };
    }
    if (!/^[\x20-\x7e]{4}$/.test(id)) return undefined;
    if (id === 'fmt ') {
      if (size < 16 || pos + 8 + 16 > buf.length) return undefined;
      const channels = buf.readUInt16LE(pos + 10);
      const sampleRate = buf.readUInt32LE(pos + 12);
      const blockAlign = buf.readUInt16LE(pos + 20);
      if (channels < 1 || sampleRate < 1000 || blockAlign < 1) return undefined;
      fmt = { channels, sampleRate, blockAlign };
    } else if (id === 'fact' && size >= 4) factAt = pos + 8;
    pos += 8 + size + (size & 1);
  }
  return undefined;
}

/** The header this box's WavFileWriter writes for an encoding (wav-writer.ts), for `dataBytes` of audio. */
export function freshHeader(f: WavFallback, dataBytes: number): Buffer {
  const pcm = f.encoding === 'pcm16';
  const bytesPerSample = pcm ? 2 : 1;
  const blockAlign = f.channels * bytesPerSample;
  const headerLength = pcm ? 44 : 58;
  const rate = 8000;
  const h = Buffer.alloc(headerLength);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(headerLength - 8 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(pcm ? 16 : 18, 16);
  h.writeUInt16LE(pcm ? FORMAT_PCM : f.encoding === 'alaw' ? FORMAT_ALAW : FORMAT_ULAW, 20);
  h.writeUInt16LE(f.channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bytesPerSample * 8, 34);
  let at = 36;
  if (!pcm) {
    h.writeUInt16LE(0, 36);
    h.write('fact', 38, 'latin1');
    h.writeUInt32LE(4, 42);
    h.writeUInt32LE(dataBytes / blockAlign, 46);
    at = 50;
  }
  h.write('data', at, 'latin1');
  h.writeUInt32LE(dataBytes, at + 4);
  return h;
}
