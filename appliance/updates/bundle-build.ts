// Making an update bundle (the vendor's side; scripts/build-image.sh calls it, tests too):
// gzip the root slot image, hash every member, write and sign the manifest, and lay the
// members out as a ustar archive in the order the box reads them (bundle.ts).
import { createReadStream, createWriteStream } from 'node:fs';
import { stat, mkdtemp, rm } from 'node:fs/promises';
import { createHash, type KeyObject } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signManifest, tarHeader, tarPadding, type Manifest } from './bundle.ts';

export interface BundleInput {
  version: string;
  rootImage: string;
  kernel: string;
  initrd: string;
  cmdline?: string;
  privateKey: KeyObject;
  now?: Date;
}

async function fileDigest(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Write the bundle to `out`; returns its manifest. */
export async function buildBundle(input: BundleInput, out: string): Promise<Manifest> {
  const work = await mkdtemp(join(tmpdir(), 'cc-bundle-'));
  try {
    const gz = join(work, 'root.img.gz');
    await pipeline(createReadStream(input.rootImage), createGzip({ level: 6 }), createWriteStream(gz));
    const manifest: Manifest = {
      format: 1,
      product: 'callcenter-box',
      version: input.version,
      createdAt: (input.now ?? new Date()).toISOString(),
      root: { name: 'root.img.gz', ...(await fileDigest(gz)) },
      rootSize: (await stat(input.rootImage)).size,
      kernel: { name: 'vmlinuz', ...(await fileDigest(input.kernel)) },
      initrd: { name: 'initrd.img', ...(await fileDigest(input.initrd)) },
      cmdline: input.cmdline ?? '',
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
    const sig = signManifest(manifestBytes, input.privateKey);
    const sink = createWriteStream(out);
    const put = (b: Buffer) => new Promise<void>((resolve, reject) => sink.write(b, (err) => (err ? reject(err) : resolve())));
    const small = async (name: string, bytes: Buffer) => {
      await put(tarHeader(name, bytes.length));
      await put(bytes);
      await put(Buffer.alloc(tarPadding(bytes.length)));
    };
    const file = async (name: string, path: string) => {
      const { size } = await stat(path);
      await put(tarHeader(name, size));
      for await (const chunk of createReadStream(path)) await put(chunk as Buffer);
      await put(Buffer.alloc(tarPadding(size)));
    };
    await small('manifest.json', manifestBytes);
    await small('manifest.sig', sig);
    await file('root.img.gz', gz);
    await file('vmlinuz', input.kernel);
    await file('initrd.img', input.initrd);
    await put(Buffer.alloc(1024));
    await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

