// Diagnostics the technician runs from the console: a SIP OPTIONS ping (UDP, from an
// ephemeral port, answered or not within the timeout, with the round-trip time) and a disk
// write test (write, fsync, read back and compare a file under the data directory, then
// remove it). Each returns plain data; nothing here prints.
import dgram from 'node:dgram';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface OptionsResult {
  target: string;
  status?: number;
  reason?: string;
  ms?: number;
  error?: string;
}

export async function sipOptions(o: { host: string; port: number; timeoutMs?: number }): Promise<OptionsResult> {
  const target = `${o.host}:${o.port}`;
  const sock = dgram.createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, () => resolve());
    });
    const local = sock.address();
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const callId = `${randomBytes(8).toString('hex')}@console`;
    const tag = randomBytes(4).toString('hex');
    const localHost = o.host === '127.0.0.1' || o.host === 'localhost' ? '127.0.0.1' : '0.0.0.0';
    const msg = [
      `OPTIONS sip:${target} SIP/2.0`,
      `Via: SIP/2.0/UDP ${localHost}:${local.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:console@${localHost}>;tag=${tag}`,
      `To: <sip:${target}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      `Contact: <sip:console@${localHost}:${local.port}>`,
      'User-Agent: CallCenterBox-console',
      'Accept: application/sdp',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const started = performance.now();
    const answer = new Promise<OptionsResult>((resolve) => {
      const timer = setTimeout(() => resolve({ target, error: `no answer within ${o.timeoutMs ?? 3000} ms` }), o.timeoutMs ?? 3000);
      sock.on('message', (buf) => {
        const text = buf.toString('utf8');
        const m = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)/.exec(text);
        if (!m || !text.includes(callId) || m[1]!.startsWith('1')) return;
        clearTimeout(timer);
        resolve({ target, status: Number(m[1]), reason: m[2], ms: Math.round((performance.now() - started) * 10) / 10 });
      });
    });
    sock.send(msg, o.port, o.host);
    return await answer;
  } catch (err) {
    return { target, error: (err as Error).message };
  } finally {
    sock.close();
  }
}

export interface DiskTestResult {
  dir: string;
  bytes: number;
  writeMBps: number;
  readMBps: number;
  ok: boolean;
  error?: string;
}

export function diskWriteTest(dir: string, bytes = 16 * 1024 * 1024): DiskTestResult {
  const file = join(dir, `.disk-test-${process.pid}-${Date.now()}`);
  const data = randomBytes(bytes);
  const want = createHash('sha256').update(data).digest('hex');
  const mbps = (ms: number) => Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 10) / 10;
  try {
    const t0 = performance.now();
    const fd = openSync(file, 'w');
    try {
      for (let off = 0; off < bytes; off += 1024 * 1024) writeSync(fd, data, off, Math.min(1024 * 1024, bytes - off));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const t1 = performance.now();
    const back = readFileSync(file);
    const t2 = performance.now();
    const ok = createHash('sha256').update(back).digest('hex') === want;
    return { dir, bytes, writeMBps: mbps(t1 - t0), readMBps: mbps(t2 - t1), ok, ...(ok ? {} : { error: 'read back differs from what was written' }) };
  } catch (err) {
    return { dir, bytes, writeMBps: 0, readMBps: 0, ok: false, error: (err as Error).message };
  } finally {
    rmSync(file, { force: true });
  }
}
