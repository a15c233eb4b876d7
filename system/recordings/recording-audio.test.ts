import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { EncryptedFileHandle, decryptRecording } from '../../media/recording-crypto.ts';
import { readFileSync } from 'node:fs';
import { openRecordingAudio } from './recording-audio.ts';

const dir = mkdtempSync(join(tmpdir(), 'rec-audio-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const KEY = { id: 'recording-1', key: randomBytes(32) };
const keys = (id: string) => (id === KEY.id ? KEY.key : undefined);

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** An encrypted file written like the recorder does: appends of varied sizes (several records), then a patch of the header. */
async function encryptedFile(name: string, plain: Buffer): Promise<string> {
  const path = join(dir, name);
  const fh = await EncryptedFileHandle.open(path, 'wx', KEY);
  const header = Buffer.alloc(44, 0);
  await fh.write(header, 0, 44, 0);
  let at = 44;
  for (const size of [100, 70_000, 1, 5000, 200_000]) {
    const end = Math.min(plain.length, at + size);
    if (end > at) await fh.write(plain, at, end - at, at);
    at = end;
  }
  if (at < plain.length) await fh.write(plain, at, plain.length - at, at);
  await fh.write(plain, 0, 44, 0); // the final header, as a patch record
  await fh.close();
  return path;
}

const PLAIN = randomBytes(300_000);
const RANGES: [number, number][] = [[0, 0], [0, 43], [40, 50], [100, 65_635], [65_530, 65_560], [143, 144], [299_000, 299_999], [0, 299_999], [123_456, 234_567]];

test('a plain recording: its length and every range are the file\'s bytes', async () => {
  const path = join(dir, 'plain.wav');
  writeFileSync(path, PLAIN);
  const audio = await openRecordingAudio(path, keys);
  assert.equal(audio.encrypted, false);
  assert.equal(audio.length, PLAIN.length);
  for (const [s, e] of RANGES) assert.ok((await collect(audio.stream(s, e))).equals(PLAIN.subarray(s, e + 1)), `${s}-${e}`);
});

test('an encrypted recording: the plaintext length, and every range byte-exact against the whole decrypted file', async () => {
  const path = await encryptedFile('enc.wav.ccrec', PLAIN);
  const whole = decryptRecording(readFileSync(path), keys).data;
  assert.ok(whole.equals(PLAIN), 'the fixture decrypts to what was written');
  const audio = await openRecordingAudio(path, keys);
  assert.equal(audio.encrypted, true);
  assert.equal(audio.length, PLAIN.length);
  for (const [s, e] of RANGES) assert.ok((await collect(audio.stream(s, e))).equals(PLAIN.subarray(s, e + 1)), `${s}-${e}`);
});

test('a missing file and a file under an unknown key are coded errors', async () => {
  await assert.rejects(openRecordingAudio(join(dir, 'gone.wav'), keys), { code: 'CC_RECORDINGS_FILE_MISSING' });
  await assert.rejects(openRecordingAudio(join(dir, 'gone.wav.ccrec'), keys), { code: 'CC_RECORDINGS_FILE_MISSING' });
  const path = await encryptedFile('other-key.wav.ccrec', PLAIN.subarray(0, 1000));
  await assert.rejects(openRecordingAudio(path, () => undefined), { code: 'CC_RECORDINGS_UNREADABLE' });
  await assert.rejects(openRecordingAudio(path, () => randomBytes(32)), { code: 'CC_RECORDINGS_UNREADABLE' });
});

test('a tampered encrypted file is refused before any byte is served', async () => {
  const path = await encryptedFile('tampered.wav.ccrec', PLAIN.subarray(0, 100_000));
  const buf = readFileSync(path);
  buf[buf.length - 100] ^= 1;
  writeFileSync(path, buf);
  await assert.rejects(openRecordingAudio(path, keys), { code: 'CC_RECORDINGS_UNREADABLE' });
});
