// Trunk health: OPTIONS pings to each trunk that asks for them (trunks[].healthCheck), and the
// verdict the call manager consults before sending an INVITE there. A trunk that leaves
// `failuresToDown` pings in a row unanswered within `timeoutSec` is down: outbound calls to
// it fail at once with 503 instead of waiting out the INVITE's 32 s Timer B. Any final
// answer (even 404 or 503: something is there and speaks SIP) counts as alive, and one
// answer brings a down trunk back up. State changes are logged and written as events.
import type { SipEndpoint } from '../sip/endpoint.ts';
import type { SipRequest } from '../sip/message.ts';
import { newCallId, newTag } from '../sip/dialog.ts';
import type { TrunkConfig } from '../config/schema.ts';
import { trunkTarget } from './call-manager.ts';
import type { CallErrorCode } from './errors.ts';

export interface HealthCheckSettings {
  intervalSec: number;
  timeoutSec: number;
  failuresToDown: number;
}

export interface TrunkHealthState {
  trunk: string;
  up: boolean;
  /** Pings in a row without an answer. */
  failures: number;
  /** When `up` last changed (or the first ping). */
  since: number;
  /** Status of the last answer, if any. */
  lastStatus?: number;
}

/** Pure: the state after one ping's outcome (a status, or undefined for no answer in time). */
export function afterPing(prev: TrunkHealthState, status: number | undefined, failuresToDown: number, now: number): TrunkHealthState {
  if (status !== undefined) return { ...prev, up: true, failures: 0, lastStatus: status, since: prev.up ? prev.since : now };
  const failures = prev.failures + 1;
  const up = prev.up && failures < failuresToDown;
  return { ...prev, failures, up, since: up === prev.up ? prev.since : now };
}

/** The settings of a trunk's health check with defaults, or undefined when it has none. */
export function healthSettings(t: TrunkConfig): HealthCheckSettings | undefined {
  const h: Partial<HealthCheckSettings> | undefined = t.healthCheck;
  if (!h) return undefined;
  return { intervalSec: h.intervalSec ?? 30, timeoutSec: h.timeoutSec ?? 5, failuresToDown: h.failuresToDown ?? 2 };
}

export interface TrunkHealthDeps {
  endpoint: SipEndpoint;
  trunks: () => TrunkConfig[];
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
  /** A trunk went down or came back up (e.g. write an event). */
  onChange?: (s: TrunkHealthState) => void;
}

export class TrunkHealth {
  private readonly states = new Map<string, TrunkHealthState>();
  private readonly nextAt = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: TrunkHealthDeps) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether calls to this trunk should fail at once (only trunks with a health check are ever down). */
  isDown(name: string): boolean {
    return this.states.get(name)?.up === false;
  }

  get status(): TrunkHealthState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  private tick(): void {
    const now = Date.now();
    const live = new Set<string>();
    for (const t of this.deps.trunks()) {
      const settings = healthSettings(t);
      if (!settings) continue;
      live.add(t.name);
      if (this.inFlight.has(t.name) || (this.nextAt.get(t.name) ?? 0) > now) continue;
      this.nextAt.set(t.name, now + settings.intervalSec * 1000);
      this.ping(t, settings);
    }
    // Trunks removed from the configuration, or whose check was turned off, are no longer judged.
    for (const name of this.states.keys()) if (!live.has(name)) {
      this.states.delete(name);
      this.nextAt.delete(name);
    }
  }

  private ping(t: TrunkConfig, settings: HealthCheckSettings): void {
    const { endpoint } = this.deps;
    const remote = trunkTarget(t, '', { uri: `sip:${endpoint.publicAddress}`, params: {} }).remote;
    const uri = `sip:${t.host}${remote.port !== 5060 ? ':' + remote.port : ''}${remote.protocol === 'TCP' ? ';transport=tcp' : ''}`;
    const rq: SipRequest = {
      method: 'OPTIONS',
      uri,
      version: '2.0',
      headers: {
        via: [endpoint.via(remote.protocol)],
        from: { uri: `sip:ping@${endpoint.publicAddress}`, params: { tag: newTag() } },
        to: { uri, params: {} },
        'call-id': newCallId(endpoint.publicAddress),
        cseq: { seq: 1, method: 'OPTIONS' },
        contact: [endpoint.contact(remote.protocol)],
        'max-forwards': '70',
        accept: 'application/sdp',
      },
      content: '',
    };
    this.inFlight.add(t.name);
    let settled = false;
    const done = (status: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.inFlight.delete(t.name);
      this.record(t.name, status, settings);
    };
    const timer = setTimeout(() => done(undefined), settings.timeoutSec * 1000);
    timer.unref();
    try {
      // A transaction timeout (Timer F) comes as a 408 made by the transaction layer (no To tag): no answer.
      endpoint.sendRequest(rq, remote, (rs) => rs.status >= 200 && done(rs.status === 408 && !rs.headers.to?.params?.tag ? undefined : rs.status));
    } catch (err) {
      this.deps.log.warn({ err, trunk: t.name }, 'trunk OPTIONS ping could not be sent');
      done(undefined);
    }
  }

  private record(name: string, status: number | undefined, settings: HealthCheckSettings): void {
    if (!this.nextAt.has(name)) return; // removed meanwhile
    const now = Date.now();
    const prev = this.states.get(name) ?? { trunk: name, up: true, failures: 0, since: now };
    const next = afterPing(prev, status, settings.failuresToDown, now);
    this.states.set(name, next);
    if (next.up !== prev.up) {
      if (next.up) this.deps.log.info({ trunk: name, status }, 'trunk answers OPTIONS again: up');
      else this.deps.log.warn({ trunk: name, failures: next.failures, code: 'CC_CALL_TRUNK_DOWN' satisfies CallErrorCode }, 'trunk does not answer OPTIONS: down (outbound calls to it fail at once)');
      this.deps.onChange?.(next);
    }
  }
}
