// Encrypted recordings: the WAV writer writes through the encrypting handle, the file holds no
// plaintext, decrypting gives back exactly the WAV an unencrypted writer leaves, a crash loses
// at most the last record, and tampering or a wrong key is a coded error, never wrong audio.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open as fsOpen } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeUlaw } from './g711.ts';
import {
  EncryptedFileHandle, createDecryptStream, decryptRecording, isEncryptedRecording, type RecordingCryptoErrorCode, type RecordingKey,
} from './recording-crypto.ts';
import { RecordingSession } from './recording-session.ts';
import { readWav } from './wav.ts';
import { WavFileWriter } from './wav-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'rec-crypto-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = (ext = '.wav') => join(dir, `f${++n}${ext}`);

const boxKey: RecordingKey = { id: 'box-2026-1', key: randomBytes(32) };
const keys = (id: string) => (id === boxKey.id ? boxKey.key : undefined);
const coded = (code: RecordingCryptoErrorCode) => (e: { code?: string }) => e.code === code;

function stereoFrames(seconds: number): Buffer[] {
  const out: Buffer[] = [];
  for (let f = 0; f < seconds * 50; f++) {
    const s = new Int16Array(320);
    for (let i = 0; i < 160; i++) {
      const t = (f * 160 + i) / 8000;
      s[2 * i] = Math.round(9000 * Math.sin(2 * Math.PI * 500 * t));
      s[2 * i + 1] = Math.round(9000 * Math.sin(2 * Math.PI * 1500 * t));
    }
    out.push(encodeUlaw(s));
  }
  return out;
}

/** The same audio written plainly and encrypted (WavFileWriter flushing every 200 ms). */
async function writeBoth(seconds: number): Promise<{ plain: string; enc: string }> {
  const plain = tmp();
  const enc = tmp('.wav.ccrec');
  const frames = stereoFrames(seconds);
  for (const [path, openFile] of [[plain, undefined], [enc, EncryptedFileHandle.opener(boxKey)]] as const) {
    const w = await WavFileWriter.open(path, { channels: 2, encoding: 'ulaw', flushIntervalMs: 200, openFile });
    for (const f of frames) {
      w.appendEncoded(f);
      await new Promise((r) => setImmediate(r));
    }
    await w.close();
  }
  return { plain, enc };
}

test('an encrypted recording decrypts to exactly the WAV the writer would have left, and holds no plaintext', async () => {
  const { plain, enc } = await writeBoth(3);
  const file = readFileSync(enc);
  assert.ok(isEncryptedRecording(file));
  assert.ok(!isEncryptedRecording(readFileSync(plain)));
  assert.equal(file.indexOf('RIFF'), -1, 'no WAV header in the clear');
  assert.equal(file.indexOf(readFileSync(plain).subarray(2000, 2032)), -1, 'no audio in the clear');
  const out = decryptRecording(file, keys);
  assert.equal(out.complete, true);
  assert.equal(out.keyId, 'box-2026-1');
  assert.ok(out.data.equals(readFileSync(plain)));
  assert.equal(readWav(out.data).samples[0].length, 3 * 8000);
  // Overhead: the header, and 33 bytes per record (one append and one header patch per flush).
  assert.ok(file.length < out.data.length * 1.05, `${file.length} bytes for ${out.data.length}`);
});

test('the decrypting stream gives the same bytes, header sizes already final, for playback while reading', async () => {
  const { plain, enc } = await writeBoth(2);
  const chunks: Buffer[] = [];
  for await (const c of createDecryptStream(enc, keys)) chunks.push(c as Buffer);
  assert.ok(chunks.length > 2, 'record by record');
  assert.ok(chunks[0].subarray(0, 58).equals(readFileSync(plain).subarray(0, 58)), 'the first bytes out are the final header');
  assert.ok(Buffer.concat(chunks).equals(readFileSync(plain)));
});

test('a file cut inside its last record (a crash) is recovered up to the last whole record', async () => {
  const { enc } = await writeBoth(3);
  const file = readFileSync(enc);
  const whole = decryptRecording(file, keys).data;
  for (const cut of [file.length - 10, file.length - 40, Math.floor(file.length * 0.6)]) {
    const out = decryptRecording(file.subarray(0, cut), keys);
    assert.equal(out.complete, false);
    assert.ok(out.data.length > 0 && out.data.length <= whole.length);
    assert.ok(out.data.subarray(58).equals(whole.subarray(58, out.data.length)), 'the audio that is there is the audio written');
    const wav = readWav(out.data);
    assert.ok(wav.samples[0].length > 0 && wav.samples[0].length <= 3 * 8000);
    const cutFile = tmp('.ccrec');
    writeFileSync(cutFile, file.subarray(0, cut));
    const streamed: Buffer[] = [];
    for await (const c of createDecryptStream(cutFile, keys)) streamed.push(c as Buffer);
    assert.ok(Buffer.concat(streamed).equals(out.data), 'the stream recovers the same');
  }
  // Cut in the middle: the header as last patched never claims more audio than is there.
  const early = decryptRecording(file.subarray(0, Math.floor(file.length * 0.5)), keys).data;
  assert.ok(early.readUInt32LE(54) <= early.length - 58);
  assert.ok(readWav(early).samples[0].length > 0);
});

test('tampering anywhere is detected with a coded error, never decrypted to wrong audio', async () => {
  const { enc } = await writeBoth(2);
  const file = readFileSync(enc);
  const headerLength = 6 + boxKey.id.length + 16 + 8;
  const flip = (at: number) => {
    const b = Buffer.from(file);
    b[at] ^= 0x01;
    return b;
  };
  // A ciphertext byte, a tag byte, a nonce byte, a record's type, the salt.
  for (const at of [headerLength + 5 + 12 + 100, file.length - 40, headerLength + 7, headerLength + 4, 6 + boxKey.id.length + 3]) {
    assert.throws(() => decryptRecording(flip(at), keys), (e: { code?: string }) => e.code === 'CC_MEDIA_RECORDING_TAMPERED' || e.code === 'CC_MEDIA_RECORDING_WRONG_KEY', `flip at ${at}`);
  }
  // Records swapped, or one left out: each record is bound to its place.
  const recs: Buffer[] = [];
  for (let at = headerLength; at < file.length; ) {
    const size = 5 + 12 + file.readUInt32BE(at) + 16;
    recs.push(file.subarray(at, at + size));
    at += size;
  }
  const head = file.subarray(0, headerLength);
  assert.throws(() => decryptRecording(Buffer.concat([head, recs[0], recs[2], recs[1], ...recs.slice(3)]), keys), coded('CC_MEDIA_RECORDING_TAMPERED'));
  assert.throws(() => decryptRecording(Buffer.concat([head, recs[0], ...recs.slice(2)]), keys), coded('CC_MEDIA_RECORDING_TAMPERED'));
  // A record from another file with the same key.
  const other = readFileSync((await writeBoth(1)).enc);
  assert.throws(() => decryptRecording(Buffer.concat([head, other.subarray(headerLength, headerLength + recs[0].length), ...recs.slice(1)]), keys), coded('CC_MEDIA_RECORDING_TAMPERED'));
  // The stream reports it too.
  const bad = tmp('.ccrec');
  writeFileSync(bad, flip(file.length - 200));
  await assert.rejects(async () => {
    for await (const c of createDecryptStream(bad, keys)) void c;
  }, coded('CC_MEDIA_RECORDING_TAMPERED'));
});

test('a wrong key, an unknown key id and a file that is not encrypted each fail with their own code', async () => {
  const { plain, enc } = await writeBoth(1);
  const file = readFileSync(enc);
  assert.throws(() => decryptRecording(file, () => randomBytes(32)), coded('CC_MEDIA_RECORDING_WRONG_KEY'));
  assert.throws(() => decryptRecording(file, () => undefined), coded('CC_MEDIA_RECORDING_KEY_UNKNOWN'));
  assert.throws(() => decryptRecording(readFileSync(plain), keys), coded('CC_MEDIA_RECORDING_FORMAT'));
  await assert.rejects(async () => {
    for await (const c of createDecryptStream(enc, () => randomBytes(32))) void c;
  }, coded('CC_MEDIA_RECORDING_WRONG_KEY'));
  assert.throws(() => EncryptedFileHandle.opener({ id: 'k', key: randomBytes(16) }), RangeError);
});

test('a full disk stops the encrypted recording with CC_MEDIA_DISK_FULL and leaves whole records that decrypt', async () => {
  const path = tmp('.wav.ccrec');
  let limit = 0;
  // The encrypting handle over a file that takes only `limit` bytes.
  const w = await WavFileWriter.open(path, {
    channels: 2,
    encoding: 'ulaw',
    flushIntervalMs: 200,
    openFile: async (p, flags) => {
      const h = await EncryptedFileHandle.open(p, flags, boxKey);
      // Room for the first header (an append record of 58 + 33 bytes), six flushes and 50 bytes.
      limit = h.bytesOnDisk + 91 + 6 * (3233 + 99) + 50;
      const fh = await fsOpen(p, 'r+');
      // Wrap the handle's own file writes: fail once the limit is reached.
      const inner = (h as unknown as { fh: { write: typeof fh.write } }).fh;
      const write = inner.write.bind(inner);
      inner.write = (async (buf: Buffer, off: number, len: number, pos: number) => {
        if (pos + len > limit) {
          if (pos < limit) await write(buf, off, limit - pos, pos);
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return write(buf, off, len, pos);
      }) as typeof fh.write;
      await fh.close();
      return h;
    },
  });
  // A flush every 200 ms of audio, as the recorder's writer does once a second.
  const frames = stereoFrames(3);
  for (let f = 0; f < frames.length; f++) {
    w.appendEncoded(frames[f]);
    if (f % 10 === 9) await w.flush().catch(() => undefined);
  }
  await assert.rejects(w.close(), (e: { code?: string }) => e.code === 'CC_MEDIA_DISK_FULL');
  const file = readFileSync(path);
  assert.ok(file.length <= limit);
  // Each flush is an append record (3,200 bytes + 33) and a header patch (66 + 33); the seventh does not fit.
  const out = decryptRecording(file, keys);
  assert.equal(out.complete, true, 'the end record fitted in what was left');
  assert.equal(out.data.length, 58 + 6 * 3200);
  assert.equal(out.data.readUInt32LE(54), 6 * 3200, 'the header counts the audio that fitted');
  assert.equal(readWav(out.data).samples[0].length, 6 * 1600);
});

test('a recording session with a key writes an encrypted file; its summary has the size and checksum on disk', async () => {
  const path = tmp('.wav.ccrec');
  let t = 0;
  const rec = await RecordingSession.open({ path, codec: 'PCMU', payloadType: 0, inbandDtmf: [], encryption: boxKey }, { onFailed: () => undefined, onDigit: () => undefined, now: () => t });
  const audio = Buffer.concat(stereoFrames(1)).subarray(0, 8000);
  for (let f = 0; f < 50; f++) {
    t = f * 20;
    rec.tick();
    rec.push('caller', audio, f * 160, (f + 1) * 160, f * 160);
  }
  t = 1000;
  const summary = await rec.stop();
  const file = readFileSync(path);
  assert.equal(summary.bytes, file.length);
  assert.equal(summary.durationMs, 1000);
  assert.equal(summary.sha256, (await import('node:crypto')).createHash('sha256').update(file).digest('hex'));
  const wav = decryptRecording(file, keys).data;
  assert.equal(readWav(wav).samples[0].length, 8000);
  const left = Buffer.alloc(8000);
  for (let i = 0; i < 8000; i++) left[i] = wav[58 + 2 * i];
  assert.ok(left.equals(audio));
});
