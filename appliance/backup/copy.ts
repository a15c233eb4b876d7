// Copy one file while hashing it, in 1 MiB chunks, fsync'd at the end, stoppable between
// chunks: the recordings' way onto (and back off) a backup disk.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;

export async function copyHashed(
  src: string,
  dst: string,
  opts: { onBytes?: (n: number) => void; signal?: AbortSignal } = {},
): Promise<{ bytes: number; sha256: string }> {
  const input = await open(src, 'r');
  try {
    const output = await open(dst, 'w');
    try {
      const h = createHash('sha256');
      const buf = Buffer.allocUnsafe(CHUNK);
      let bytes = 0;
      for (;;) {
        opts.signal?.throwIfAborted();
        const { bytesRead } = await input.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        h.update(buf.subarray(0, bytesRead));
        let off = 0;
        while (off < bytesRead) off += (await output.write(buf, off, bytesRead - off)).bytesWritten;
        bytes += bytesRead;
        opts.onBytes?.(bytesRead);
      }
      await output.sync();
      return { bytes, sha256: h.digest('hex') };
    } finally {
      await output.close().catch(() => undefined);
    }
  } finally {
    await input.close();
  }
}
