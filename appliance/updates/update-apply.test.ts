import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync, createReadStream } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from './bundle-build.ts';
import { applyBundle, type ApplyTarget } from './update-apply.ts';
import { parseTarHeader, tarHeader, UpdateError } from './bundle.ts';
import { committedSlot, healthVerdict, loaderConf, runningSlot, entryVersion } from './slots.ts';

const vendor = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'cc-update-'));
  // A root image: random blocks between long zero runs, like a filesystem with free space.
  const root = Buffer.concat([randomBytes(300_000), Buffer.alloc(700_000), randomBytes(48_576)]);
  writeFileSync(join(dir, 'root.img'), root);
  writeFileSync(join(dir, 'vmlinuz'), randomBytes(70_000));
  writeFileSync(join(dir, 'initrd.img'), randomBytes(90_001));
  writeFileSync(join(dir, 'slot-b'), Buffer.alloc(2 * 1024 * 1024, 0xaa));
  const calls: string[][] = [];
  const target: ApplyTarget = { slot: 'b', slotDevice: join(dir, 'slot-b'), slotSize: 2 * 1024 * 1024, espDir: join(dir, 'esp'), bootctl: async (args) => void calls.push(args) };
  return { dir, root, target, calls, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function bundle(dir: string, name = 'u.ccupdate', key = vendor.privateKey) {
  const out = join(dir, name);
  await buildBundle({ version: '2.0.1', rootImage: join(dir, 'root.img'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), cmdline: 'console=ttyS0 panic=10', privateKey: key }, out);
  return out;
}

const stream = (path: string) => createReadStream(path, { highWaterMark: 7_000 }) as AsyncIterable<Buffer>;

test('a signed bundle is written to the inactive slot, with its kernel, initrd, boot entry and a one-shot boot', async () => {
  const f = fixture();
  try {
    const stages: string[] = [];
    const manifest = await applyBundle(stream(await bundle(f.dir)), vendor.publicKey, f.target, (s) => stages.push(s));
    assert.equal(manifest.version, '2.0.1');
    assert.deepEqual(stages, ['verified', 'root', 'kernel', 'initrd', 'done']);
    const slot = readFileSync(f.target.slotDevice);
    assert.equal(slot.length, 2 * 1024 * 1024, 'a partition is overwritten, never truncated');
    assert.ok(slot.subarray(0, f.root.length).equals(f.root));
    assert.equal(slot[f.root.length], 0xaa);
    assert.ok(readFileSync(join(f.target.espDir, 'cc-b', 'vmlinuz')).equals(readFileSync(join(f.dir, 'vmlinuz'))));
    assert.ok(readFileSync(join(f.target.espDir, 'cc-b', 'initrd.img')).equals(readFileSync(join(f.dir, 'initrd.img'))));
    const entry = readFileSync(join(f.target.espDir, 'loader', 'entries', 'cc-b.conf'), 'utf8');
    assert.match(entry, /^options root=PARTLABEL=root-b ro console=ttyS0 panic=10$/m);
    assert.equal(entryVersion(entry), '2.0.1');
    assert.deepEqual(f.calls, [['set-oneshot', 'cc-b.conf']]);
  } finally {
    f.cleanup();
  }
});

test('a bundle signed by another key is refused before anything is written', async () => {
  const f = fixture();
  try {
    await assert.rejects(applyBundle(stream(await bundle(f.dir, 'x.ccupdate', stranger.privateKey)), vendor.publicKey, f.target), (e: UpdateError) => e.code === 'CC_UPDATE_BAD_SIGNATURE');
    assert.ok(readFileSync(f.target.slotDevice).every((b) => b === 0xaa), 'the slot is untouched');
    assert.equal(f.calls.length, 0);
  } finally {
    f.cleanup();
  }
});

test('a corrupted or truncated bundle leaves the slot unbootable (no entry, no one-shot)', async () => {
  const f = fixture();
  try {
    const good = await bundle(f.dir);
    await applyBundle(stream(good), vendor.publicKey, f.target);
    const bytes = readFileSync(good);
    const flipped = Buffer.from(bytes);
    flipped[3 * 512 + 2000] ^= 0xff; // inside root.img.gz
    writeFileSync(join(f.dir, 'bad.ccupdate'), flipped);
    f.calls.length = 0;
    await assert.rejects(applyBundle(stream(join(f.dir, 'bad.ccupdate')), vendor.publicKey, f.target), (e: UpdateError) => e.code === 'CC_UPDATE_DIGEST_MISMATCH');
    assert.ok(!existsSync(join(f.target.espDir, 'loader', 'entries', 'cc-b.conf')), 'the earlier entry of that slot was removed first');
    assert.equal(f.calls.length, 0);
    writeFileSync(join(f.dir, 'short.ccupdate'), bytes.subarray(0, bytes.length - 60_000));
    await assert.rejects(applyBundle(stream(join(f.dir, 'short.ccupdate')), vendor.publicKey, f.target), (e: UpdateError) => e instanceof UpdateError);
    assert.equal(f.calls.length, 0);
  } finally {
    f.cleanup();
  }
});

test('a root image larger than the slot is refused; anything but a bundle is refused', async () => {
  const f = fixture();
  try {
    await assert.rejects(applyBundle(stream(await bundle(f.dir)), vendor.publicKey, { ...f.target, slotSize: 1000 }), (e: UpdateError) => e.code === 'CC_UPDATE_TOO_BIG');
    writeFileSync(join(f.dir, 'junk'), randomBytes(4096));
    await assert.rejects(applyBundle(stream(join(f.dir, 'junk')), vendor.publicKey, f.target), (e: UpdateError) => e.code === 'CC_UPDATE_NOT_A_BUNDLE');
  } finally {
    f.cleanup();
  }
});

test('tar headers round-trip', () => {
  assert.deepEqual(parseTarHeader(tarHeader('root.img.gz', 123_456_789)), { name: 'root.img.gz', size: 123_456_789, kind: 'file' });
  assert.equal(parseTarHeader(Buffer.alloc(512)), undefined);
});

test('slots: the running one from the kernel command line, the committed one from loader.conf, and what the health check does', () => {
  assert.equal(runningSlot('BOOT_IMAGE=/cc-b/vmlinuz root=PARTLABEL=root-b ro console=ttyS0'), 'b');
  assert.equal(runningSlot('root=/dev/vda1 ro'), undefined);
  assert.equal(committedSlot(loaderConf('a')), 'a');
  assert.deepEqual(healthVerdict(true, 'b', 'a'), { action: 'commit', slot: 'b' }, 'a healthy trial boot is committed');
  assert.deepEqual(healthVerdict(false, 'b', 'a'), { action: 'reboot' }, 'an unhealthy trial boot goes back');
  assert.deepEqual(healthVerdict(false, 'a', 'a'), { action: 'none' }, 'the committed slot has nothing to go back to');
  assert.deepEqual(healthVerdict(true, undefined, undefined), { action: 'none' }, 'not on the appliance');
});
