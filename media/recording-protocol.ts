// The messages between the RecordingHub (main thread) and a recording worker thread, and the
// plain-data types both sides share. Types only (plus the worker's options): nothing here may
// hold a socket, a file or a timer, since every value crosses postMessage.
import type { G711Codec } from './g711.ts';
import type { RecordingKey } from './recording-crypto.ts';

export type RecorderSide = 'caller' | 'callee';
export const RECORDER_SIDES: readonly RecorderSide[] = ['caller', 'callee'];

/** What a recording is: where it goes, and which RTP is its audio. */
export interface RecordingSpec {
  path: string;
  /** The call's codec: the file is G.711 in this law (WAV format tag 7 μ-law, 6 A-law), 2 channels, 8 kHz. */
  codec: G711Codec;
  /** RTP payload type of that codec on the recorder's consumers; other payload types are not audio. */
  payloadType: number;
  /** Sides whose audio is decoded and searched for in-band DTMF (all other audio is never decoded). */
  inbandDtmf: RecorderSide[];
  /** Encrypt the file at rest with this box key (recording-crypto.ts); the path should end in .ccrec. */
  encryption?: RecordingKey;
}

export interface RecordingSummary {
  path: string;
  /** Size of the file on disk (encrypted: with the encryption's overhead). */
  bytes: number;
  durationMs: number;
  sha256: string;
  /** Set when the recording stopped early (e.g. CC_MEDIA_DISK_FULL). */
  stoppedBy?: string;
  /** 20 ms frames per side filled with silence after that side's audio had started (gaps). */
  filledFrames: Record<RecorderSide, number>;
}

export interface RecordingWorkerOptions {
  /** Address the worker's UDP socket binds (a free port is chosen). */
  address: string;
  /** SO_RCVBUF asked for, bytes (the kernel caps it at net.core.rmem_max and doubles it). */
  recvBufferSize: number;
  /** Nice value for the worker thread (Linux: per thread), 0 = as the process. */
  niceness: number;
  /** How often each file gets its buffered audio and an updated header (ms of audio and wall time). */
  flushIntervalMs: number;
}

export interface RecordingWorkerStats {
  /** RTP packets received, and those with an SSRC no recording follows. */
  received: number;
  /** Batch datagrams among them (the patched worker's, recording-batch.ts); 0 from an unpatched worker. */
  batches: number;
  unknown: number;
  /** Audio bytes that arrived after their place in the file was written (over 500 ms late). */
  lateBytes: number;
  /** Streams placed anew after a timestamp jump or a run of late packets. */
  reanchors: number;
  /** Receive path: 'fd' (batched synchronous reads) or 'events' (one dgram 'message' per packet). */
  receive: 'fd' | 'events';
  recordings: number;
  /** SO_RCVBUF the kernel granted. */
  recvBufferBytes: number;
}

export type ToWorker =
  | { type: 'open'; id: number; spec: RecordingSpec }
  | { type: 'follow'; id: number; side: RecorderSide; ssrc: number | undefined }
  | { type: 'stop'; id: number }
  | { type: 'stats'; id: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; ip: string; port: number; recvBufferBytes: number }
  | { type: 'opened'; id: number }
  | { type: 'open-failed'; id: number; code: string; message: string }
  | { type: 'failed'; id: number; code: string; message: string }
  | { type: 'digit'; id: number; side: RecorderSide; digit: string }
  | { type: 'stopped'; id: number; summary: RecordingSummary }
  | { type: 'stats'; id: number; stats: RecordingWorkerStats };
