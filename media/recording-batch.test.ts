// The batch datagram parser against datagrams built here byte by byte as the worker patch
// writes them; the real worker's batches are exercised by the recording tests that run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RECORDING_BATCH_MID, forEachBatchedPacket, isRecordingBatch, recordingBatchMid } from './recording-batch.ts';

function batch(...packets: number[][]): Buffer {
  const parts = [Buffer.from('CCRB')];
  for (const p of packets) parts.push(Buffer.from([p.length >> 8, p.length & 0xff]), Buffer.from(p));
  return Buffer.concat(parts);
}

function walk(buf: Buffer, length = buf.length): number[][] {
  const out: number[][] = [];
  forEachBatchedPacket(buf, length, (start, end) => out.push([...buf.subarray(start, end)]));
  return out;
}

test('a batch is told from plain RTP by its first four bytes', () => {
  assert.equal(isRecordingBatch(batch([0x80, 0]), 6), true);
  assert.equal(isRecordingBatch(Buffer.from([0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), 12), false);
  assert.equal(isRecordingBatch(Buffer.from('CCR'), 3), false);
  assert.equal(isRecordingBatch(Buffer.from('CCRBxx'), 3), false, 'only the first `length` bytes count');
});

test('every packet comes out in order with its own bounds, the longest an RTP packet can be included', () => {
  const big = Array.from({ length: 300 }, (_, i) => i & 0xff);
  assert.deepEqual(walk(batch([1, 2, 3], big, [9])), [[1, 2, 3], big, [9]]);
  assert.deepEqual(walk(batch()), []);
});

test('a length that runs past the datagram, or a zero length, ends the walk without reading past it', () => {
  const b = batch([1, 2], [3, 4, 5]);
  assert.deepEqual(walk(b, b.length - 1), [[1, 2]], 'the second packet is cut short');
  assert.deepEqual(walk(Buffer.concat([batch([7]), Buffer.from([0, 0]), batch([8]).subarray(4)])), [[7]]);
  assert.deepEqual(walk(Buffer.concat([batch([7]), Buffer.from([0])])), [[7]], 'a lone length byte is ignored');
});

test("a recorder consumer's MID has the batch prefix and fits mediasoup's 8 characters", () => {
  for (const n of [1, 2, 999, 9_999, 10_000, 123_456_789]) {
    const mid = recordingBatchMid(n);
    assert.ok(mid.startsWith(RECORDING_BATCH_MID) && mid.length <= 8, mid);
  }
  assert.notEqual(recordingBatchMid(1), recordingBatchMid(2));
});
