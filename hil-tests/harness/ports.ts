// Free ports for whole-box tests: ask the kernel for a port free on both UDP and TCP.
import dgram from 'node:dgram';
import net from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, host, () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, host, () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

/** Whether `port` is free on TCP at `host` now. */
export function tcpFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** A block of `count` consecutive free UDP ports (for RTP ranges). */
export async function freeRange(count: number, host = '127.0.0.1'): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = 30000 + Math.floor(Math.random() * 30000);
    const ok = await Promise.all(
      Array.from({ length: Math.min(count, 20) }, (_, i) =>
        new Promise<boolean>((resolve) => {
          const s = dgram.createSocket('udp4');
          s.once('error', () => resolve(false));
          s.bind(min + i * Math.floor(count / 20 || 1), host, () => s.close(() => resolve(true)));
        }),
      ),
    );
    if (ok.every(Boolean)) return { min, max: min + count - 1 };
  }
  throw new Error('no free port range');
}
