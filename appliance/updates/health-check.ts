// Is the box healthy after a boot? The daemon's web answers /api/health and its SIP port
// answers OPTIONS with 200, both on loopback, checked until they do or the time runs out.
// Used by the post-boot health unit (health-cli.ts) that commits or rolls back a slot.
import dgram from 'node:dgram';
import https from 'node:https';
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export interface HealthTargets {
  sipPort: number;
  httpPort: number;
  /** When the web is on HTTPS (the plain port only redirects). */
  tlsPort?: number;
}

export function webAnswers(t: HealthTargets, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => resolve(ok);
    const req = t.tlsPort
      ? https.get({ host: '127.0.0.1', port: t.tlsPort, path: '/api/health', rejectUnauthorized: false, timeout: timeoutMs }, (res) => (res.resume(), done(res.statusCode === 200)))
      : http.get({ host: '127.0.0.1', port: t.httpPort, path: '/api/health', timeout: timeoutMs }, (res) => (res.resume(), done(res.statusCode === 200)));
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
  });
}

export function sipAnswers(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const branch = `z9hG4bK-health-${randomBytes(6).toString('hex')}`;
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('error', () => finish(false));
    sock.on('message', (msg) => {
      const text = msg.toString('latin1');
      if (text.includes(branch)) finish(/^SIP\/2\.0 200 /.test(text));
    });
    sock.bind(0, '127.0.0.1', () => {
      const { port: local } = sock.address();
      const request = [
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:health@127.0.0.1>;tag=${randomBytes(4).toString('hex')}`,
        `To: <sip:127.0.0.1:${port}>`,
        `Call-ID: health-${randomBytes(8).toString('hex')}@127.0.0.1`,
        'CSeq: 1 OPTIONS',
        'User-Agent: callcenter-health',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(request, port, '127.0.0.1');
    });
  });
}

/**
 * Both answer within `deadlineMs` (checked every `everyMs`). `hopeless`, asked after each
 * failed check, ends the wait early with its reason (a daemon that keeps exiting at start
 * will not become healthy: no need to sit out the whole deadline before rolling back).
 */
export async function waitHealthy(t: HealthTargets, deadlineMs: number, everyMs = 2000, log: (msg: string) => void = () => undefined,
  hopeless: () => Promise<string | undefined> = async () => undefined): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const [web, sip] = await Promise.all([webAnswers(t), sipAnswers(t.sipPort)]);
    if (web && sip) return true;
    log(`not yet healthy: web ${web ? 'up' : 'down'}, SIP ${sip ? 'up' : 'down'}`);
    const why = await hopeless().catch(() => undefined);
    if (why) {
      log(`giving up: ${why}`);
      return false;
    }
    if (Date.now() + everyMs > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `systemctl show` of the daemon's unit: a unit that failed, or restarted `maxRestarts` times, is hopeless. */
export function daemonHopeless(show: string, maxRestarts = 3): string | undefined {
  const prop = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(show)?.[1]?.trim();
  const restarts = Number(prop('NRestarts') ?? 0);
  if (prop('ActiveState') === 'failed') return `the daemon's unit failed (${prop('Result') ?? 'unknown'})`;
  if (restarts >= maxRestarts) return `the daemon exited and was restarted ${restarts} times`;
  return undefined;
}
