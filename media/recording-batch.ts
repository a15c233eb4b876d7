// The datagrams the patched mediasoup worker sends to a recording thread (worker patch
// 0005-recording-batch.patch): a consumer whose MID starts with RECORDING_BATCH_MID does not
// send each RTP packet on its own; the worker gathers every such packet bound for the same
// socket and sends them every few ms as one datagram: the 4 bytes "CCRB", then per packet a
// 16-bit big-endian length and the packet. A plain RTP datagram never starts with "CCRB"
// (its first byte has version bits 10; 'C' is 0x43), so a thread takes both.

/** MID prefix of a recorder's consumers: asks the worker to batch their packets. */
export const RECORDING_BATCH_MID = 'recb';

/**
 * The MID of a recorder's `n`th consumer. mediasoup writes a consumer's MID into its packets'
 * header extension space and logs an error per packet for one over 8 characters, so this
 * stays within 8: the prefix and at most 4 digits.
 */
export function recordingBatchMid(n: number): string {
  return `${RECORDING_BATCH_MID}${Math.abs(Math.trunc(n)) % 10_000}`;
}

const MAGIC = [0x43, 0x43, 0x52, 0x42]; // "CCRB"

/** True when the first `length` bytes of `buf` are a batch datagram. */
export function isRecordingBatch(buf: Uint8Array, length: number): boolean {
  return length >= 4 && buf[0] === MAGIC[0] && buf[1] === MAGIC[1] && buf[2] === MAGIC[2] && buf[3] === MAGIC[3];
}

/**
 * Calls `onPacket(start, end)` for each packet of the batch in `buf[0, length)`, in order.
 * A length running past the datagram ends the walk (the rest is not trusted).
 */
export function forEachBatchedPacket(buf: Uint8Array, length: number, onPacket: (start: number, end: number) => void): void {
  let at = 4;
  while (at + 2 <= length) {
    const size = (buf[at] << 8) | buf[at + 1];
    const start = at + 2;
    const end = start + size;
    if (size === 0 || end > length) break;
    onPacket(start, end);
    at = end;
  }
}
