// The firmware update bundle: one ustar archive whose first two members are manifest.json
// and manifest.sig (ed25519 over the manifest's bytes, by the vendor's update key), followed
// by the members the manifest lists with their sizes and sha256: the new root slot image
// (root.img.gz) and the kernel and initrd it boots with. The box checks the signature before
// reading anything else, and each member's digest while it streams it to the inactive slot;
// nothing becomes bootable until every check passed. Pure parts: the manifest's schema, the
// signature check, and the tar header walk; the streaming is update-apply.ts.
import { createHash, createPublicKey, verify, sign, type KeyObject } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const UpdateErrorCodes = {
  CC_UPDATE_NOT_A_BUNDLE: 'the file is not an update bundle (no manifest.json and manifest.sig at its start)',
  CC_UPDATE_BAD_SIGNATURE: "the bundle's signature does not verify with the box's update key: it was altered or not made by the vendor",
  CC_UPDATE_BAD_MANIFEST: "the bundle's manifest is invalid",
  CC_UPDATE_DIGEST_MISMATCH: 'a member of the bundle does not match its digest in the manifest (corrupted or truncated); the slot was not made bootable',
  CC_UPDATE_TOO_BIG: 'the new root image is larger than the slot partition',
  CC_UPDATE_NOT_ON_APPLIANCE: 'updates apply only on the appliance image (no A/B root slots here)',
  CC_UPDATE_BUSY: 'an update is being applied already',
  CC_UPDATE_NO_SUCH_BUNDLE: 'no such update bundle on the attached disks (a *.ccupdate file in the root of a disk mounted under the mount directory)',
} as const;
export type UpdateErrorCode = keyof typeof UpdateErrorCodes;

export class UpdateError extends Error {
  constructor(readonly code: UpdateErrorCode, detail?: string) {
    super(detail ? `${UpdateErrorCodes[code]}: ${detail}` : UpdateErrorCodes[code]);
    this.name = 'UpdateError';
  }
}

const Member = Type.Object({
  name: Type.String({ pattern: '^[a-zA-Z0-9._-]{1,64}$' }),
  size: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
}, { additionalProperties: false });

export const ManifestSchema = Type.Object({
  format: Type.Literal(1),
  product: Type.Literal('callcenter-box'),
  version: Type.String({ pattern: '^[0-9A-Za-z.+_-]{1,64}$' }),
  createdAt: Type.String({ maxLength: 40 }),
  /** The root slot image, gzip-compressed; `rootSize` is its size once written to the slot. */
  root: Member,
  rootSize: Type.Integer({ minimum: 1 }),
  kernel: Member,
  initrd: Member,
  /** Kernel command line added after root=... (e.g. console settings). */
  cmdline: Type.String({ maxLength: 512, default: '' }),
}, { additionalProperties: false });
export type Manifest = Static<typeof ManifestSchema>;

export function parseManifest(bytes: Buffer): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UpdateError('CC_UPDATE_BAD_MANIFEST', 'not JSON');
  }
  const withDefaults = Value.Default(ManifestSchema, doc);
  const first = Value.Errors(ManifestSchema, withDefaults).First();
  if (first) throw new UpdateError('CC_UPDATE_BAD_MANIFEST', `${first.path || '/'}: ${first.message}`);
  return withDefaults as Manifest;
}

export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}

/** The manifest, if `signature` is the update key's ed25519 signature of exactly these bytes. */
export function verifiedManifest(manifestBytes: Buffer, signature: Buffer, key: KeyObject): Manifest {
  if (!verify(null, manifestBytes, key, signature)) throw new UpdateError('CC_UPDATE_BAD_SIGNATURE');
  return parseManifest(manifestBytes);
}

export function signManifest(manifestBytes: Buffer, privateKey: KeyObject): Buffer {
  return sign(null, manifestBytes, privateKey);
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ---- ustar ----

export interface TarEntry {
  name: string;
  size: number;
  /** 'file' for regular files; anything else is skipped by the reader. */
  kind: 'file' | 'other';
}

/** A 512-byte ustar header block: the entry, or undefined for an end-of-archive (zero) block. */
export function parseTarHeader(block: Buffer): TarEntry | undefined {
  if (block.length !== 512) throw new UpdateError('CC_UPDATE_NOT_A_BUNDLE', 'short tar header');
  if (block.every((b) => b === 0)) return undefined;
  const field = (off: number, len: number) => block.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, '');
  const stored = Number.parseInt(field(148, 8).trim() || '0', 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  if (sum !== stored) throw new UpdateError('CC_UPDATE_NOT_A_BUNDLE', 'tar header checksum');
  const prefix = field(345, 155);
  const name = (prefix ? `${prefix}/` : '') + field(0, 100);
  const sizeField = block.subarray(124, 136);
  // GNU base-256 size for members over 8 GiB (first byte has the high bit set).
  const size = sizeField[0]! & 0x80 ? Number(sizeField.subarray(4).readBigUInt64BE(0)) : Number.parseInt(field(124, 12).trim() || '0', 8);
  const type = field(156, 1);
  return { name: name.replace(/^\.\//, ''), size, kind: type === '0' || type === '' ? 'file' : 'other' };
}

/** A ustar header for a regular file (for building bundles and for tests). */
export function tarHeader(name: string, size: number, mtime = 0): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, 100, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write(Math.floor(mtime).toString(8).padStart(11, '0') + '\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

export const tarPadding = (size: number) => (512 - (size % 512)) % 512;
