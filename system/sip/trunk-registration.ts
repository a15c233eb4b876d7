// Keeps the box registered with carriers whose trunk kind is 'register': REGISTER, answer
// the digest challenge with the trunk's credentials, refresh before expiry, back off on
// failure. Reports each trunk's state for monitoring; calls on the trunk don't depend on it.
import type { TrunkConfig } from '../config/schema.ts';
import type { SipEndpoint } from './endpoint.ts';
import type { SipRequest } from './message.ts';
import { answerChallenge } from './digest.ts';
import { newCallId, newTag } from './dialog.ts';

export interface TrunkRegistrationState {
  trunk: string;
  state: 'registering' | 'registered' | 'failed' | 'stopped';
  lastStatus?: number;
  lastError?: string;
  expiresAt?: number;
}

export class TrunkRegistration {
  readonly status: TrunkRegistrationState;
  private readonly callId: string;
  private readonly tag = newTag();
  private cseq = 0;
  private nc = 0;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly endpoint: SipEndpoint,
    private readonly trunk: TrunkConfig,
    private readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void },
    private readonly onChange?: (s: TrunkRegistrationState) => void,
  ) {
    this.callId = newCallId(endpoint.publicAddress);
    this.status = { trunk: trunk.name, state: 'registering' };
  }

  start(): void {
    this.register();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.status.state === 'registered') this.register(0);
    this.set({ state: 'stopped' });
  }

  private get remote() {
    const protocol = this.trunk.transport === 'tcp' ? ('TCP' as const) : this.trunk.transport === 'tls' ? ('TLS' as const) : ('UDP' as const);
    return { protocol, address: this.trunk.host, port: this.trunk.port ?? (protocol === 'TLS' ? 5061 : 5060) };
  }

  private register(expires = this.trunk.registerExpires ?? 600, authorization?: { header: string; value: string }): void {
    const t = this.trunk;
    const aor = `sip:${t.username}@${t.host}`;
    const rq: SipRequest = {
      method: 'REGISTER',
      uri: `sip:${t.host}${t.port && t.port !== 5060 ? ':' + t.port : ''}`,
      version: '2.0',
      headers: {
        via: [this.endpoint.via(this.remote.protocol)],
        from: { uri: aor, params: { tag: this.tag } },
        to: { uri: aor, params: {} },
        'call-id': this.callId,
        cseq: { seq: ++this.cseq, method: 'REGISTER' },
        contact: [{ ...this.endpoint.contact(this.remote.protocol, t.username), params: {} }],
        expires: String(expires),
        'max-forwards': '70',
        ...(authorization ? { [authorization.header]: authorization.value } : {}),
      },
      content: '',
    };
    this.endpoint.sendRequest(rq, this.remote, (rs) => {
      if (rs.status < 200 || this.stopped) return;
      if ((rs.status === 401 || rs.status === 407) && !authorization) {
        const challenge = (rs.status === 401 ? rs.headers['www-authenticate'] : rs.headers['proxy-authenticate'])?.[0];
        if (challenge) {
          try {
            const value = answerChallenge(challenge, { username: t.username!, password: t.password!, method: 'REGISTER', uri: rq.uri, nc: ++this.nc });
            return this.register(expires, { header: rs.status === 401 ? 'authorization' : 'proxy-authorization', value });
          } catch (err) {
            return this.fail(rs.status, `cannot answer challenge: ${(err as Error).message}`);
          }
        }
      }
      if (rs.status >= 300) return this.fail(rs.status, rs.reason);
      if (expires === 0) return;
      const granted = grantedExpires(rs, expires);
      this.failures = 0;
      this.set({ state: 'registered', lastStatus: rs.status, lastError: undefined, expiresAt: Date.now() + granted * 1000 });
      this.schedule(Math.max(5, Math.floor(granted * 0.8)) * 1000);
    });
  }

  private fail(status: number, reason: string): void {
    this.failures++;
    this.set({ state: 'failed', lastStatus: status, lastError: reason });
    this.log.warn({ trunk: this.trunk.name, status, reason }, 'trunk registration failed');
    this.schedule(Math.min(300, 15 * 2 ** Math.min(this.failures - 1, 5)) * 1000);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.register(), ms);
    this.timer.unref();
  }

  private set(patch: Partial<TrunkRegistrationState>): void {
    const before = this.status.state;
    Object.assign(this.status, patch);
    if (before !== this.status.state) {
      this.log.info({ trunk: this.trunk.name, state: this.status.state }, 'trunk registration state');
      this.onChange?.(this.status);
    }
  }
}

function grantedExpires(rs: { headers: Record<string, unknown> }, asked: number): number {
  const contacts = rs.headers.contact;
  if (Array.isArray(contacts)) {
    for (const c of contacts) {
      const e = Number(c?.params?.expires);
      if (Number.isInteger(e) && e > 0) return e;
    }
  }
  const e = Number(rs.headers.expires);
  return Number.isInteger(e) && e > 0 ? e : asked;
}
