// A recording's audio as the player gets it: the plaintext WAV's length and any byte range of
// it as a stream, whether the file on disk is plain or encrypted at rest (.wav.ccrec, read
// with media/recording-crypto.ts's createDecryptStream). An encrypted file's plaintext length
// is found by decrypting it once (which also authenticates every record before a byte is
// served) and remembered per file (path, size, mtime); a range of it is decrypted from the
// start of the file and cut to the range. Reads files only; never writes or deletes.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createDecryptStream, ENCRYPTED_RECORDING_EXTENSION, RecordingCryptoError, type RecordingKeyLookup } from '../../media/recording-crypto.ts';
import { RecordingsError } from './errors.ts';

export interface RecordingAudio {
  /** Bytes of the plaintext WAV. */
  length: number;
  encrypted: boolean;
  /** Bytes start..end (inclusive) of the plaintext WAV. */
  stream(start: number, end: number): Readable;
}

const lengths = new Map<string, number>();
const MAX_REMEMBERED = 1000;

function unreadable(err: unknown): RecordingsError {
  const detail = err instanceof RecordingCryptoError ? `${err.code}: ${err.message}` : (err as Error).message;
  return new RecordingsError('CC_RECORDINGS_UNREADABLE', `the recording could not be read or decrypted (${detail})`);
}

/** Bytes start..end (inclusive) of what `source` yields; stops reading (and closes it) after `end`. */
export async function* sliceStream(source: AsyncIterable<Buffer>, start: number, end: number): AsyncGenerator<Buffer> {
  let at = 0;
  for await (const chunk of source) {
    const from = at;
    at += chunk.length;
    if (at <= start) continue;
    const a = Math.max(0, start - from);
    const b = Math.min(chunk.length, end + 1 - from);
    if (b > a) yield chunk.subarray(a, b);
    if (at > end) return;
  }
}

async function plaintextLength(path: string, keys: RecordingKeyLookup): Promise<number> {
  const st = await stat(path);
  const id = `${path}\n${st.size}\n${st.mtimeMs}`;
  const known = lengths.get(id);
  if (known !== undefined) return known;
  let length = 0;
  for await (const chunk of createDecryptStream(path, keys)) length += (chunk as Buffer).length;
  if (lengths.size >= MAX_REMEMBERED) lengths.delete(lengths.keys().next().value!);
  lengths.set(id, length);
  return length;
}

/** Opens a recording file for playback; coded RecordingsError when it is missing or unreadable. */
export async function openRecordingAudio(path: string, keys: RecordingKeyLookup): Promise<RecordingAudio> {
  const encrypted = path.endsWith(ENCRYPTED_RECORDING_EXTENSION);
  let length: number;
  try {
    length = encrypted ? await plaintextLength(path, keys) : (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RecordingsError('CC_RECORDINGS_FILE_MISSING', `the recording file ${path} is not on disk`);
    throw unreadable(err);
  }
  return {
    length,
    encrypted,
    stream: (start, end) => (encrypted ? Readable.from(sliceStream(createDecryptStream(path, keys), start, end)) : createReadStream(path, { start, end })),
  };
}
